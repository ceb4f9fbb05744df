package preview

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/platform/function-catalog-api/apis/v1alpha1"
	"github.com/platform/function-catalog-api/internal/yamlobj"
)

// Files names the files of an offline preview: the same files
// `crossplane render` takes.
type Files struct {
	// Change is the changed CatalogApi.
	Change string
	// LiveXR is the CatalogApi as it is live (optional: the observed file may
	// hold it, and without either everything is new).
	LiveXR string
	// Observed holds the observed composed resources (crossplane render
	// --observed-resources), each carrying the composition resource name
	// annotation. A CatalogApi in it is the live XR; render Results are
	// skipped, so a `crossplane render` output can be used as it is.
	Observed string
	// Composition is the Composition (or CompositionRevision).
	Composition string
	// Credentials holds the Secrets the pipeline step's credentials name
	// (crossplane render --function-credentials); optional.
	Credentials string
	// Step names the pipeline step; empty: the one with the function's Input.
	Step string
}

// LoadFiles reads the input of an offline preview.
func LoadFiles(f Files) (Input, error) {
	var in Input
	var err error
	if in.Change, err = yamlobj.ReadOne(f.Change); err != nil {
		return Input{}, err
	}
	if f.LiveXR != "" {
		if in.Live.XR, err = yamlobj.ReadOne(f.LiveXR); err != nil {
			return Input{}, err
		}
	}
	if f.Observed != "" {
		if err := loadObserved(f.Observed, &in.Live); err != nil {
			return Input{}, err
		}
	}
	in.Pipeline, err = loadPipeline(f)
	return in, err
}

// loadPipeline reads the Composition's step and its credentials.
func loadPipeline(f Files) (Pipeline, error) {
	comp, err := yamlobj.ReadOne(f.Composition)
	if err != nil {
		return Pipeline{}, err
	}
	p := Pipeline{}
	p.Step, err = FindStep(comp, f.Step)
	if err != nil {
		return Pipeline{}, fmt.Errorf("%s: %w", f.Composition, err)
	}
	if f.Credentials == "" {
		return p, nil
	}
	secrets, err := yamlobj.Read(f.Credentials)
	if err != nil {
		return Pipeline{}, err
	}
	p.Credentials, err = credentialsFrom(p.Step, secrets)
	if err != nil {
		return Pipeline{}, fmt.Errorf("%s: %w", f.Credentials, err)
	}
	return p, nil
}

// loadObserved sorts the documents of an observed file into the live XR and
// its composed resources.
func loadObserved(path string, live *State) error {
	objs, err := yamlobj.Read(path)
	if err != nil {
		return err
	}
	for _, o := range objs {
		gvk := o.GroupVersionKind()
		switch {
		case gvk.Group == v1alpha1.Group && gvk.Kind == v1alpha1.Kind:
			if live.XR == nil {
				live.XR = o
			}
		case gvk.Kind == "Result" && gvk.Group == "render.crossplane.io":
		default:
			live.Composed = append(live.Composed, o)
		}
	}
	return nil
}

// credentialsFrom finds the Secret of every credential of a step.
func credentialsFrom(step *Step, secrets []*unstructured.Unstructured) (map[string]map[string][]byte, error) {
	out := map[string]map[string][]byte{}
	for _, c := range step.Credentials {
		var found *unstructured.Unstructured
		for _, s := range secrets {
			if s.GetKind() == "Secret" && s.GetName() == c.SecretName && s.GetNamespace() == c.SecretNamespace {
				found = s
			}
		}
		if found == nil {
			return nil, fmt.Errorf("no Secret %s/%s for the step's credential %q", c.SecretNamespace, c.SecretName, c.Name)
		}
		data, err := SecretData(found)
		if err != nil {
			return nil, err
		}
		out[c.Name] = data
	}
	return out, nil
}
