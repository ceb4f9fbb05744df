package preview

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Annotations and labels Crossplane puts on composed resources.
const (
	// AnnotationCompositionResourceName names a composed resource within its
	// composite: the key the function renders it under.
	AnnotationCompositionResourceName = "crossplane.io/composition-resource-name"
	// LabelComposite is the name of the composite a resource belongs to.
	LabelComposite = "crossplane.io/composite"
)

// DecodeObjects decodes a stream of YAML (or JSON) documents, skipping empty
// ones.
func DecodeObjects(r io.Reader) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	for i := 1; ; i++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read YAML document %d: %w", i, err)
		}
		obj := map[string]any{}
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			return nil, fmt.Errorf("cannot decode YAML document %d: %w", i, err)
		}
		if len(obj) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: obj})
	}
}

// ReadObjects reads every document of a YAML file.
func ReadObjects(path string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	objs, err := DecodeObjects(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return objs, nil
}

// ReadObject reads a YAML file that holds exactly one object.
func ReadObject(path string) (*unstructured.Unstructured, error) {
	objs, err := ReadObjects(path)
	if err != nil {
		return nil, err
	}
	if len(objs) != 1 {
		return nil, fmt.Errorf("%s: want exactly one object, found %d", path, len(objs))
	}
	return objs[0], nil
}

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
