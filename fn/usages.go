package fn

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/crossplane/function-sdk-go/resource/composed"
)

// Usage is a Crossplane v2 protection.crossplane.io/v1beta1 Usage: while it
// exists, Crossplane refuses to delete the resource in Of. Teardown thereby
// runs in an order AWS accepts: the user goes first, what it uses after.
type Usage struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"` //nolint:modernize // runtime.DefaultUnstructuredConverter, not encoding/json, reads this tag (Kubernetes API convention); omitzero would change the rendered Usage.

	Spec UsageSpec `json:"spec"`
}

// UsageSpec says which resource is used by which.
type UsageSpec struct {
	Of UsageResource `json:"of"`
	By UsageResource `json:"by"`
	// ReplayDeletion replays the blocked deletion of Of as soon as the
	// Usage is gone, so teardown does not wait for the next backoff.
	ReplayDeletion bool `json:"replayDeletion"`
}

// UsageResource names one resource of a Usage.
type UsageResource struct {
	APIVersion  string      `json:"apiVersion"`
	Kind        string      `json:"kind"`
	ResourceRef ResourceRef `json:"resourceRef"`
}

// ResourceRef references a resource in the Usage's namespace by name.
type ResourceRef struct {
	Name string `json:"name"`
}

// usages renders a Usage for every edge a part declared (Desired.Uses)
// whose two ends are rendered: the used resource outlives its user.
func usages(s *Spec, resources []Desired, rendered map[string]Desired) []Desired {
	var out []Desired
	for _, by := range resources {
		for _, key := range by.Uses {
			if of, ok := rendered[key]; ok {
				out = append(out, usage(s, of, by))
			}
		}
	}
	return out
}

// UsageKey is the key of the Usage that keeps of until by is gone.
func UsageKey(of, by string) string { return "usage-" + of + "-by-" + by }

func usage(s *Spec, of, by Desired) Desired {
	u := &Usage{
		TypeMeta: metav1.TypeMeta{APIVersion: "protection.crossplane.io/v1beta1", Kind: "Usage"},
		Spec: UsageSpec{
			Of:             usageResource(s, of),
			By:             usageResource(s, by),
			ReplayDeletion: true,
		},
	}
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(u)
	if err != nil {
		panic(err) // Usage is a plain struct; it always converts.
	}
	// A Usage has no AWS side: it is ready as soon as it exists.
	return Desired{Key: UsageKey(of.Key, by.Key), Object: &composed.Unstructured{Unstructured: unstructured.Unstructured{Object: obj}}, Ready: existsIsReady}
}

func usageResource(s *Spec, d Desired) UsageResource {
	gvk := gvkOf(d.Object)
	return UsageResource{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, ResourceRef: ResourceRef{Name: s.ObjectName(d.Key)}}
}

// gvkOf returns the kind of a typed provider object from composed.Scheme.
func gvkOf(o runtime.Object) schema.GroupVersionKind {
	if gvk := o.GetObjectKind().GroupVersionKind(); !gvk.Empty() {
		return gvk
	}
	gvks, _, err := composed.Scheme.ObjectKinds(o)
	if err != nil || len(gvks) == 0 {
		panic(fmt.Sprintf("type %T is not registered in composed.Scheme", o)) // A programming error.
	}
	return gvks[0]
}

func existsIsReady(o Observed, key string) bool { return o.Exists(key) }
