package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/util/yaml"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// completePhase is the converged stack's request and the function's answer.
func completePhase(t *testing.T) phase {
	t.Helper()
	xr, err := readXR("../../examples/xr.yaml")
	if err != nil {
		t.Fatal(err)
	}
	phases, err := lifecyclePhases(context.Background(), xr)
	if err != nil {
		t.Fatal(err)
	}
	return phases[len(phases)-1]
}

// renderAsPeer does what function-go-templating does with the template:
// execute it on the request as JSON-shaped maps, decode the YAML documents,
// and sort them into desired resources, the XR's status and conditions.
func renderAsPeer(t *testing.T, tmpl string, req *fnv1.RunFunctionRequest) *fnv1.RunFunctionResponse {
	t.Helper()
	j, err := protojson.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(j, &data); err != nil {
		t.Fatal(err)
	}
	tp, err := template.New("stack").Parse(tmpl)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	var out bytes.Buffer
	if err := tp.Execute(&out, data); err != nil {
		t.Fatalf("execute: %v", err)
	}
	rsp := &fnv1.RunFunctionResponse{Desired: &fnv1.State{Resources: map[string]*fnv1.Resource{}, Composite: &fnv1.Resource{}}}
	dec := yaml.NewYAMLOrJSONDecoder(&out, 1024)
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if doc != nil {
			addPeerDocument(t, rsp, doc)
		}
	}
	return rsp
}

// peerCondition is one condition of the peer's ClaimConditions document.
func peerCondition(t *testing.T, c any) *fnv1.Condition {
	t.Helper()
	m, ok := c.(map[string]any)
	if !ok {
		t.Fatalf("ClaimConditions: a condition is %T, not a map", c)
	}
	str := func(k string) string {
		v, ok := m[k].(string)
		if !ok && k != "message" {
			t.Fatalf("ClaimConditions: condition %s is %T, not a string", k, m[k])
		}
		return v
	}
	msg := str("message")
	return &fnv1.Condition{
		Type: str("type"), Reason: str("reason"), Message: &msg,
		Status: map[string]fnv1.Status{"True": fnv1.Status_STATUS_CONDITION_TRUE, "False": fnv1.Status_STATUS_CONDITION_FALSE}[str("status")],
		Target: fnv1.Target_TARGET_COMPOSITE.Enum(),
	}
}

func addPeerDocument(t *testing.T, rsp *fnv1.RunFunctionResponse, doc map[string]any) {
	t.Helper()
	ready := fnv1.Ready_READY_UNSPECIFIED
	meta, _ := doc["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	if r, ok := ann[peerReadyAnnotation].(string); ok {
		ready = map[string]fnv1.Ready{"True": fnv1.Ready_READY_TRUE, "False": fnv1.Ready_READY_FALSE}[r]
		delete(ann, peerReadyAnnotation)
	}
	name, named := ann[peerNameAnnotation].(string)
	delete(ann, peerNameAnnotation)
	switch {
	case doc["kind"] == "ClaimConditions":
		conds, ok := doc["conditions"].([]any)
		if !ok {
			t.Fatalf("ClaimConditions: conditions is %T, not a list", doc["conditions"])
		}
		for _, c := range conds {
			rsp.Conditions = append(rsp.Conditions, peerCondition(t, c))
		}
	case !named:
		rsp.Desired.Composite = &fnv1.Resource{Resource: mustStruct(t, map[string]any{"status": doc["status"]}), Ready: ready}
	default:
		rsp.Desired.Resources[name] = &fnv1.Resource{Resource: mustStruct(t, doc), Ready: ready}
	}
}

func mustStruct(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPeerTemplate: the generated template renders exactly the function's
// converged stack, reading the XR and the observed resources.
func TestPeerTemplate(t *testing.T) {
	ph := completePhase(t)
	tmpl, err := peerTemplate(ph.Req, ph.Want)
	if err != nil {
		t.Fatal(err)
	}
	for _, reads := range []string{"$xr.spec.environmentSuffix", "$xr.metadata.name", `index $obs "`, `template "ready"`} {
		if !strings.Contains(tmpl, reads) {
			t.Errorf("the template never reads %s", reads)
		}
	}
	got := renderAsPeer(t, tmpl, ph.Req)
	if diff := cmp.Diff([]string(nil), peerDiff(ph.Want, got)); diff != "" {
		t.Errorf("peerDiff(function, template) -want, +got:\n%s", diff)
	}
}

// TestPeerDiff: a template that renders something else is caught.
func TestPeerDiff(t *testing.T) {
	ph := completePhase(t)
	tmpl, err := peerTemplate(ph.Req, ph.Want)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		from, to string
		want     string
	}{
		"ChangedValue": {from: `engine: "aurora-postgresql"`, to: `engine: "aurora-mysql"`, want: "aurora-cluster: differs"},
		"FixedReady":   {from: `{{ template "ready" (index $obs "aurora-cluster") }}`, to: "False", want: "aurora-cluster: ready READY_FALSE, want READY_TRUE"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(tmpl, tc.from) {
				t.Fatalf("the template has no %s", tc.from)
			}
			got := renderAsPeer(t, strings.Replace(tmpl, tc.from, tc.to, 1), ph.Req)
			if diff := cmp.Diff([]string{tc.want}, peerDiff(ph.Want, got)); diff != "" {
				t.Errorf("peerDiff -want, +got:\n%s", diff)
			}
		})
	}
}

// TestPeerPhase: the peer's request is the function's plus an input that
// points at a directory holding only the template generated from the
// function's render.
func TestPeerPhase(t *testing.T) {
	ph := completePhase(t)
	peer, err := peerPhase(ph, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := peer.Req.GetInput().GetFields()["fileSystem"].GetStructValue().GetFields()["dirPath"].GetStringValue()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != peerTemplateFile {
		t.Fatalf("the template directory holds %v, want only %s", entries, peerTemplateFile)
	}
	written, err := os.ReadFile(filepath.Join(dir, peerTemplateFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := renderAsPeer(t, string(written), ph.Req); len(peerDiff(ph.Want, got)) != 0 {
		t.Errorf("the written template renders otherwise than the function: %v", peerDiff(ph.Want, got))
	}

	decoded := &fnv1.RunFunctionRequest{}
	if err := proto.Unmarshal(peer.Wire, decoded); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(peer.Req, decoded, protocmp.Transform()); diff != "" {
		t.Errorf("the wire request -want, +got:\n%s", diff)
	}
	decoded.Input = nil
	if diff := cmp.Diff(ph.Req, decoded, protocmp.Transform()); diff != "" {
		t.Errorf("the peer's request, less its input, differs from the function's -want, +got:\n%s", diff)
	}
}
