package fn

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The vocabulary every part speaks. A part (network.go, service.go, ...) is
// a plain builder from the validated Spec and what is observed to typed
// managed resources; everything it knows about a resource it declares on
// that resource's Desired value, next to the code that renders it. Compose
// (compose.go) runs the parts and turns what they declared into Usages,
// conditions and results; it knows nothing about AWS.

// A Part builds one part of the stack from the validated spec and what is
// observed. It is a plain function: no I/O, no shared state.
type Part struct {
	// Name of the part, used for its XR condition (<Name>Ready).
	Name string
	// Build returns the part's desired resources and, for resources it
	// cannot render yet, why it is waiting.
	Build func(s *Spec, o Observed) Built
}

// Built is what a Part returns.
type Built struct {
	// Resources are the part's desired resources, in render order.
	Resources []Desired
	// Waiting says, for a person, what the part waits for before it can
	// render the rest of its resources.
	Waiting []string
	// KeptOnPurpose are observed resources the part no longer renders but
	// keeps, unchanged, on purpose (a superseded task definition the
	// service may still run). Each is reported as a Normal result rather
	// than the Warning every other unrendered observed resource gets.
	KeptOnPurpose []KeptOnPurpose
	// Retired are the keys of observed resources the part lets go: they
	// are neither rendered nor kept, so Crossplane deletes them. This is
	// the only way a render drops an observed resource; only the rollout
	// (rollout.go) uses it.
	Retired []string
}

// Add appends resources.
func (b *Built) Add(d ...Desired) { b.Resources = append(b.Resources, d...) }

// Waitf records what the part is waiting for.
func (b *Built) Waitf(format string, a ...any) {
	b.Waiting = append(b.Waiting, fmt.Sprintf(format, a...))
}

// Keepf records an observed resource the part keeps on purpose, with the
// message of its Normal result.
func (b *Built) Keepf(key, format string, a ...any) {
	b.KeptOnPurpose = append(b.KeptOnPurpose, KeptOnPurpose{Key: key, Message: fmt.Sprintf(format, a...)})
}

// Retire records observed resources the part lets Crossplane delete.
func (b *Built) Retire(keys ...string) { b.Retired = append(b.Retired, keys...) }

// KeptOnPurpose is an observed resource a part keeps without rendering it.
type KeptOnPurpose struct {
	// Key is the composition resource name of the observed resource.
	Key string
	// Message says, for a person, why it is kept.
	Message string
}

// Object is a typed managed resource of provider-aws.
type Object interface {
	runtime.Object
	metav1.Object
}

// Desired is one composed resource a part wants, with everything the part
// knows about it. The builder sets the resource's fields itself, region and
// tags included; Compose adds only the Kubernetes metadata (name, labels,
// external-name annotation) and the provider config.
type Desired struct {
	// Key is the composition resource name: stable across renders.
	Key string
	// Object is the typed managed resource.
	Object Object
	// AWSName is the resource's name in AWS; it is its Name tag and, with
	// ExternalName, its crossplane.io/external-name annotation.
	AWSName string
	// ExternalName says that this kind takes its AWS name from the
	// external-name annotation rather than from a field.
	ExternalName bool
	// Ready decides the resource's readiness from what is observed. Nil
	// means: ready when the provider reports Ready=True.
	Ready ReadyCheck
	// Labels and Annotations are added to the shared ones (the resource key
	// label, the external-name annotation); the claim marker (claim.go)
	// uses them.
	Labels      map[string]string
	Annotations map[string]string
	// EmptyStrings are field paths whose empty string is meant: the
	// conversion to unstructured (composed.From, JSON omitempty) drops
	// empty strings, so they are set again afterwards.
	EmptyStrings []string

	// Uses are the keys of the resources this one uses and that must
	// therefore outlive it: AWS refuses to delete them (or the deletion
	// hangs) while this resource exists. For each one that is rendered
	// too, Compose renders a Usage (usages.go), so that Crossplane deletes
	// this resource first. Say why next to the list.
	Uses []string
	// Immutable are the CatalogApi fields this resource carries that AWS
	// cannot change in place; a render that would change one is refused
	// (immutable.go).
	Immutable []Immutable
	// Hint is appended to the condition message while the resource is not
	// ready: what to expect (how long AWS usually takes) or where to look.
	Hint string
	// ReadyNote, if set, is appended to the part's condition message when
	// the part is Available: what Ready means for this resource where the
	// provider can tell less than a person would assume.
	ReadyNote func(o Observed, key string) string
	// NotReady, if set, writes the whole condition message when the
	// provider reports the resource Ready but Ready (the ReadyCheck) does
	// not agree, e.g. a CloudFront distribution that is still deploying.
	NotReady func(o Observed, key string) string
}

// Immutable is a CatalogApi field that AWS cannot change in place: changing
// it would make the provider replace, or fail forever on, a stateful
// resource. The function refuses such a change instead of rendering it.
type Immutable struct {
	// Field is the CatalogApi field, for the message.
	Field string
	// Path is where the composed resource carries the field's value.
	Path string
	// Why says what a change would do.
	Why string
}

// ReadyCheck decides from what is observed whether the composed resource
// with this key is ready.
type ReadyCheck func(o Observed, key string) bool

// Pointer helpers: the provider's parameters are pointers throughout; a
// single value is new(v).

// ptrList converts strings to the []*string the provider uses for lists.
func ptrList(v ...string) []*string {
	out := make([]*string, len(v))
	for i := range v {
		out[i] = &v[i]
	}
	return out
}

// f64 converts an int to the *float64 the provider uses for numbers.
func f64(v int) *float64 { f := float64(v); return &f }
