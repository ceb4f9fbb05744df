package fn

import (
	"maps"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/platform/function-catalog-api/fn/providersim"
	"github.com/platform/function-catalog-api/internal/fntest"
)

// TestRunFunctionTTL: the shortest TTL while the render holds resources
// back, a short one while anything is being created, a long one once the
// whole stack is Ready.
func TestRunFunctionTTL(t *testing.T) {
	phases := testPhases(t)
	cases := map[string]struct {
		reason   string
		observed map[string]*fnv1.Resource
		want     *durationpb.Duration
	}{
		"NothingObserved": {
			reason:   "the first render creates everything",
			observed: phases["Nothing"],
			want:     durationpb.New(TTLConverging),
		},
		"ClaimedHoldsResourcesBack": {
			reason:   "the first phase composes one resource of each kind the XR lacks and holds the others back",
			observed: phases["Claimed"],
			want:     durationpb.New(TTLHolding),
		},
		"FirstRenderReady": {
			reason:   "the later phases (service, CDN, scaling) are still to be created",
			observed: phases["FirstRenderReady"],
			want:     durationpb.New(TTLConverging),
		},
		"Complete": {
			reason:   "every part is Ready",
			observed: phases["Complete"],
			want:     durationpb.New(TTLReady),
		},
		"CompleteButDatabaseUnready": {
			reason:   "one resource going unready makes the stack converge again",
			observed: withUnready(t, phases["Complete"], KeyDBCluster),
			want:     durationpb.New(TTLConverging),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rsp := run(t, newRequest(testXR, tc.observed))
			if msg := fntest.FatalMessage(rsp); msg != "" {
				t.Fatalf("render failed: %s", msg)
			}
			if diff := cmp.Diff(tc.want, rsp.GetMeta().GetTtl(), protocmp.Transform()); diff != "" {
				t.Errorf("%s: TTL -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// withUnready is a copy of observed with this resource not Ready.
func withUnready(t *testing.T, observed map[string]*fnv1.Resource, key string) map[string]*fnv1.Resource {
	t.Helper()
	out := maps.Clone(observed)
	r, ok := out[key]
	if !ok {
		t.Fatalf("%s is not observed", key)
	}
	r, ok = proto.Clone(r).(*fnv1.Resource)
	if !ok {
		t.Fatalf("%s: the clone is not a resource", key)
	}
	providersim.SetReady(r, false, "Creating")
	out[key] = r
	return out
}
