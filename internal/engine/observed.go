package engine

import (
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
)

// Observed is read access to the observed composed resources, keyed by
// composition resource name; nil observes nothing. Values are read with
// crossplane-runtime's fieldpath (composed.Unstructured's getters), so a
// path reads as it does in a Composition: status.atProvider.dnsName,
// spec.forProvider.rule[0].filter[0].prefix.
type Observed map[string]*composed.Unstructured

// NewObserved reads these observed composed resources as the request
// carries them, the way request.GetObservedComposedResources does.
func NewObserved(resources map[string]*fnv1.Resource) Observed {
	o := make(Observed, len(resources))
	for k, r := range resources {
		u := composed.New()
		// AsObject cannot fail for an unstructured object: it takes the
		// Struct's map as it is.
		_ = resource.AsObject(r.GetResource(), u)
		o[k] = u
	}
	return o
}

// Keys are the keys of the observed resources, sorted.
func (o Observed) Keys() []string { return slices.Sorted(maps.Keys(o)) }

// Exists reports whether the composed resource with this key exists.
func (o Observed) Exists(key string) bool {
	_, ok := o[key]
	return ok
}

// GetString returns a string field of an observed resource, or "" when the
// resource or the field is absent or not a string.
func (o Observed) GetString(key, path string) string {
	u, ok := o[key]
	if !ok {
		return ""
	}
	s, _ := u.GetString(path) // Absent or another type reads as "".
	return s
}

// GetBool returns a boolean field of an observed resource, or false.
func (o Observed) GetBool(key, path string) bool {
	u, ok := o[key]
	if !ok {
		return false
	}
	b, _ := u.GetBool(path) // Absent or another type reads as false.
	return b
}

// GetNumber returns a numeric field of an observed resource, and whether it
// is there.
func (o Observed) GetNumber(key, path string) (float64, bool) {
	u, ok := o[key]
	if !ok {
		return 0, false
	}
	v, err := u.GetValue(path)
	if err != nil {
		return 0, false
	}
	// Observed objects come from protobuf Structs: numbers are float64,
	// or int64 when a test builds them from Go values.
	switch n := v.(type) {
	case float64:
		return n, true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// CreationTimestamp is when the observed resource was created (zero if it
// does not say).
func (o Observed) CreationTimestamp(key string) metav1.Time {
	u, ok := o[key]
	if !ok {
		return metav1.Time{}
	}
	return u.GetCreationTimestamp()
}

// Resource is the observed resource with this key; nil if it is not
// observed. Only resources the function keeps without rendering them need
// it. It is the request's object: read it, do not change it.
func (o Observed) Resource(key string) *composed.Unstructured { return o[key] }

// ConditionTrue reports whether the observed resource has the condition of
// this type with status True.
func (o Observed) ConditionTrue(key string, t xpv1.ConditionType) bool {
	return o.Condition(key, t).Status == corev1.ConditionTrue
}

// Ready reports whether the provider says the resource is Ready.
func (o Observed) Ready(key string) bool {
	return o.Condition(key, xpv1.TypeReady).Status == corev1.ConditionTrue
}

// Condition returns a condition of an observed resource (Unknown if the
// resource or the condition is absent), with the fields a render reads:
// type, status, reason and message. It reads status.conditions in place:
// composed.Unstructured's GetCondition converts the whole status through
// JSON, and a render reads three conditions of every resource.
func (o Observed) Condition(key string, t xpv1.ConditionType) xpv1.Condition {
	unknown := xpv1.Condition{Type: t, Status: corev1.ConditionUnknown}
	u, ok := o[key]
	if !ok {
		return unknown
	}
	// apimachinery's NoCopy read: no path to parse, nothing copied.
	conditions, _, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "conditions")
	list, _ := conditions.([]any)
	for _, c := range list {
		m, _ := c.(map[string]any)
		if m["type"] != string(t) {
			continue
		}
		status, _ := m["status"].(string)
		reason, _ := m["reason"].(string)
		message, _ := m["message"].(string)
		return xpv1.Condition{Type: t, Status: corev1.ConditionStatus(status), Reason: xpv1.ConditionReason(reason), Message: message}
	}
	return unknown
}
