package preview

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/platform/function-catalog-api/fn"
	"github.com/platform/function-catalog-api/fn/providersim"
	"github.com/platform/function-catalog-api/internal/yamlobj"
)

// The examples a preview of a day-2 change starts from: the converged stack
// of examples/xr.yaml.
const (
	exampleXR          = "../../examples/xr.yaml"
	exampleObserved    = "../../examples/observed/phase-5.yaml"
	exampleComposition = "../../examples/composition.yaml"
	// credentialsComposition is the example Composition with a step
	// credential, and credentialsFile its Secret.
	credentialsComposition = "testdata/composition-with-credentials.yaml"
	credentialsFile        = "testdata/credentials.yaml"
)

// exampleInput is the offline input of the examples with the CatalogApi
// changed by edit.
func exampleInput(t *testing.T, edit func(spec map[string]any)) Input {
	t.Helper()
	in, err := LoadFiles(Files{Change: exampleXR, LiveXR: exampleXR, Observed: exampleObserved, Composition: exampleComposition})
	if err != nil {
		t.Fatalf("LoadFiles: %v", err)
	}
	spec, _ := in.Change.Object["spec"].(map[string]any)
	edit(spec)
	return in
}

func set(path string, v any) func(map[string]any) {
	return func(spec map[string]any) {
		parts := strings.Split(path, ".")
		m := spec
		for _, p := range parts[:len(parts)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m[parts[len(parts)-1]] = v
	}
}

// functionRequest builds, independently of the package under test, the
// request Crossplane sends for this input: the changed XR, the observed
// resources by annotation, the Composition's input and the credentials.
func functionRequest(t *testing.T, in Input, observed map[string]*fnv1.Resource) *fnv1.RunFunctionRequest {
	t.Helper()
	xr, err := structpb.NewStruct(in.Change.Object)
	if err != nil {
		t.Fatal(err)
	}
	if observed == nil {
		observed = map[string]*fnv1.Resource{}
		for _, o := range in.Live.Composed {
			s, err := structpb.NewStruct(o.Object)
			if err != nil {
				t.Fatal(err)
			}
			observed[o.GetAnnotations()["crossplane.io/composition-resource-name"]] = &fnv1.Resource{Resource: s}
		}
	}
	comp, err := yamlobj.ReadOne(exampleComposition)
	if err != nil {
		t.Fatal(err)
	}
	steps, _, _ := unstructured.NestedSlice(comp.Object, "spec", "pipeline")
	step, _ := steps[0].(map[string]any)
	in0, _ := step["input"].(map[string]any)
	input, err := structpb.NewStruct(in0)
	if err != nil {
		t.Fatal(err)
	}
	return &fnv1.RunFunctionRequest{
		Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: xr}, Resources: observed},
		// Crossplane has supplied the claim markers of the suffix: none but
		// the CatalogApi's own.
		RequiredResources: map[string]*fnv1.Resources{fn.RequirementSuffixClaims: {}},
		Input:             input,
	}
}

func runFunction(t *testing.T, req *fnv1.RunFunctionRequest) *fnv1.RunFunctionResponse {
	t.Helper()
	rsp, err := fn.NewFunction(logging.NewNopLogger()).RunFunction(context.Background(), req)
	if err != nil {
		t.Fatalf("RunFunction: %v", err)
	}
	return rsp
}

// TestPreview checks each preview against what the function renders for
// the same change, and against the stack once that render is applied.
func TestPreview(t *testing.T) {
	for name, tc := range previewCases() {
		t.Run(name, func(t *testing.T) {
			in := exampleInput(t, tc.edit)
			r := mustRun(t, in)
			if got := r.ExitCode(); got != tc.wantExit {
				t.Errorf("ExitCode: got %d, want %d", got, tc.wantExit)
			}
			if diff := cmp.Diff(tc.wantImpacts, impactKinds(r), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("impact kinds (-want +got):\n%s", diff)
			}
			rsp := runFunction(t, functionRequest(t, in, nil))
			if fatal := Fatal(rsp); len(fatal) > 0 || r.Refused != "" {
				if want := strings.Join(fatal, "\n"); r.Refused != want || want == "" {
					t.Fatalf("Refused: got %q, the function says %q", r.Refused, want)
				}
				return
			}
			desired, observed := desiredObjects(rsp), requestObjects(in)
			checkAgainstRender(t, r, desired, observed)
			if diff := cmp.Diff(tc.wantActions, actionCounts(r)); diff != "" {
				t.Errorf("changed resources per action (-want +got):\n%s", diff)
			}
			if tc.check != nil {
				tc.check(t, r, desired, observed)
			}
			checkCost(t, in, rsp, r)
			checkConverges(t, in, rsp, r)
		})
	}
}

