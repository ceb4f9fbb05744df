package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/crossplane/crossplane-runtime/v2/pkg/fieldpath"

	"github.com/platform/function-catalog-api/e2e"
	"github.com/platform/function-catalog-api/internal/preview"
	"github.com/platform/function-catalog-api/internal/yamlobj"
)

// preview runs `catalogapi preview` against the test's API server, as a
// team would: its own clients from the kubeconfig (the admin token), the
// live CatalogApi, its composed resources, its Composition and the step's
// credentials read from the cluster, and the function run in-process.
func (cp *controlPlane) preview(ctx context.Context, t *testing.T, change *unstructured.Unstructured) *preview.Report {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", cp.kubeconfig)
	if err != nil {
		t.Fatalf("preview: kubeconfig: %v", err)
	}
	cl, err := preview.NewCluster(cfg)
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	in, err := cl.Load(ctx, change, preview.ClusterOptions{})
	if err != nil {
		t.Fatalf("preview: cannot read the live state: %v", err)
	}
	r, err := preview.Run(ctx, in)
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	return r
}

// previewOffline runs the same preview from files, as CI would: the live
// CatalogApi and its composed resources written as crossplane render takes
// them, and the Composition the test installed.
func (cp *controlPlane) previewOffline(ctx context.Context, t *testing.T, change, xr *unstructured.Unstructured) *preview.Report {
	t.Helper()
	live, got := cp.liveState(ctx, t, xr)
	dir := t.TempDir()
	files := preview.Files{
		Change:      filepath.Join(dir, "change.yaml"),
		LiveXR:      filepath.Join(dir, "xr.yaml"),
		Observed:    filepath.Join(dir, "observed.yaml"),
		Composition: filepath.Join(cp.root, compositionFile),
	}
	observed := make([]*unstructured.Unstructured, 0, len(got))
	for _, k := range slices.Sorted(maps.Keys(got)) {
		observed = append(observed, got[k])
	}
	for path, objs := range map[string][]*unstructured.Unstructured{
		files.Change: {change}, files.LiveXR: {live}, files.Observed: observed,
	} {
		if err := e2e.WriteObjects(path, "", objs); err != nil {
			t.Fatal(err)
		}
	}
	in, err := preview.LoadFiles(files)
	if err != nil {
		t.Fatalf("offline preview: %v", err)
	}
	r, err := preview.Run(ctx, in)
	if err != nil {
		t.Fatalf("offline preview: %v", err)
	}
	return r
}

// imageChange is examples/xr-image-update.yaml moved to the XR's namespace
// and name.
func (cp *controlPlane) imageChange(t *testing.T, xr *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	objs, err := yamlobj.Read(filepath.Join(cp.root, xrImageUpdate))
	if err != nil || len(objs) != 1 {
		t.Fatalf("%s: want one CatalogApi: %v", xrImageUpdate, err)
	}
	up := objs[0]
	up.SetNamespace(xr.GetNamespace())
	up.SetName(xr.GetName())
	return up
}

// previewImageChange previews the image change against the API server and
// offline, checks that both say the same, and returns the report.
func (cp *controlPlane) previewImageChange(ctx context.Context, t *testing.T, xr, change *unstructured.Unstructured) *preview.Report {
	t.Helper()
	r := cp.preview(ctx, t, change)
	off := cp.previewOffline(ctx, t, change, xr)
	a, errA := json.Marshal(r)
	b, errB := json.Marshal(off)
	if errA != nil || errB != nil {
		t.Fatalf("encode the reports: %v %v", errA, errB)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("the preview against the API server and the offline preview differ:\ncluster: %s\noffline: %s", a, b)
	}
	if r.Refused != "" || r.ExitCode() != preview.ExitChanges {
		t.Errorf("preview of the image change: refused %q, exit %d, want changes (exit %d)", r.Refused, r.ExitCode(), preview.ExitChanges)
	}
	t.Logf("preview of the image change against the API server (same as offline): %+v", r.Summary)
	for _, rc := range r.Resources {
		if rc.Action != preview.ActionUnchanged {
			t.Logf("  %s %s (%s) %d fields", rc.Action, rc.Key, rc.Kind, len(rc.Fields))
		}
	}
	return r
}

// checkPreviewApplied checks what Crossplane composed after the change
// against the preview: every resource it said would be created or replace
// another exists, nothing it said is unchanged or updated went away, and
// every updated field has the value the preview said (fields inside a JSON
// document are checked through the document's path).
func (cp *controlPlane) checkPreviewApplied(ctx context.Context, t *testing.T, xr *unstructured.Unstructured, r *preview.Report) {
	t.Helper()
	got, err := cp.composed(ctx, xr)
	if err != nil {
		t.Fatal(err)
	}
	resources, fields := 0, 0
	for _, rc := range r.Resources {
		u, ok := got[rc.Key]
		switch {
		case rc.Action == preview.ActionDelete:
			continue
		case !ok:
			t.Errorf("preview said %s %s, but Crossplane composed no such resource", rc.Action, rc.Key)
			continue
		case rc.Action == preview.ActionUpdate:
			fields += checkFields(t, u, rc)
		}
		resources++
	}
	for _, rc := range r.Resources {
		if rc.Action == preview.ActionDelete {
			if _, ok := got[rc.Key]; ok {
				t.Logf("preview said delete %s; it is still composed (deletion may wait on a Usage)", rc.Key)
			}
		}
	}
	t.Logf("%s: Crossplane composed what the preview said: %d resources present, %d updated fields with the previewed value", xr.GetName(), resources, fields)
	if fields == 0 {
		t.Errorf("the preview's updates had no field to check in the composed resources")
	}
}

// checkFields checks an update's fields in the composed resource; it
// returns how many it could check.
func checkFields(t *testing.T, u *unstructured.Unstructured, rc preview.ResourceChange) int {
	t.Helper()
	n := 0
	p := fieldpath.Pave(u.Object)
	for _, f := range rc.Fields {
		if f.CreationOnly {
			continue
		}
		v, err := p.GetValue(f.Path)
		if err != nil {
			// A field inside a JSON document the function owns whole:
			// the path names the document, then the field in it.
			continue
		}
		want, errW := json.Marshal(f.New)
		have, errH := json.Marshal(v)
		if errW != nil || errH != nil {
			t.Errorf("%s %s: cannot encode the values: %v %v", rc.Key, f.Path, errW, errH)
			continue
		}
		if !bytes.Equal(want, have) {
			t.Errorf("%s %s: preview said %s, Crossplane composed %s", rc.Key, f.Path, want, have)
		}
		n++
	}
	return n
}
