package preview

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/platform/function-catalog-api/fn"
)

func TestCompareFields(t *testing.T) {
	obj := func(spec map[string]any) map[string]any {
		return map[string]any{"apiVersion": "iam.aws.m.upbound.io/v1beta1", "kind": "RolePolicy", "metadata": map[string]any{"name": "x"}, "spec": spec}
	}
	cases := map[string]struct {
		desired, observed map[string]any
		want              []FieldChange
	}{
		"LateInitializedFieldsAreNotChanges": {
			desired:  obj(map[string]any{"forProvider": map[string]any{"role": "r"}}),
			observed: obj(map[string]any{"forProvider": map[string]any{"role": "r", "roleName": "resolved"}}),
		},
		"JSONDocumentsCompareAsDocuments": {
			desired:  obj(map[string]any{"forProvider": map[string]any{"policy": `{"Version":"2012-10-17","Statement":[]}`}}),
			observed: obj(map[string]any{"forProvider": map[string]any{"policy": `{ "Statement": [], "Version": "2012-10-17" }`}}),
		},
		"JSONDocumentChangeNamesTheInnerField": {
			desired:  obj(map[string]any{"forProvider": map[string]any{"policy": `{"Statement":[{"Resource":"b"}]}`}}),
			observed: obj(map[string]any{"forProvider": map[string]any{"policy": `{"Statement":[{"Resource":"a","Sid":"x"}]}`}}),
			want: []FieldChange{
				{Path: "spec.forProvider.policy(json).Statement[0].Resource", Old: "a", New: "b"},
				{Path: "spec.forProvider.policy(json).Statement[0].Sid", Old: "x", New: nil},
			},
		},
		"InitProviderIsCreationOnly": {
			desired:  obj(map[string]any{"initProvider": map[string]any{"desiredCount": 4.0}}),
			observed: obj(map[string]any{"initProvider": map[string]any{"desiredCount": 2.0}}),
			want:     []FieldChange{{Path: "spec.initProvider.desiredCount", Old: 2.0, New: 4.0, CreationOnly: true}},
		},
		"ListLengthChangeIsOneChange": {
			desired:  obj(map[string]any{"forProvider": map[string]any{"ids": []any{"a", "b"}}}),
			observed: obj(map[string]any{"forProvider": map[string]any{"ids": []any{"a"}}}),
			want:     []FieldChange{{Path: "spec.forProvider.ids", Old: []any{"a"}, New: []any{"a", "b"}}},
		},
		"AnnotationKeysInBrackets": {
			desired: map[string]any{"metadata": map[string]any{"annotations": map[string]any{"crossplane.io/external-name": "new"}}},
			observed: map[string]any{"metadata": map[string]any{"annotations": map[string]any{
				"crossplane.io/external-name": "old", "crossplane.io/composition-resource-name": "k",
			}}},
			want: []FieldChange{{Path: "metadata.annotations[crossplane.io/external-name]", Old: "old", New: "new"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := Compare(objects{"k": tc.desired}, objects{"k": tc.observed})
			if len(got) != 1 {
				t.Fatalf("got %d changes, want 1", len(got))
			}
			if diff := cmp.Diff(tc.want, got[0].Fields); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			wantAction := ActionUnchanged
			if len(tc.want) > 0 {
				wantAction = ActionUpdate
			}
			if got[0].Action != wantAction {
				t.Errorf("action: got %s, want %s", got[0].Action, wantAction)
			}
		})
	}
}

// TestPreviewNotConverged previews an unchanged CatalogApi against a stack
// still being built: the function creates resources either way, and the
// preview says that these changes do not come from the edit.
func TestPreviewNotConverged(t *testing.T) {
	in := mustLoadFiles(t, Files{Change: exampleXR, LiveXR: exampleXR, Observed: "../../examples/observed/phase-2.yaml", Composition: exampleComposition})
	r := mustRun(t, in)
	if r.ExitCode() != ExitChanges || r.Summary.Create == 0 {
		t.Fatalf("got exit %d, summary %+v; want creations", r.ExitCode(), r.Summary)
	}
	for _, c := range r.Resources {
		if c.Action != ActionUnchanged && !c.Pending {
			t.Errorf("%s %s: not marked pending, but the unchanged CatalogApi renders it too", c.Action, c.Key)
		}
	}
	// The same stack with an edit: the edited resources are not pending.
	spec, _ := in.Change.Object["spec"].(map[string]any)
	spec["database"] = map[string]any{"instanceClass": "db.r6g.large"}
	r = mustRun(t, in)
	for _, c := range r.Resources {
		if c.Key == "aurora-writer" && (c.Action != ActionUpdate || c.Pending) {
			t.Errorf("aurora-writer: got %s pending=%t, want an update from the edit", c.Action, c.Pending)
		}
	}
}

func TestPreviewNewCatalogApi(t *testing.T) {
	in, err := LoadFiles(Files{Change: exampleXR, Composition: exampleComposition})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	rsp := runFunction(t, functionRequest(t, in, nil))
	if got, want := r.Summary, (Summary{Create: len(rsp.GetDesired().GetResources())}); got != want || want.Create == 0 {
		t.Errorf("summary: got %+v, want %+v (what the first render renders)", got, want)
	}
}

func TestObservedXR(t *testing.T) {
	live := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "catalog.example.org/v1alpha1", "kind": "CatalogApi",
		"metadata": map[string]any{"name": "a", "namespace": "ns", "uid": "1234"},
		"spec":     map[string]any{"image": "old", "crossplane": map[string]any{"compositionRef": map[string]any{"name": "c"}}},
		"status":   map[string]any{"url": "https://x"},
	}}
	change := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "catalog.example.org/v1alpha1", "kind": "CatalogApi",
		"metadata": map[string]any{"name": "a"},
		"spec":     map[string]any{"image": "new"},
	}}
	got, err := ObservedXR(change, live)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"apiVersion": "catalog.example.org/v1alpha1", "kind": "CatalogApi",
		"metadata": map[string]any{"name": "a", "namespace": "ns", "uid": "1234"},
		"spec":     map[string]any{"image": "new", "crossplane": map[string]any{"compositionRef": map[string]any{"name": "c"}}},
		"status":   map[string]any{"url": "https://x"},
	}
	if diff := cmp.Diff(want, got.Object); diff != "" {
		t.Errorf("ObservedXR (-want +got):\n%s", diff)
	}
	other := change.DeepCopy()
	other.SetName("b")
	if _, err := ObservedXR(other, live); err == nil {
		t.Error("ObservedXR of another CatalogApi: want an error")
	}
	notXR := change.DeepCopy()
	notXR.SetKind("Other")
	if _, err := ObservedXR(notXR, nil); err == nil {
		t.Error("ObservedXR of another kind: want an error")
	}
}