// previewCase is one edit of the example CatalogApi and what its preview
// must say.
type previewCase struct {
	edit     func(map[string]any)
	wantExit int
	// want are the actions expected per kind of change, checked
	// against the render; check adds the case's own claims.
	wantActions map[Action]int
	wantImpacts []string
	check       func(t *testing.T, r *Report, desired, observed objects)
}

func previewCases() map[string]previewCase {
	cases := map[string]previewCase{
		"ImageChange": {
			edit:        set("image", "123456789012.dkr.ecr.eu-north-1.amazonaws.com/catalog-api:1.1.0"),
			wantExit:    ExitChanges,
			wantActions: map[Action]int{ActionReplace: 1, ActionUpdate: 1},
			wantImpacts: []string{ImpactRollout},
			check:       checkImageChange,
		},
		"ScaleChange": {
			edit: func(spec map[string]any) {
				set("scaling.minTasks", int64(4))(spec)
				set("scaling.maxTasks", int64(12))(spec)
			},
			wantExit:    ExitChanges,
			wantActions: map[Action]int{ActionUpdate: 2},
			wantImpacts: []string{ImpactScaling, ImpactCost},
			check:       checkScaleChange,
		},
		"InstanceClassChange": {
			edit:        set("database.instanceClass", "db.r6g.large"),
			wantExit:    ExitChanges,
			wantActions: map[Action]int{ActionUpdate: 2},
			wantImpacts: []string{ImpactInstanceClass, ImpactCost},
			check:       checkInstanceClassChange,
		},
		"ImmutableFieldChange": {
			edit:        set("database.masterUsername", "someone_else"),
			wantExit:    ExitError,
			wantImpacts: []string{ImpactRefusal},
		},
		"BadValue": {
			edit:        set("scaling.targetCpuUtilization", int64(95)),
			wantExit:    ExitError,
			wantImpacts: []string{ImpactRefusal},
		},
		"NoChange": {
			edit:     func(map[string]any) {},
			wantExit: ExitUnchanged,
		},
	}
	maps.Copy(cases, appShapePreviewCases())
	return cases
}

// appShapePreviewCases are edits of the app's shape and the network.
func appShapePreviewCases() map[string]previewCase {
	return map[string]previewCase{
		"PortChange": {
			edit:        set("service.containerPort", int64(8080)),
			wantExit:    ExitChanges,
			wantActions: map[Action]int{ActionReplace: 1, ActionUpdate: 3}, // the service and the two rules; the target group keeps its port
			wantImpacts: []string{ImpactRollout},
		},
		"TaskSizeChange": {
			edit: func(spec map[string]any) {
				set("service.cpu", int64(2048))(spec)
				set("service.memory", int64(4096))(spec)
			},
			wantExit:    ExitChanges,
			wantActions: map[Action]int{ActionReplace: 1, ActionUpdate: 1},
			wantImpacts: []string{ImpactRollout, ImpactCost},
		},
		"MoveToAnExistingNetwork": {
			edit: set("network.existing", map[string]any{
				"vpcId":            "vpc-0a1b2c3d4e5f60718",
				"privateSubnetIds": []any{"subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"},
				"publicSubnetIds":  []any{"subnet-0a1b2c3d4e5f60101", "subnet-0a1b2c3d4e5f60102"},
			}),
			wantExit:    ExitError,
			wantImpacts: []string{ImpactRefusal},
		},
	}
}

// mustRun previews in; it fails the test on an error.
func mustRun(t *testing.T, in Input) *Report {
	t.Helper()
	r, err := Run(context.Background(), in)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return r
}

