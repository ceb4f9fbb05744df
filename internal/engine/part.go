// Package engine composes a stack of managed resources from parts. It knows
// nothing about AWS: a part (in package fn, one file per part of the stack)
// is a plain builder from a validated spec and what is observed to typed
// managed resources, and everything it knows about a resource it declares
// on that resource's Desired value, next to the code that renders it. The
// engine runs the parts, stamps the shared metadata, keeps what is observed,
// turns declared deletion edges into Usages and declared readiness into
// conditions, and converts the result with the SDK's helpers.
package engine

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// A Part builds one part of the stack from the validated spec S and what is
// observed. It is a plain function: no I/O, no shared state.
type Part[S any] struct {
	// Name of the part: its XR condition is <Name>Ready and its resources
	// carry it in the LabelPart label.
	Name string
	// Build returns the part's desired resources and, for resources it
	// cannot render yet, why it is waiting.
	Build func(s S, o Observed) Built
	// Cost declares the monthly cost of what the part renders, at the
	// stack's minimum (CostLines). It reads the spec only: the estimate is
	// known before anything exists. Nil: the part costs nothing priced.
	Cost func(s S) []CostLine
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
	KeptOnPurpose []Explained
	// Retired are the keys of observed resources the part lets go: they
	// are neither rendered nor kept, so Crossplane deletes them. This is
	// the only way a part drops an observed resource.
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
	b.KeptOnPurpose = append(b.KeptOnPurpose, Explained{Key: key, Message: fmt.Sprintf(format, a...)})
}

// Retire records observed resources the part lets Crossplane delete.
func (b *Built) Retire(keys ...string) { b.Retired = append(b.Retired, keys...) }

// Explained is a composed resource with a message for a person: why it is
// kept without being rendered, or why it is let go.
type Explained struct {
	// Key is the composition resource name.
	Key string
	// Message says, for a person, what happens to it and why.
	Message string
}

// Object is a typed managed resource.
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
	// AWSName is the resource's name in AWS; with ExternalName, it is its
	// crossplane.io/external-name annotation.
	AWSName string
	// ExternalName says that this kind takes its AWS name from the
	// external-name annotation rather than from a field.
	ExternalName bool
	// Labels and Annotations are added to the shared ones (the resource and
	// part labels, the external-name annotation).
	Labels      map[string]string
	Annotations map[string]string
	// EmptyStrings are field paths whose empty string is meant: the
	// conversion to unstructured (composed.From, JSON omitempty) drops
	// empty strings, so they are set again afterwards.
	EmptyStrings []string

	// Uses are the keys of the resources this one uses and that must
	// therefore outlive it. For each one that is rendered too, Compose
	// renders a Usage (usages.go), so that Crossplane deletes this resource
	// first. Say why next to the list.
	Uses []string
	// Immutable are the spec fields this resource carries that the cloud
	// cannot change in place; a render that would change one is refused
	// (immutable.go).
	Immutable []Immutable
	// Readiness is how the resource's readiness is decided and described.
	Readiness Readiness
	// OnChange are what a change of this resource means for the running
	// stack (impact.go), for tools that preview a change; rendering
	// ignores them.
	OnChange []ChangeImpact
}

// Readiness is what a part declares about a resource's readiness.
type Readiness struct {
	// Check decides from what is observed whether the resource is ready.
	// Nil means: ready when the provider reports Ready=True.
	Check ReadyCheck
	// Hint is appended to the condition message while the resource is not
	// ready: what to expect (how long it usually takes) or where to look.
	Hint string
	// ServingNote, if set, is appended to the part's condition message
	// when the part is Available: what Ready means for this resource where
	// the provider can tell less than a person would assume.
	ServingNote func(o Observed, key string) string
	// PendingMessage, if set, writes the whole condition message when the
	// provider reports the resource Ready but Check does not agree, e.g. a
	// CDN distribution that is still deploying.
	PendingMessage func(o Observed, key string) string
}

// Immutable is a spec field that the cloud cannot change in place: changing
// it would make the provider replace, or fail forever on, a stateful
// resource. The function refuses such a change instead of rendering it.
type Immutable struct {
	// Field is the spec field, for the message.
	Field string
	// Path is where the composed resource carries the field's value.
	Path string
	// Why says what a change would do.
	Why string
}

// ReadyCheck decides from what is observed whether the composed resource
// with this key is ready.
type ReadyCheck func(o Observed, key string) bool