func TestFindStep(t *testing.T) {
	comp := func(steps ...any) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{"kind": "Composition", "metadata": map[string]any{"name": "c"}, "spec": map[string]any{"pipeline": steps}}}
	}
	ours := map[string]any{
		"step": "ours", "input": map[string]any{"apiVersion": "catalogapi.fn.example.org/v1beta1", "kind": "Input", "natGateways": "Single"},
		"credentials": []any{map[string]any{"name": "platform-settings", "source": "Secret", "secretRef": map[string]any{"namespace": "ns", "name": "s"}}},
	}
	other := map[string]any{"step": "other", "input": map[string]any{"apiVersion": "other.example.org/v1", "kind": "X"}}
	cases := map[string]struct {
		comp     *unstructured.Unstructured
		name     string
		wantStep string
		wantErr  string
	}{
		"ByInputGroup":   {comp: comp(other, ours), wantStep: "ours"},
		"ByName":         {comp: comp(other, ours), name: "other", wantStep: "other"},
		"NoSuchName":     {comp: comp(ours), name: "nope", wantErr: `no pipeline step "nope"`},
		"NoFunctionStep": {comp: comp(other), wantErr: "no pipeline step with a catalogapi.fn.example.org input"},
		"TwoSteps":       {comp: comp(ours, ours), wantErr: "2 pipeline steps"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s, err := FindStep(tc.comp, tc.name)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != tc.wantStep {
				t.Errorf("step: got %q, want %q", s.Name, tc.wantStep)
			}
		})
	}
	s, err := FindStep(comp(ours), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Input.AsMap()["natGateways"]; got != "Single" {
		t.Errorf("input natGateways: got %v", got)
	}
	if diff := cmp.Diff([]CredentialRef{{Name: "platform-settings", SecretNamespace: "ns", SecretName: "s"}}, s.Credentials); diff != "" {
		t.Errorf("credentials (-want +got):\n%s", diff)
	}
}