// mustLoadFiles loads the files of a preview; it fails the test on an
// error.
func mustLoadFiles(t *testing.T, f Files) Input {
	t.Helper()
	in, err := LoadFiles(f)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// checkCost checks the cost figures against the function's renders: the new
// one is what the render reports, the old one what a render of the live
// spec reports (the live XR of the examples has no status).
func checkCost(t *testing.T, in Input, rsp *fnv1.RunFunctionResponse, r *Report) {
	t.Helper()
	total := func(rsp *fnv1.RunFunctionResponse) float64 {
		v := valueAt(t, rsp.GetDesired().GetComposite().GetResource().AsMap(), "status.estimatedMonthlyCost.totalUSD")
		f, err := strconv.ParseFloat(fmt.Sprint(v), 64)
		if err != nil {
			t.Fatalf("the function reports no cost: %v", v)
		}
		return f
	}
	unchanged := in
	unchanged.Change = in.Live.XR
	old := runFunction(t, functionRequest(t, unchanged, nil))
	if r.Cost == nil || r.Cost.New == nil || r.Cost.Old == nil {
		t.Fatalf("cost: got %+v, want both figures", r.Cost)
	}
	if got, want := r.Cost.New.Amount, total(rsp); got != want {
		t.Errorf("new cost: got %v, the function says %v", got, want)
	}
	if got, want := r.Cost.Old.Amount, total(old); got != want {
		t.Errorf("old cost: got %v, the function says %v for the live spec", got, want)
	}
	if d, _ := r.Cost.Delta(); (d != 0) != (len(r.Cost.Items) > 0) {
		t.Errorf("cost changes by %v but %d items change", d, len(r.Cost.Items))
	}
}

func impactKinds(r *Report) []string {
	out := make([]string, 0, len(r.Impacts))
	for _, im := range r.Impacts {
		out = append(out, im.Kind)
	}
	return out
}

func actionCounts(r *Report) map[Action]int {
	var out map[Action]int
	for _, c := range r.Resources {
		if c.Action == ActionUnchanged {
			continue
		}
		if out == nil {
			out = map[Action]int{}
		}
		out[c.Action]++
	}
	return out
}

func requestObjects(in Input) objects {
	out := objects{}
	for _, o := range in.Live.Composed {
		s, _ := structpb.NewStruct(o.Object)
		out[o.GetAnnotations()[AnnotationCompositionResourceName]] = s.AsMap()
	}
	return out
}

// checkAgainstRender checks every claim of the report against the
// function's render: each rendered resource is reported once, created
// exactly when it does not exist, every field change's new value is what
// the render holds and its old value what exists, and every deletion is a
// resource the render drops.
func checkAgainstRender(t *testing.T, r *Report, desired, observed objects) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range r.Resources {
		if seen[c.Key] {
			t.Errorf("%s reported twice", c.Key)
		}
		seen[c.Key] = true
		checkAction(t, c, desired, observed)
		o := observed[c.Key]
		if c.Action == ActionReplace {
			o = observed[c.Replaces]
		}
		checkFields(t, c, desired[c.Key], o)
	}
	for k := range desired {
		if !seen[k] {
			t.Errorf("rendered %s is not in the preview", k)
		}
	}
	for k := range observed {
		if !seen[k] {
			t.Errorf("observed %s is not in the preview", k)
		}
	}
}

// checkAction checks a resource's action against whether the render has it
// and whether it exists.
func checkAction(t *testing.T, c ResourceChange, desired, observed objects) {
	t.Helper()
	_, rendered := desired[c.Key]
	_, exists := observed[c.Key]
	want := map[Action][2]bool{ // rendered, exists
		ActionCreate: {true, false}, ActionReplace: {true, false}, ActionDelete: {false, true},
		ActionUpdate: {true, true}, ActionUnchanged: {true, true},
	}[c.Action]
	if want != [2]bool{rendered, exists} {
		t.Errorf("%s: %s, but rendered=%t exists=%t", c.Key, c.Action, rendered, exists)
	}
	if (c.Action == ActionUpdate) != (len(c.Fields) > 0) && c.Action != ActionReplace {
		t.Errorf("%s: %s with %d field changes", c.Key, c.Action, len(c.Fields))
	}
}

// checkFields checks each field change: the new value is the render's,
// the old one what exists.
func checkFields(t *testing.T, c ResourceChange, d, o map[string]any) {
	t.Helper()
	for _, f := range c.Fields {
		if got := valueAt(t, d, f.Path); !jsonEqual(got, f.New) {
			t.Errorf("%s %s: preview says new %v, the render has %v", c.Key, f.Path, f.New, got)
		}
		if got := valueAt(t, o, f.Path); !jsonEqual(got, f.Old) {
			t.Errorf("%s %s: preview says old %v, the live resource has %v", c.Key, f.Path, f.Old, got)
		}
	}
}

// checkConverges applies the render (the provider makes every resource
// exist and be Ready) and previews the same change again: nothing is left
// to change but what the first preview announced for the next reconcile
// (the retirement of a replaced task definition).
func checkConverges(t *testing.T, in Input, rsp *fnv1.RunFunctionResponse, first *Report) {
	t.Helper()
	observed := providersim.Observe(rsp.GetDesired().GetResources())
	in.Live.Composed = nil
	for _, k := range sortedKeys(observed) {
		in.Live.Composed = append(in.Live.Composed, &unstructured.Unstructured{Object: observed[k].GetResource().AsMap()})
	}
	in.Live.XR = in.Change.DeepCopy()
	r, err := Run(context.Background(), in)
	if err != nil {
		t.Fatalf("Run after applying: %v", err)
	}
	var wantDeleted []string
	for _, c := range first.Resources {
		if c.Action == ActionReplace {
			wantDeleted = append(wantDeleted, c.Replaces)
		}
	}
	var gotDeleted []string
	for _, c := range r.Resources {
		switch c.Action {
		case ActionDelete:
			gotDeleted = append(gotDeleted, c.Key)
		case ActionUnchanged:
		case ActionCreate, ActionReplace, ActionUpdate:
			t.Errorf("after applying the render: %s %s %v", c.Action, c.Key, c.Fields)
		}
	}
	if diff := cmp.Diff(wantDeleted, gotDeleted); diff != "" {
		t.Errorf("deleted by the next reconcile (-announced +got):\n%s", diff)
	}
}

