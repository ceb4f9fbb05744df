package fn

import (
	"maps"
	"reflect"
	"sync"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Tags every taggable resource carries.
const (
	TagEnvironment = "production"
	TagProject     = "catalog-api"
)

// Labels and annotations the function puts on composed resources.
const (
	LabelResource          = "catalog.example.org/resource"
	AnnotationExternalName = "crossplane.io/external-name"
)

// Object is a typed managed resource of provider-aws.
type Object interface {
	runtime.Object
	metav1.Object
}

// Desired is one composed resource a builder wants, before the shared
// metadata (names, tags, region, provider config) is applied.
type Desired struct {
	// Key is the composition resource name: stable across renders.
	Key string
	// Object is the typed managed resource.
	Object Object
	// AWSName is the resource's name in AWS; it becomes the Name tag and,
	// with ExternalName, the crossplane.io/external-name annotation.
	AWSName string
	// ExternalName says that this kind takes its AWS name from the
	// external-name annotation rather than from a field.
	ExternalName bool
	// Ready decides the resource's readiness from what is observed. Nil
	// means: ready when the provider reports Ready=True.
	Ready ReadyCheck
	// Labels and Annotations are added to the shared ones (the resource
	// key label, the external-name annotation).
	Labels      map[string]string
	Annotations map[string]string
	// EmptyStrings are field paths whose empty string is meant: the
	// conversion to unstructured (composed.From, JSON omitempty) drops
	// empty strings, so they are set again afterwards.
	EmptyStrings []string
}

// Name is the AWS-side name of a resource type: resource-type-{suffix}.
func (s *Spec) Name(resourceType string) string { return resourceType + "-" + s.Suffix }

// ObjectName is the Kubernetes name of the composed resource with this key.
// It is fixed (not generated) so that builders can reference each other by
// name.
func (s *Spec) ObjectName(key string) string { return s.XRName + "-" + key }

// Ref references the composed resource with this key.
func (s *Spec) Ref(key string) *xpv1.NamespacedReference {
	return &xpv1.NamespacedReference{Name: s.ObjectName(key)}
}

// Refs references the composed resources with these keys, in order.
func (s *Spec) Refs(keys ...string) []xpv1.NamespacedReference {
	out := make([]xpv1.NamespacedReference, len(keys))
	for i, k := range keys {
		out[i] = *s.Ref(k)
	}
	return out
}

// RefAlways references a composed resource and re-resolves the reference on
// every reconcile, for references whose target changes name over time.
func (s *Spec) RefAlways(key string) *xpv1.NamespacedReference {
	always := xpv1.ResolvePolicyAlways
	return &xpv1.NamespacedReference{Name: s.ObjectName(key), Policy: &xpv1.Policy{Resolve: &always}}
}

// Tags returns the tags of a resource with this AWS name.
func (s *Spec) Tags(awsName string) map[string]*string {
	t := map[string]*string{
		"Environment": ptr(TagEnvironment),
		"Project":     ptr(TagProject),
	}
	if awsName != "" {
		t["Name"] = ptr(awsName)
	}
	return t
}

// finalize applies, in one place, what every composed resource shares: its
// Kubernetes name and labels, the external-name annotation, the region, the
// tags and the provider config. It finds the region and tags fields by
// reflection, so a kind gets them exactly when its provider type has them.
func (s *Spec) finalize(d Desired) {
	o := d.Object
	o.SetName(s.ObjectName(d.Key))
	labels := map[string]string{LabelResource: d.Key}
	maps.Copy(labels, d.Labels)
	o.SetLabels(labels)
	annotations := maps.Clone(d.Annotations)
	if d.ExternalName && d.AWSName != "" {
		if annotations == nil {
			annotations = map[string]string{}
		}
		annotations[AnnotationExternalName] = d.AWSName
	}
	if annotations != nil {
		o.SetAnnotations(annotations)
	}
	v := reflect.ValueOf(o).Elem()
	f := sharedFieldsOf(v.Type())
	setField(v, f.region, reflect.ValueOf(ptr(s.Region)))
	setField(v, f.tags, reflect.ValueOf(s.Tags(d.AWSName)))
	pcr := &xpv1.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: s.ProviderConfigName}
	setField(v, f.providerConfig, reflect.ValueOf(pcr))
}

// sharedFields are where finalize writes in one kind's struct, as field
// index paths; nil when the kind has no such field of the right type.
type sharedFields struct {
	region, tags, providerConfig []int
}

// sharedFieldsCache maps a kind's struct type to its *sharedFields. Finding
// fields by name scans every field of the large provider structs, which cost
// a tenth of a render when done for every resource; the answer depends only
// on the type.
var sharedFieldsCache sync.Map

func sharedFieldsOf(t reflect.Type) *sharedFields {
	if f, ok := sharedFieldsCache.Load(t); ok {
		return f.(*sharedFields)
	}
	f := &sharedFields{
		region:         fieldPath(t, reflect.TypeFor[*string](), "Spec", "ForProvider", "Region"),
		tags:           fieldPath(t, reflect.TypeFor[map[string]*string](), "Spec", "ForProvider", "Tags"),
		providerConfig: fieldPath(t, reflect.TypeFor[*xpv1.ProviderConfigReference](), "Spec", "ProviderConfigReference"),
	}
	sharedFieldsCache.Store(t, f)
	return f
}

// fieldPath is the index path of the nested struct field names in t, or nil
// if there is none or a value of type want cannot be assigned to it.
func fieldPath(t reflect.Type, want reflect.Type, names ...string) []int {
	var path []int
	for _, name := range names {
		if t.Kind() != reflect.Struct {
			return nil
		}
		f, ok := t.FieldByName(name)
		if !ok || !f.IsExported() {
			return nil
		}
		path = append(path, f.Index...)
		t = f.Type
	}
	if !want.AssignableTo(t) {
		return nil
	}
	return path
}

// setField sets the field of struct v at path to value, if there is one.
func setField(v reflect.Value, path []int, value reflect.Value) {
	if path != nil {
		v.FieldByIndex(path).Set(value)
	}
}

func ptr[T any](v T) *T { return &v }

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
