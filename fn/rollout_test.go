package fn

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/platform/function-catalog-api/fn/providersim"
	"github.com/platform/function-catalog-api/internal/engine"
	"github.com/platform/function-catalog-api/internal/fntest"
)

// A rollout of a new task definition, played against the simulated
// provider: the old revision stays composed until the service's status
// names the new one; in ECS it stays registered (skipDestroy) in any case.

// rollout is a converged stack whose image then changed: the render during
// the rollout, the keys of the old and new revisions, the observed state
// once the provider has applied that render, and the new XR.
type rollout struct {
	xr          string
	oldTD       string
	newTD       string
	oldARN      string
	newARN      string
	applied     map[string]*fnv1.Resource
	beforeImage map[string]*fnv1.Resource
}

func startRollout(t *testing.T) rollout {
	t.Helper()
	states := converge(t, testXR)
	converged := states[len(states)-1]
	newXR := strings.Replace(testXR, "catalog-api:1.0.0", "catalog-api:1.1.0", 1)
	during := run(t, newRequest(newXR, converged)).GetDesired().GetResources()
	oldTDs, tds := fntest.KeysWhere(converged, IsTaskDefinitionKey), fntest.KeysWhere(during, IsTaskDefinitionKey)
	if len(oldTDs) != 1 || len(tds) != 2 {
		t.Fatalf("task definitions before %v, during %v: want one, then the old and a new one", oldTDs, tds)
	}
	r := rollout{xr: newXR, oldTD: oldTDs[0], beforeImage: converged}
	r.newTD = tds[0]
	if r.newTD == r.oldTD {
		r.newTD = tds[1]
	}
	r.applied = providersim.Observe(during)
	r.oldARN = str(r.applied[r.oldTD].GetResource().AsMap(), "status.atProvider.arn")
	r.newARN = str(r.applied[r.newTD].GetResource().AsMap(), "status.atProvider.arn")
	if r.oldARN == "" || r.newARN == "" || r.oldARN == r.newARN {
		t.Fatalf("revision ARNs %q and %q: want two different ARNs", r.oldARN, r.newARN)
	}
	return r
}

// cloneObserved deep-copies observed resources, so that a test can change
// one state without touching another.
func cloneObserved(obs map[string]*fnv1.Resource) map[string]*fnv1.Resource {
	out := make(map[string]*fnv1.Resource, len(obs))
	for k, r := range obs {
		s, _ := structpb.NewStruct(r.GetResource().AsMap())
		out[k] = &fnv1.Resource{Resource: s}
	}
	return out
}

// TestRolloutKeepsTheOldRevisionUntilTheServiceRunsTheNew walks the states
// the provider reports for a service during a deployment.
func TestRolloutKeepsTheOldRevisionUntilTheServiceRunsTheNew(t *testing.T) {
	r := startRollout(t)
	cases := map[string]struct {
		reason     string
		change     func(obs map[string]*fnv1.Resource)
		wantKept   bool
		wantSaying []string
	}{
		"InProgress": {
			reason: "the spec names the new revision, but the provider's update is still waiting for steady state: status.atProvider is not refreshed",
			change: func(obs map[string]*fnv1.Resource) {
				providersim.DeploymentInProgress(obs[KeyService], r.oldARN)
			},
			wantKept:   true,
			wantSaying: []string{"is deploying task definition " + r.newARN, "last saw it run " + r.oldARN},
		},
		"RolledBack": {
			reason: "the circuit breaker rolled the deployment back: the provider's update failed and the service runs the old revision again",
			change: func(obs map[string]*fnv1.Resource) {
				providersim.DeploymentRolledBack(obs[KeyService], r.oldARN, "ECS deployment circuit breaker: tasks failed to start")
			},
			wantKept:   true,
			wantSaying: []string{"failed", "circuit breaker"},
		},
		"ReportedSucceededAfterFailure": {
			reason: "after a failed asynchronous update the provider may report the last operation succeeded while ECS still rolls back: the service's status names the old revision, which stays",
			change: func(obs map[string]*fnv1.Resource) {
				providersim.DeploymentRolledBack(obs[KeyService], r.oldARN, "ECS deployment circuit breaker: tasks failed to start")
				providersim.SetCondition(obs[KeyService], string(ConditionLastAsyncOperation), true, "Success", "")
			},
			wantKept: true,
		},
		"NotWaitingForSteadyState": {
			reason: "the service runs the new revision: the old one's managed resource goes, whatever the provider knows about the deployment's end (the revision stays registered)",
			change: func(obs map[string]*fnv1.Resource) {
				setObserved(t, obs[KeyService], false, "spec", "forProvider", "waitForSteadyState")
			},
		},
		"Succeeded": {
			reason:     "the provider's update ended successfully and the refreshed status names the new revision",
			change:     func(map[string]*fnv1.Resource) {},
			wantSaying: []string{"runs task definition " + r.newARN, "ended successfully", "does not report task health"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			obs := cloneObserved(r.applied)
			tc.change(obs)
			rsp := run(t, newRequest(r.xr, obs))
			checkRevisionsKept(t, r, rsp, tc.wantKept, tc.reason)
			checkServiceSays(t, rsp, tc.wantSaying)
		})
	}
}