func TestParseMoney(t *testing.T) {
	cases := map[string]struct {
		in   any
		want Money
		ok   bool
	}{
		"Number":       {in: 412.5, want: Money{412.5, "USD"}, ok: true},
		"Dollars":      {in: "$1,234.50", want: Money{1234.5, "USD"}, ok: true},
		"WithCurrency": {in: "99.10 EUR", want: Money{99.1, "EUR"}, ok: true},
		"Object":       {in: map[string]any{"total": "12.00", "currency": "USD"}, want: Money{12, "USD"}, ok: true},
		"Garbage":      {in: "soon"},
		"Absent":       {in: nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, ok := parseMoney(tc.in)
			if ok != tc.ok || got != tc.want {
				t.Errorf("parseMoney(%v): got %+v %t, want %+v %t", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestWrite(t *testing.T) {
	in := exampleInput(t, set("image", "123456789012.dkr.ecr.eu-north-1.amazonaws.com/catalog-api:2.0.0"))
	r := mustRun(t, in)
	var plain, colored bytes.Buffer
	if err := WriteText(&plain, r, Style{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteText(&colored, r, Style{Color: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b[") || !strings.Contains(colored.String(), "\x1b[") {
		t.Error("colours must appear exactly when asked for")
	}
	for _, want := range []string{"1 to replace", "rolling deployment of ECS service ecs-service-dev", "catalog-api:2.0.0", "unchanged (--show-unchanged lists them)"} {
		if !strings.Contains(plain.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, plain.String())
		}
	}
	checkJSONRoundTrip(t, r)
}

// checkJSONRoundTrip writes the report as JSON and reads it back.
func checkJSONRoundTrip(t *testing.T, r *Report) {
	t.Helper()
	var js bytes.Buffer
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Summary != r.Summary || len(back.Resources) != len(r.Resources) || back.ExitCode() != ExitChanges {
		t.Errorf("JSON round trip: got %+v, want %+v", back.Summary, r.Summary)
	}
}

func TestCost(t *testing.T) {
	xrWith := func(total string, items ...any) map[string]any {
		return map[string]any{"status": map[string]any{"estimatedMonthlyCost": map[string]any{"totalUSD": total, "currency": "USD", "items": items}}}
	}
	item := func(name, usd string) any { return map[string]any{"item": name, "monthlyUSD": usd} }
	live := &unstructured.Unstructured{Object: xrWith("100.00", item("a", "60.00"), item("b", "40.00"))}
	base := baselineRender{xr: xrWith("90.00")}

	got := cost(live, xrWith("120.00", item("a", "80.00"), item("b", "40.00")), base)
	want := &Cost{Old: &Money{100, "USD"}, New: &Money{120, "USD"}, OldFrom: "live status", Items: []CostItemChange{{Item: "a", Old: &Money{60, "USD"}, New: &Money{80, "USD"}}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cost from the live status (-want +got):\n%s", diff)
	}
	got = cost(&unstructured.Unstructured{Object: map[string]any{}}, xrWith("120.00"), base)
	if got.Old == nil || got.Old.Amount != 90 || got.OldFrom != "render of the live spec" {
		t.Errorf("cost without a live status: got %+v, want the baseline's 90", got)
	}
	got = cost(nil, map[string]any{}, baselineRender{})
	if got.New != nil || got.Note == "" {
		t.Errorf("no cost reported: got %+v, want a note", got)
	}
	if _, ok := got.Delta(); ok {
		t.Error("no delta without figures")
	}
}

// TestPreviewPublicALBStack: the unchanged CatalogApi over a stack rendered
// with the internet-facing ALB (examples/upgrade/observed-public-alb.yaml, the
// converged example before the private origin) previews the replacement:
// the old ALB, listener and listener rule deleted, the internal ALB and
// VPC origin created, and the private-origin impact naming both ALBs.
func TestPreviewPublicALBStack(t *testing.T) {
	in := mustLoadFiles(t, Files{Change: exampleXR, LiveXR: exampleXR, Observed: "../../examples/upgrade/observed-public-alb.yaml", Composition: exampleComposition})
	r := mustRun(t, in)
	actions := map[string]Action{}
	for _, c := range r.Resources {
		actions[c.Key] = c.Action
	}
	want := map[string]Action{
		"load-balancer": ActionDelete, "listener": ActionDelete, "listener-rule-origin-verify": ActionDelete,
		fn.KeyLoadBalancer: ActionCreate, fn.KeyListener: ActionCreate, fn.KeyVPCOrigin: ActionCreate,
		fn.KeyDistribution: ActionUnchanged,
	}
	for k, a := range want {
		if actions[k] != a {
			t.Errorf("%s: %s, want %s", k, actions[k], a)
		}
	}
	var found *Impact
	for i := range r.Impacts {
		if r.Impacts[i].Kind == fn.ImpactPrivateOrigin {
			found = &r.Impacts[i]
		}
	}
	if found == nil {
		t.Fatalf("impacts %+v: no %s", r.Impacts, fn.ImpactPrivateOrigin)
	}
	if !strings.Contains(found.Summary, "catalog-api-load-balancer ") || !strings.Contains(found.Summary, "catalog-api-load-balancer-internal") {
		t.Errorf("summary %q does not name both load balancers", found.Summary)
	}
}
