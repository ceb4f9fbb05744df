package fn

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/platform/function-catalog-api/fn/providersim"
	"github.com/platform/function-catalog-api/internal/fntest"
)

// frozenRevisionsFile holds every released defaults revision. It is
// edited by hand, and only by appending: a released revision is what the
// running stacks of that revision are rendered with.
const frozenRevisionsFile = "testdata/defaults-revisions.json"

// TestDefaultsRevisionsAreFrozen: no released revision changes, and a new
// revision is added to the frozen file and to the XRD's enum.
func TestDefaultsRevisionsAreFrozen(t *testing.T) {
	b, err := os.ReadFile(frozenRevisionsFile)
	if err != nil {
		t.Fatal(err)
	}
	var frozen []Defaults
	if err := json.Unmarshal(b, &frozen); err != nil {
		t.Fatalf("%s: %v", frozenRevisionsFile, err)
	}
	if diff := cmp.Diff(Revisions(frozen), BuiltinRevisions()); diff != "" {
		t.Errorf("defaultsRevisions differ from %s (-frozen +now): a released revision must never change; add a new revision instead:\n%s", frozenRevisionsFile, diff)
	}
	if diff := cmp.Diff(BuiltinRevisions().Names(), xrdEnum(t, "defaultsRevision")); diff != "" {
		t.Errorf("apis/xrd.yaml: spec.defaultsRevision's enum is not every revision (-revisions +enum): change the marker in apis/v1alpha1, then go generate:\n%s", diff)
	}
}

// laterRevision is a revision a later function version might add: every
// value differs from the newest one's.
func laterRevision() Defaults {
	return Defaults{
		Revision:              "2099-01",
		NAT:                   NATSingle,
		VPCEndpoints:          true,
		FlowLogTrafficType:    "REJECT",
		EngineVersion:         "16.9",
		LogRetentionDays:      90,
		CachePolicyID:         "658327ea-f89d-4fab-a63d-7e88639e58f6",
		OriginRequestPolicyID: "216adef6-5c7f-47e4-b989-5492eafa07d3",
		ViewerMinimumProtocol: "TLSv1.2_2025",
		PriceClass:            "PriceClass_200",
	}
}

// runLater runs a later function version: one whose newest revision is
// laterRevision.
func runLater(t *testing.T, req *fnv1.RunFunctionRequest) *fnv1.RunFunctionResponse {
	t.Helper()
	f := NewFunction(logging.NewNopLogger())
	f.revisions = append(BuiltinRevisions(), laterRevision())
	rsp, err := f.RunFunction(context.Background(), req)
	if err != nil {
		t.Fatalf("RunFunction returned an error (errors must be Fatal results): %v", err)
	}
	return rsp
}

// withRevisionLabel labels every observed resource with revision r.
func withRevisionLabel(t *testing.T, observed map[string]*fnv1.Resource, r string) map[string]*fnv1.Resource {
	t.Helper()
	out := providersim.Observe(observed)
	for k, res := range out {
		u := asUnstructured(res)
		labels := u.GetLabels()
		labels[LabelDefaultsRevision] = r
		u.SetLabels(labels)
		out[k] = &fnv1.Resource{Resource: structOf(t, u.Object), Ready: res.GetReady()}
	}
	return out
}

// TestFunctionUpgradeKeepsRecordedDefaults: a function version with a new
// defaults revision changes no running stack; a new stack, or one whose
// spec asks, takes the new revision, and keeps it.
func TestFunctionUpgradeKeepsRecordedDefaults(t *testing.T) {
	before := testPhases(t)["Complete"]
	rendered := run(t, newRequest(testXR, before))
	later := laterRevision()
	asking := strings.Replace(testXR, `"environmentSuffix": "dev"`, `"environmentSuffix": "dev", "defaultsRevision": "2099-01"`, 1)

	t.Run("RunningStackUnchanged", func(t *testing.T) {
		got := runLater(t, newRequest(testXR, before))
		if diff := cmp.Diff(rendered, got, protocmp.Transform()); diff != "" {
			t.Errorf("a function upgrade changed a running stack (-before +after):\n%s", diff)
		}
	})
	for name, tc := range map[string]struct {
		xr       string
		observed map[string]*fnv1.Resource
	}{
		"NewStack":         {xr: testXR},
		"SpecAsks":         {xr: asking, observed: before},
		"RecordedRevision": {xr: testXR, observed: withRevisionLabel(t, before, later.Revision)},
	} {
		t.Run(name, func(t *testing.T) {
			rsp := runLater(t, newRequest(tc.xr, tc.observed))
			if msg := fntest.FatalMessage(rsp); msg != "" {
				t.Fatal(msg)
			}
			checkRevision(t, rsp, later)
		})
	}
}