func checkImageChange(t *testing.T, r *Report, desired, observed objects) {
	t.Helper()
	byKey := reportByKey(r)
	svc := byKey[fn.KeyService]
	ref := str(desired[fn.KeyService], "spec", "forProvider", "taskDefinitionRef", "name")
	f, ok := changedField(svc, "spec.forProvider.taskDefinitionRef.name")
	if !ok || f.New != ref {
		t.Errorf("service update: got %+v, want taskDefinitionRef.name -> %s", svc.Fields, ref)
	}
	for _, c := range r.Resources {
		if c.Action != ActionReplace {
			continue
		}
		if str(desired[c.Key], "metadata", "name") != ref {
			t.Errorf("replace %s is not the task definition the service moves to (%s)", c.Key, ref)
		}
		if running := str(observed[fn.KeyService], "spec", "forProvider", "taskDefinitionRef", "name"); str(observed[c.Replaces], "metadata", "name") != running {
			t.Errorf("replace %s replaces %s, but the service runs %s", c.Key, c.Replaces, running)
		}
	}
	im := r.Impacts[0]
	tg := desired[fn.KeyTargetGroup]
	dereg, _ := strconv.Atoi(str(tg, "spec", "forProvider", "deregistrationDelay"))
	wantMin := fn.FargateStartMinSeconds + num(tg, "spec", "forProvider", "healthCheck", "healthyThreshold")*num(tg, "spec", "forProvider", "healthCheck", "interval") + dereg
	if im.Estimate == nil || im.Estimate.MinSeconds != wantMin || im.Estimate.MaxSeconds <= wantMin {
		t.Errorf("rollout estimate: got %+v, want from %d s (from the rendered target group)", im.Estimate, wantMin)
	}
}

func checkScaleChange(t *testing.T, r *Report, desired, _ objects) {
	t.Helper()
	target := reportByKey(r)[fn.KeyScalingTarget]
	for _, p := range []string{"minCapacity", "maxCapacity"} {
		f, ok := changedField(target, "spec.forProvider."+p)
		if want := num(desired[fn.KeyScalingTarget], "spec", "forProvider", p); !ok || f.New != float64(want) {
			t.Errorf("%s: got %+v, want -> %d", p, f, want)
		}
	}
	svc := reportByKey(r)[fn.KeyService]
	for _, f := range svc.Fields {
		if !f.CreationOnly {
			t.Errorf("service: a scale change must change only creation-only fields, got %+v", f)
		}
	}
}

func checkInstanceClassChange(t *testing.T, r *Report, desired, _ objects) {
	t.Helper()
	for _, k := range []string{fn.KeyDBWriter, fn.KeyDBReader} {
		f, ok := changedField(reportByKey(r)[k], "spec.forProvider.instanceClass")
		if want := str(desired[k], "spec", "forProvider", "instanceClass"); !ok || f.New != want {
			t.Errorf("%s: got %+v, want instanceClass -> %s", k, f, want)
		}
	}
}

func reportByKey(r *Report) map[string]ResourceChange {
	out := map[string]ResourceChange{}
	for _, c := range r.Resources {
		out[c.Key] = c
	}
	return out
}

var pathPart = regexp.MustCompile(`^(\.[A-Za-z_][A-Za-z0-9_]*|\[[^\]]+\]|\(json\))`)

// valueAt reads a value at a preview path (a.b[0][k.with.dots](json).c).
func valueAt(t *testing.T, obj any, path string) any {
	t.Helper()
	cur := obj
	rest := "." + path
	for rest != "" {
		m := pathPart.FindString(rest)
		if m == "" {
			t.Fatalf("bad path %q at %q", path, rest)
		}
		rest = rest[len(m):]
		cur = step(t, cur, m)
	}
	return cur
}

func step(t *testing.T, cur any, part string) any {
	t.Helper()
	switch {
	case part == "(json)":
		s, _ := cur.(string)
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatalf("not JSON: %q", s)
		}
		return v
	case strings.HasPrefix(part, "."):
		m, _ := cur.(map[string]any)
		return m[part[1:]]
	}
	inner := part[1 : len(part)-1]
	if l, ok := cur.([]any); ok {
		i, err := strconv.Atoi(inner)
		if err != nil || i >= len(l) {
			return nil
		}
		return l[i]
	}
	m, _ := cur.(map[string]any)
	return m[inner]
}

func jsonEqual(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// num reads a number at a path of nested maps, or 0.
func num(m map[string]any, path ...string) int {
	switch v := lookupPath(m, path...).(type) {
	case float64:
		return int(v)
	case int64:
		return int(v)
	}
	return 0
}
