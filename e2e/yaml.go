package e2e

import (
	"bytes"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// MarshalObjects renders objects as one YAML stream, after a header
// comment. The header belongs to the first document: crossplane render
// reads a document of only comments as an observed resource without a name.
func MarshalObjects(header string, objs []*unstructured.Unstructured) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(header)
	for i, u := range objs {
		y, err := yaml.Marshal(u.Object)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", u.GetKind(), u.GetName(), err)
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		b.Write(y)
	}
	return b.Bytes(), nil
}