// checkRevision checks that every composed resource carries revision d
// and that the values of d reach the resources that carry them.
func checkRevision(t *testing.T, rsp *fnv1.RunFunctionResponse, d Defaults) {
	t.Helper()
	desired := rsp.GetDesired().GetResources()
	kept := strings.Join(warnings(rsp), "\n")
	for k, r := range desired {
		if strings.Contains(kept, `"`+k+`"`) {
			continue // Kept as observed: the revision needs it no more, and nothing observed is dropped.
		}
		if got := asUnstructured(r).GetLabels()[LabelDefaultsRevision]; got != d.Revision {
			t.Errorf("%s: label %s = %q, want %q", k, LabelDefaultsRevision, got, d.Revision)
		}
	}
	if r, ok := desired[KeyAppLogGroup]; ok {
		days, _, _ := unstructured.NestedFloat64(r.GetResource().AsMap(), "spec", "forProvider", "retentionInDays")
		if int(days) != d.LogRetentionDays {
			t.Errorf("%s retentionInDays = %v, want the revision's %d", KeyAppLogGroup, days, d.LogRetentionDays)
		}
	}
	xr := rsp.GetDesired().GetComposite().GetResource().AsMap()
	if got, _, _ := unstructured.NestedString(xr, "status", "defaultsRevision"); got != d.Revision {
		t.Errorf("status.defaultsRevision = %q, want %s", got, d.Revision)
	}
}

// TestDefaultsRevisionRefused: a revision the function does not know is
// refused, naming where it comes from, and nothing is rendered.
func TestDefaultsRevisionRefused(t *testing.T) {
	before := testPhases(t)["Complete"]
	for name, tc := range map[string]struct {
		xr       string
		observed map[string]*fnv1.Resource
		want     string
	}{
		"AskedUnknown": {
			xr:   strings.Replace(testXR, `"environmentSuffix": "dev"`, `"environmentSuffix": "dev", "defaultsRevision": "2000-01"`, 1),
			want: `spec.defaultsRevision: invalid value "2000-01": must be a defaults revision this function version knows: 2026-11, 2026-12`,
		},
		"RecordedByANewerFunction": {
			xr: testXR, observed: withRevisionLabel(t, before, "2099-01"),
			want: `metadata.labels[catalog.example.org/defaults-revision]: invalid value "2099-01": the stack was rendered by a newer function version`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			rsp := run(t, newRequest(tc.xr, tc.observed))
			if msg := fntest.FatalMessage(rsp); !strings.Contains(msg, tc.want) {
				t.Errorf("Fatal result %q, want it to contain %q", msg, tc.want)
			}
			if n := len(rsp.GetDesired().GetResources()); n != 0 {
				t.Errorf("a refused revision rendered %d resources, want none", n)
			}
		})
	}
}