// checkRevisionsKept checks that the new revision is rendered and the old
// one is kept exactly when wantKept.
func checkRevisionsKept(t *testing.T, r rollout, rsp *fnv1.RunFunctionResponse, wantKept bool, reason string) {
	t.Helper()
	got := rsp.GetDesired().GetResources()
	_, oldKept := got[r.oldTD]
	_, usageKept := got[engine.UsageKey(r.oldTD, KeyService)]
	if oldKept != wantKept {
		t.Errorf("%s\nold revision kept = %v; want %v", reason, oldKept, wantKept)
	}
	// The service Uses no revision (deregistering one loses nothing), so
	// no revision has a Usage to keep.
	if usageKept {
		t.Errorf("%s\nthe old revision has a Usage", reason)
	}
	if _, ok := got[r.newTD]; !ok {
		t.Errorf("the new revision %s is not rendered", r.newTD)
	}
}

// checkServiceSays checks that ServiceReady's message says each of want,
// and never claims healthy tasks, which provider-aws cannot tell.
func checkServiceSays(t *testing.T, rsp *fnv1.RunFunctionResponse, want []string) {
	t.Helper()
	msg := conditionOf(rsp, "ServiceReady").GetMessage()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("ServiceReady message %q does not say %q", msg, w)
		}
	}
	if strings.Contains(strings.ToLower(msg), "tasks are healthy") {
		t.Errorf("ServiceReady claims healthy tasks, which provider-aws cannot tell: %q", msg)
	}
}

// setObserved sets a field of an observed resource.
func setObserved(t *testing.T, r *fnv1.Resource, value any, path ...string) {
	t.Helper()
	m := r.GetResource().AsMap()
	if err := unstructured.SetNestedField(m, value, path...); err != nil {
		t.Fatal(err)
	}
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	r.Resource = s
}

// TestPasswordRotationRollsTheTasks: RDS rotates the master password. The
// simulated AWS side delivers the Secret Label Updated event to the
// composed rule, which starts the state machine with the target's role; the
// state machine, with its own role, forces one new deployment of the
// service. Nothing provider-aws observes changes, and the function renders
// exactly what it rendered before (the transient "rotating" status of the
// secret included).
func TestPasswordRotationRollsTheTasks(t *testing.T) {
	states := converge(t, testXR)
	obs := states[len(states)-1]
	before := run(t, newRequest(testXR, obs))

	secretARN := str(obs[KeyDBCluster].GetResource().AsMap(), "status.atProvider.masterUserSecret[0].secretArn")
	serviceARN := str(obs[KeyService].GetResource().AsMap(), "status.atProvider.arn")
	machineARN := str(obs[KeyRotationStateMachine].GetResource().AsMap(), "status.atProvider.arn")
	got, err := providersim.Rotate(obs, providersim.Rotation{SecretARN: secretARN, BusyPolls: 3})
	if err != nil {
		t.Fatalf("the rotation does not reach the service: %v", err)
	}
	want := []providersim.Deployment{{Service: serviceARN, ForceNewDeployment: true, StartedBy: machineARN}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deployments started by the rotation (-want +got):\n%s", diff)
	}

	// The rotation of another secret starts nothing.
	other, err := providersim.Rotate(obs, providersim.Rotation{SecretARN: secretARN + "-other"})
	if err != nil || len(other) != 0 {
		t.Errorf("rotating another secret started %v (error %v), want nothing", other, err)
	}

	// What the function sees during and after the rotation.
	during := cloneObserved(obs)
	secrets, _, err := unstructured.NestedSlice(during[KeyDBCluster].GetResource().AsMap(), "status", "atProvider", "masterUserSecret")
	if err != nil || len(secrets) != 1 {
		t.Fatalf("observed masterUserSecret = %v (%v), want one secret", secrets, err)
	}
	rotating, _ := secrets[0].(map[string]any)
	rotating["secretStatus"] = "rotating"
	setObserved(t, during[KeyDBCluster], []any{rotating}, "status", "atProvider", "masterUserSecret")
	for name, o := range map[string]map[string]*fnv1.Resource{"during": during, "after": obs} {
		rsp := run(t, newRequest(testXR, o))
		if diff := cmp.Diff(before.GetDesired(), rsp.GetDesired(), protocmp.Transform()); diff != "" {
			t.Errorf("desired state %s a rotation differs from before it (-before +%s):\n%s", name, name, diff)
		}
	}
}

// TestRotationChainIsComplete: a converged stack has the whole chain, and
// each link is the one a rotation needs (checked end to end above).
func TestRotationChainIsComplete(t *testing.T) {
	stack := renderedStack(t)
	for _, k := range []string{
		KeyRotationRule, KeyRotationTarget, KeyRotationStateMachine, KeyRotationEventsRole,
		KeyRotationEventsPolicy, KeyRotationRedeployRole, KeyRotationRedeployPolicy,
	} {
		if _, ok := stack[k]; !ok {
			t.Errorf("converged stack lacks %s; it has %v", k, slices.Sorted(maps.Keys(stack)))
		}
	}
}
