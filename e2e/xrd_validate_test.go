package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"
	"sigs.k8s.io/yaml"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/platform/function-catalog-api/fn"
	"github.com/platform/function-catalog-api/internal/fntest"
)

// Every input rule is enforced twice: by the XRD at admission (OpenAPI and
// CEL, checked here with the real `crossplane beta validate`), and by the
// function for XRs that reach it without admission (a Fatal result that
// names the field). Each case runs through both.

type inputCase struct {
	Name string `json:"name"`
	Spec string `json:"spec"` // YAML of spec
	// Field is the field both enforcement points must name; "" for a good XR.
	Field string `json:"field,omitempty"`
	// XRDSays is what validate reports for a bad XR.
	XRDSays string `json:"xrdSays,omitempty"`
}

// inputCasesFile holds the cases: the Backstage template's form is checked
// against the same list (examples/backstage/validate), so it lives in one data file.
const inputCasesFile = "e2e/testdata/input-cases.yaml"

// loadInputCases reads the input cases, good ones first.
func loadInputCases(t *testing.T) []inputCase {
	t.Helper()
	b, err := os.ReadFile(repoPath(inputCasesFile))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []inputCase `json:"cases"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", inputCasesFile, err)
	}
	if len(f.Cases) == 0 {
		t.Fatalf("%s has no cases", inputCasesFile)
	}
	return f.Cases
}

func caseXR(t *testing.T, c inputCase) map[string]any {
	t.Helper()
	spec := map[string]any{}
	if err := yaml.Unmarshal([]byte(c.Spec), &spec); err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	return map[string]any{
		"apiVersion": "catalog.example.org/v1alpha1", "kind": "CatalogApi",
		"metadata": map[string]any{"name": c.Name, "namespace": "team-catalog"},
		"spec":     spec,
	}
}

// TestInputRulesInFunction: the function rejects every bad case with a
// Fatal result naming the field, and renders nothing; good cases render.
func TestInputRulesInFunction(t *testing.T) {
	f := fn.NewFunction(logging.NewNopLogger())
	for _, c := range loadInputCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			xr, err := structpb.NewStruct(caseXR(t, c))
			if err != nil {
				t.Fatal(err)
			}
			rsp, err := f.RunFunction(context.Background(), &fnv1.RunFunctionRequest{
				Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: xr}},
			})
			if err != nil {
				t.Fatal(err)
			}
			fatal := fntest.FatalMessage(rsp)
			switch {
			case c.Field == "" && fatal != "":
				t.Errorf("good XR rejected: %s", fatal)
			case c.Field != "" && !strings.Contains(fatal, c.Field+": invalid value"):
				t.Errorf("Fatal result %q does not name %s", fatal, c.Field)
			case c.Field != "" && len(rsp.GetDesired().GetResources()) != 0:
				t.Errorf("rendered %d resources alongside the Fatal result", len(rsp.GetDesired().GetResources()))
			}
		})
	}
}

// TestInputRulesInXRD validates every case against the XRD with the real
// Crossplane CLI: good XRs pass, each bad one fails with the rule's message.
func TestInputRulesInXRD(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the Crossplane CLI")
	}
	cli := crossplaneCLI(t)
	inputCases := loadInputCases(t)
	files := writeCaseXRs(t, inputCases)
	cache, image := crossplaneSchemaCache(t)
	// validate fails on the bad cases: its summary and messages are checked.
	out, _ := Validate(t.Context(), cli, []string{repoPath(XRD)}, files, cache, image)
	sum, err := ParseValidateSummary(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	bad := slices.IndexFunc(inputCases, func(c inputCase) bool { return c.Field != "" })
	if want := (ValidateSummary{Total: len(inputCases), Success: bad, Failures: len(inputCases) - bad}); sum != want {
		t.Errorf("validate summary = %v, want %v\n%s", sum, want, out)
	}
	for _, c := range inputCases {
		checkValidateLines(t, c, linesAbout(out, c.Name))
	}
}

// writeCaseXRs writes the XR of every case to a file of its own and returns
// their paths.
func writeCaseXRs(t *testing.T, cases []inputCase) []string {
	t.Helper()
	dir := t.TempDir()
	files := make([]string, 0, len(cases))
	for _, c := range cases {
		b, err := yaml.Marshal(caseXR(t, c))
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, c.Name+".yaml")
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// checkValidateLines checks validate's lines about one case: none for a
// good XR, one with the rule's message for a bad one.
func checkValidateLines(t *testing.T, c inputCase, lines []string) {
	t.Helper()
	switch {
	case c.Field == "" && len(lines) > 0:
		t.Errorf("%s: good XR reported: %v", c.Name, lines)
	case c.Field != "" && !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, c.XRDSays) }):
		t.Errorf("%s: no validation error says %q; got %v", c.Name, c.XRDSays, lines)
	}
}

// linesAbout returns validate's error lines about the XR named name.
func linesAbout(out, name string) []string {
	var lines []string
	for l := range strings.SplitSeq(out, "\n") {
		if strings.HasPrefix(l, "[x]") && strings.Contains(l, fmt.Sprintf(", %s :", name)) {
			lines = append(lines, l)
		}
	}
	return lines
}
