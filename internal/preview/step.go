package preview

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// inputGroup is the API group of the function's Input: the pipeline step
// that runs this function is the one whose input has it.
const inputGroup = "catalogapi.fn.example.org"

// Step is the pipeline step of a Composition that runs the function: what
// Crossplane passes it besides the observed state.
type Step struct {
	Name string
	// Input is the step's input, as Crossplane sends it.
	Input *structpb.Struct
	// Credentials are the Secrets the step names, by credential name.
	Credentials []CredentialRef
}

// CredentialRef is one credential of a pipeline step, read from a Secret.
type CredentialRef struct {
	Name            string
	SecretNamespace string
	SecretName      string
}

// FindStep returns the step of a Composition (or CompositionRevision) that
// runs the function: the step named name, or, when name is empty, the one
// step whose input is the function's Input.
func FindStep(comp *unstructured.Unstructured, name string) (*Step, error) {
	steps, found, err := unstructured.NestedSlice(comp.Object, "spec", "pipeline")
	if err != nil || !found {
		return nil, fmt.Errorf("%s %s has no spec.pipeline: the function runs only in Pipeline mode", comp.GetKind(), comp.GetName())
	}
	matches := matchSteps(steps, name)
	switch {
	case len(matches) == 0 && name != "":
		return nil, fmt.Errorf("%s %s has no pipeline step %q", comp.GetKind(), comp.GetName(), name)
	case len(matches) == 0:
		return nil, fmt.Errorf("%s %s has no pipeline step with a %s input: name the step with --step", comp.GetKind(), comp.GetName(), inputGroup)
	case len(matches) > 1:
		return nil, fmt.Errorf("%s %s has %d pipeline steps with a %s input: name one with --step", comp.GetKind(), comp.GetName(), len(matches), inputGroup)
	}
	return parseStep(matches[0])
}

// matchSteps returns the steps named name, or with the function's Input
// when name is empty.
func matchSteps(steps []any, name string) []map[string]any {
	var out []map[string]any
	for _, s := range steps {
		m, ok := s.(map[string]any)
		if !ok {
			continue
		}
		if name != "" && m["step"] == name || name == "" && isFunctionInput(m["input"]) {
			out = append(out, m)
		}
	}
	return out
}

func isFunctionInput(in any) bool {
	m, _ := in.(map[string]any)
	apiVersion, _ := m["apiVersion"].(string)
	group, _, _ := strings.Cut(apiVersion, "/")
	return group == inputGroup
}

// parseStep reads a pipeline step. The input goes through JSON into a
// structpb.Struct, as Crossplane sends it.
func parseStep(m map[string]any) (*Step, error) {
	s := &Step{}
	s.Name, _ = m["step"].(string)
	if in, ok := m["input"].(map[string]any); ok {
		raw, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("step %q: cannot encode its input: %w", s.Name, err)
		}
		s.Input = &structpb.Struct{}
		if err := s.Input.UnmarshalJSON(raw); err != nil {
			return nil, fmt.Errorf("step %q: cannot decode its input: %w", s.Name, err)
		}
	}
	creds, _ := m["credentials"].([]any)
	for _, c := range creds {
		cm, _ := c.(map[string]any)
		if source, _ := cm["source"].(string); source != "Secret" {
			continue // Crossplane reads only Secrets and skips other sources.
		}
		ref, err := credentialRef(cm)
		if err != nil {
			return nil, fmt.Errorf("step %q: %w", s.Name, err)
		}
		s.Credentials = append(s.Credentials, ref)
	}
	return s, nil
}

// credentialRef reads one Secret credential.
func credentialRef(m map[string]any) (CredentialRef, error) {
	name, _ := m["name"].(string)
	sr, _ := m["secretRef"].(map[string]any)
	ns, _ := sr["namespace"].(string)
	n, _ := sr["name"].(string)
	if name == "" || n == "" {
		return CredentialRef{}, errors.New("a Secret credential needs a name and secretRef.name")
	}
	return CredentialRef{Name: name, SecretNamespace: ns, SecretName: n}, nil
}
