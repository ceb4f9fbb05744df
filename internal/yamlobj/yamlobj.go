// Package yamlobj reads Kubernetes objects from multi-document YAML (or
// JSON) files and streams, for the catalogapi CLI and the tests.
package yamlobj

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Decode decodes a stream of YAML (or JSON) documents, skipping empty
// ones. A list (kind: List, what kubectl get -o yaml prints) is read as its
// items.
func Decode(r io.Reader) ([]*unstructured.Unstructured, error) {
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
		u := &unstructured.Unstructured{Object: obj}
		if !u.IsList() {
			out = append(out, u)
			continue
		}
		if err := u.EachListItem(func(item runtime.Object) error {
			if it, ok := item.(*unstructured.Unstructured); ok && len(it.Object) > 0 {
				out = append(out, it)
			}
			return nil
		}); err != nil {
			return nil, fmt.Errorf("cannot read the items of the list in YAML document %d: %w", i, err)
		}
	}
}

// Read reads every document of a YAML file.
func Read(path string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	objs, err := Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return objs, nil
}

// ReadOne reads a YAML file that holds exactly one object.
func ReadOne(path string) (*unstructured.Unstructured, error) {
	objs, err := Read(path)
	if err != nil {
		return nil, err
	}
	if len(objs) != 1 {
		return nil, fmt.Errorf("%s: want exactly one object, found %d", path, len(objs))
	}
	return objs[0], nil
}
