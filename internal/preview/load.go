package preview

import (
	"encoding/base64"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Annotations and labels Crossplane puts on composed resources.
const (
	// AnnotationCompositionResourceName names a composed resource within its
	// composite: the key the function renders it under.
	AnnotationCompositionResourceName = "crossplane.io/composition-resource-name"
	// LabelComposite is the name of the composite a resource belongs to.
	LabelComposite = "crossplane.io/composite"
)

// SecretData returns the data of a Secret object: its base64 data merged
// with its plain stringData, as the API server would store it.
func SecretData(s *unstructured.Unstructured) (map[string][]byte, error) {
	out := map[string][]byte{}
	data, _, err := unstructured.NestedMap(s.Object, "data")
	if err != nil {
		return nil, fmt.Errorf("secret %s/%s: data: %w", s.GetNamespace(), s.GetName(), err)
	}
	for k, v := range data {
		str, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("secret %s/%s: data.%s is not a string", s.GetNamespace(), s.GetName(), k)
		}
		b, err := base64.StdEncoding.DecodeString(str)
		if err != nil {
			return nil, fmt.Errorf("secret %s/%s: data.%s is not base64: %w", s.GetNamespace(), s.GetName(), k, err)
		}
		out[k] = b
	}
	stringData, _, err := unstructured.NestedStringMap(s.Object, "stringData")
	if err != nil {
		return nil, fmt.Errorf("secret %s/%s: stringData: %w", s.GetNamespace(), s.GetName(), err)
	}
	for k, v := range stringData {
		out[k] = []byte(v)
	}
	return out, nil
}
