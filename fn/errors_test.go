package fn

import (
	"maps"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/platform/function-catalog-api/fn/providersim"
	"github.com/platform/function-catalog-api/internal/engine"
)

// TestErrorsAreVisible: a resource the provider reports as failing turns its
// part's condition False with the provider's reason and message, naming the
// resource, and raises a Warning result; the XR stays Ready while the stack
// still serves (a failed update), and is not Ready when a resource does not.
func TestErrorsAreVisible(t *testing.T) {
	states := converge(t, testXR)
	const accessDenied = "update failed: operation error ECS: UpdateService, AccessDeniedException: not authorized to perform ecs:UpdateService"
	cases := map[string]struct {
		mutate    func(obs map[string]*fnv1.Resource)
		condition string
		reason    string
		want      []string // in the condition message and a Warning result
		xrReady   fnv1.Ready
	}{
		"FailedUpdateStillServes": {
			mutate: func(obs map[string]*fnv1.Resource) {
				providersim.SetCondition(obs[KeyService], "Synced", false, "ReconcileError", accessDenied)
			},
			condition: "ServiceReady",
			reason:    engine.ReasonReconcileError,
			want:      []string{KeyService + " (Service catalog-api-" + KeyService + "): Synced=False ReconcileError: " + accessDenied},
			xrReady:   fnv1.Ready_READY_TRUE,
		},
		"FailedCreate": {
			mutate: func(obs map[string]*fnv1.Resource) {
				providersim.SetReady(obs[KeyDBWriter], false, "Creating")
				providersim.SetCondition(obs[KeyDBWriter], "Synced", false, "ReconcileError", "create failed: InsufficientDBInstanceCapacity")
			},
			condition: "DatabaseReady",
			reason:    engine.ReasonReconcileError,
			want:      []string{KeyDBWriter + " (ClusterInstance catalog-api-" + KeyDBWriter + "): Synced=False ReconcileError: create failed: InsufficientDBInstanceCapacity"},
			xrReady:   fnv1.Ready_READY_FALSE,
		},
		"Unavailable": {
			mutate: func(obs map[string]*fnv1.Resource) {
				providersim.SetCondition(obs[KeyNATGateway(0)], "Ready", false, "Unavailable", "NAT gateway state is failed")
			},
			condition: "NetworkReady",
			reason:    engine.ReasonUnhealthy,
			want:      []string{KeyNATGateway(0) + " (NATGateway catalog-api-" + KeyNATGateway(0) + "): Ready=False Unavailable: NAT gateway state is failed"},
			xrReady:   fnv1.Ready_READY_FALSE,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			obs := maps.Clone(states[len(states)-1])
			for k, r := range obs {
				obs[k] = &fnv1.Resource{Resource: r.GetResource()}
			}
			tc.mutate(obs)
			rsp := run(t, newRequest(testXR, obs))
			assertErrorVisible(t, rsp, tc.condition, tc.reason, tc.want)
			if got := rsp.GetDesired().GetComposite().GetReady(); got != tc.xrReady {
				t.Errorf("XR readiness = %v, want %v", got, tc.xrReady)
			}
		})
	}
}

// assertErrorVisible checks that the part's condition is False with the
// reason and says each of want, that a Warning result says it too, and that
// every other part's condition is True.
func assertErrorVisible(t *testing.T, rsp *fnv1.RunFunctionResponse, condition, reason string, want []string) {
	t.Helper()
	c := conditionOf(rsp, condition)
	if c == nil || c.GetStatus() != fnv1.Status_STATUS_CONDITION_FALSE || c.GetReason() != reason {
		t.Fatalf("%s = %v, want False/%s", condition, c, reason)
	}
	for _, w := range want {
		if !strings.Contains(c.GetMessage(), w) {
			t.Errorf("%s message %q does not say %q", condition, c.GetMessage(), w)
		}
		if !hasResult(rsp, fnv1.Severity_SEVERITY_WARNING, w) {
			t.Errorf("no Warning result says %q; results: %v", w, rsp.GetResults())
		}
	}
	for _, other := range rsp.GetConditions() {
		if other.GetType() != condition && other.GetStatus() != fnv1.Status_STATUS_CONDITION_TRUE {
			t.Errorf("unrelated condition %s = %v (%s)", other.GetType(), other.GetStatus(), other.GetMessage())
		}
	}
}

func hasResult(rsp *fnv1.RunFunctionResponse, sev fnv1.Severity, substr string) bool {
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == sev && strings.Contains(r.GetMessage(), substr) {
			return true
		}
	}
	return false
}