// TestLogBucketNameFromUID: a new bucket's name derives from the CatalogApi's UID
// (nobody outside the cluster can take it first); a bucket that exists
// keeps its name.
func TestLogBucketNameFromUID(t *testing.T) {
	withUID := func(uid string) specOption {
		return func(f *specFixture) { f.xr.SetUID(types.UID(uid)) }
	}
	a := LogBucketName(testSpec(t, withUID("6f1c7a52-0d0c-4b7e-9a51-3f9e1d2c4b10")))
	b := LogBucketName(testSpec(t, withUID("0b6e2f8d-58a4-4c55-8a1e-7d4f9b3c2e61")))
	noUID := LogBucketName(testSpec(t))
	if a == b || a == noUID {
		t.Errorf("bucket names %q, %q (other UID), %q (no UID): want a different name per UID", a, b, noUID)
	}
	again := LogBucketName(testSpec(t, xrNamed("catalog-api", "team-other"), withUID("6f1c7a52-0d0c-4b7e-9a51-3f9e1d2c4b10")))
	if again != a {
		t.Errorf("the same UID in another namespace names %q, want %q: the name derives from the UID alone", again, a)
	}
	existing := "access-logs-dev-0a1b2c3d"
	kept := LogBucketName(testSpec(t, withUID("6f1c7a52-0d0c-4b7e-9a51-3f9e1d2c4b10"), func(f *specFixture) {
		f.observed = observedOf(t, observedResource{key: KeyLogBucket, ready: true, annotations: map[string]string{"crossplane.io/external-name": existing}})
	}))
	if kept != existing {
		t.Errorf("an existing bucket renders as %q, want its observed name %q", kept, existing)
	}
}

// asUnstructured is a resource of a request or response as an object.
func asUnstructured(r *fnv1.Resource) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: r.GetResource().AsMap()}
}

// hardeningOf are the resources and trust conditions a revision's
// hardening adds (Defaults.ServiceRoleConditions, RotationFailureAlarm,
// RestrictDefaultSecurityGroup), as a render shows them.
type hardeningOf struct {
	DefaultSG, Alarm bool
	// Conditioned are the service roles whose trust has conditions.
	Conditioned []string
}

func hardening(desired map[string]*fnv1.Resource) hardeningOf {
	var h hardeningOf
	_, h.DefaultSG = desired[KeyDefaultSG]
	_, h.Alarm = desired[KeyRotationAlarm]
	for _, k := range []string{KeyExecutionRole, KeyTaskRole, KeyRotationEventsRole, KeyRotationRedeployRole} {
		trust, _, _ := unstructured.NestedString(desired[k].GetResource().AsMap(), "spec", "forProvider", "assumeRolePolicy")
		if strings.Contains(trust, "aws:SourceArn") {
			h.Conditioned = append(h.Conditioned, k)
		}
	}
	return h
}

// TestStackOfTheFirstRevisionIsNotHardenedUnasked: a converged stack
// rendered before revisions existed (no label, none of the hardening)
// gets none of it from this function; asking for the hardened revision
// brings all of it.
func TestStackOfTheFirstRevisionIsNotHardenedUnasked(t *testing.T) {
	old := map[string]*fnv1.Resource{}
	for k, r := range testPhases(t)["Complete"] {
		if k == KeyDefaultSG || k == KeyRotationAlarm {
			continue // Rendered by no earlier version.
		}
		u := asUnstructured(r)
		labels := u.GetLabels()
		delete(labels, LabelDefaultsRevision)
		u.SetLabels(labels)
		old[k] = &fnv1.Resource{Resource: structOf(t, u.Object), Ready: r.GetReady()}
	}
	all := []string{KeyExecutionRole, KeyTaskRole, KeyRotationEventsRole, KeyRotationRedeployRole}
	asking := strings.Replace(testXR, `"environmentSuffix": "dev"`, `"environmentSuffix": "dev", "defaultsRevision": "2026-12"`, 1)
	for name, tc := range map[string]struct {
		xr   string
		want hardeningOf
	}{
		"Unasked": {xr: testXR},
		"Asked":   {xr: asking, want: hardeningOf{DefaultSG: true, Alarm: true, Conditioned: all}},
	} {
		t.Run(name, func(t *testing.T) {
			rsp := run(t, newRequest(tc.xr, old))
			if msg := fntest.FatalMessage(rsp); msg != "" {
				t.Fatal(msg)
			}
			if diff := cmp.Diff(tc.want, hardening(rsp.GetDesired().GetResources())); diff != "" {
				t.Errorf("hardening of the stack (-want +got):\n%s", diff)
			}
		})
	}
}
