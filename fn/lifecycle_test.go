package fn

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/crossplane/crossplane-runtime/v2/pkg/fieldpath"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/platform/function-catalog-api/fn/providersim"
	"github.com/platform/function-catalog-api/internal/engine"
	"github.com/platform/function-catalog-api/internal/fntest"
)

// Day-2 behaviour, played against the simulated provider.

func withSpec(t *testing.T, field, value string) string {
	t.Helper()
	out := strings.Replace(testXR, `"environmentSuffix": "dev",`, `"environmentSuffix": "dev", `+field+`: `+value+`,`, 1)
	if out == testXR {
		t.Fatal("test XR template changed")
	}
	return out
}

func conditionOf(rsp *fnv1.RunFunctionResponse, typ string) *fnv1.Condition {
	for _, c := range rsp.GetConditions() {
		if c.GetType() == typ {
			return c
		}
	}
	return nil
}

// TestConvergence: the stack converges within 4 renders (checked inside
// converge, which also fails on any dropped resource), and then the XR is
// Ready with its status filled.
func TestConvergence(t *testing.T) {
	states := converge(t, testXR)
	rsp := run(t, newRequest(testXR, states[len(states)-1]))
	if got := rsp.GetDesired().GetComposite().GetReady(); got != fnv1.Ready_READY_TRUE {
		t.Errorf("converged XR readiness = %v, want READY_TRUE", got)
	}
	for _, c := range rsp.GetConditions() {
		if c.GetStatus() != fnv1.Status_STATUS_CONDITION_TRUE {
			t.Errorf("condition %s = %v (%s: %s), want True", c.GetType(), c.GetStatus(), c.GetReason(), c.GetMessage())
		}
	}
	for key, r := range rsp.GetDesired().GetResources() {
		if r.GetReady() != fnv1.Ready_READY_TRUE {
			t.Errorf("%s readiness = %v, want READY_TRUE", key, r.GetReady())
		}
	}
	status := rsp.GetDesired().GetComposite().GetResource().AsMap()
	for _, path := range []string{"status.url", "status.loadBalancerDnsName", "status.database.endpoint", "status.database.readerEndpoint", "status.database.secretArn", "status.service.clusterName", "status.service.serviceName", "status.service.taskDefinition", "status.accessLogBucket", "status.logGroups[3]"} {
		if str(status, path) == "" {
			t.Errorf("converged XR lacks %s", path)
		}
	}
	domain := str(states[len(states)-1][KeyDistribution].GetResource().AsMap(), "status.atProvider.domainName")
	if got := str(status, "status.url"); domain == "" || got != "https://"+domain {
		t.Errorf("status.url = %q, want https:// and the observed distribution's domain name %q", got, domain)
	}
}

// TestFirstRenderIsNotReady: once the suffix is held, before the later phases exist, the XR is not
// Ready and each waiting part says what it waits for.
func TestFirstRenderIsNotReady(t *testing.T) {
	rsp := run(t, newRequest(testXR, claimObserved(t)))
	if got := rsp.GetDesired().GetComposite().GetReady(); got != fnv1.Ready_READY_FALSE {
		t.Errorf("first render XR readiness = %v, want READY_FALSE", got)
	}
	cdn := conditionOf(rsp, "CDNReady")
	if cdn == nil || cdn.GetReason() != "Waiting" || !strings.Contains(cdn.GetMessage(), "load balancer") {
		t.Errorf("CDNReady = %v, want Waiting on the load balancer", cdn)
	}
	svc := conditionOf(rsp, "ServiceReady")
	if svc == nil || svc.GetReason() != "Waiting" || !strings.Contains(svc.GetMessage(), "Aurora") {
		t.Errorf("ServiceReady = %v, want Waiting on the Aurora cluster", svc)
	}
}

// TestImageChange: a new image makes a new task definition, the service
// points to it, the old revision is kept until the service runs on the new
// one, and nothing else changes.
func TestImageChange(t *testing.T) {
	states := converge(t, testXR)
	before := run(t, newRequest(testXR, states[len(states)-1])).GetDesired().GetResources()
	newXR := strings.Replace(testXR, "catalog-api:1.0.0", "catalog-api:1.1.0", 1)

	obs := states[len(states)-1]
	duringRsp := run(t, newRequest(newXR, obs))
	during := duringRsp.GetDesired().GetResources()
	if w := warnings(duringRsp); len(w) != 0 {
		t.Errorf("a rollout must not warn: %v", w)
	}
	oldTD, newTD := rolloutTaskDefinitions(t, before, during)
	checkKeptSaid(t, duringRsp, oldTD)
	checkServiceOnNewTaskDefinition(t, during, newTD)
	checkOnlyRolloutChanged(t, before, during)

	// The provider moves the service to the new revision; then the old
	// revision and its Usage are retired.
	after := run(t, newRequest(newXR, providersim.Observe(during))).GetDesired().GetResources()
	if got := fntest.KeysWhere(after, IsTaskDefinitionKey); !slices.Equal(got, []string{newTD}) {
		t.Errorf("after rollout task definitions = %v, want only %s", got, newTD)
	}
	if _, ok := after[engine.UsageKey(oldTD, KeyService)]; ok {
		t.Errorf("the old revision's Usage was kept after the rollout")
	}
}

// rolloutTaskDefinitions returns the old task definition of before and the
// new one rendered beside it during a rollout.
func rolloutTaskDefinitions(t *testing.T, before, during map[string]*fnv1.Resource) (oldTD, newTD string) {
	t.Helper()
	old, tds := fntest.KeysWhere(before, IsTaskDefinitionKey), fntest.KeysWhere(during, IsTaskDefinitionKey)
	if len(old) != 1 || len(tds) != 2 || !slices.Contains(tds, old[0]) {
		t.Fatalf("during rollout task definitions = %v, want the old %v and a new one", tds, old)
	}
	newTD = tds[0]
	if newTD == old[0] {
		newTD = tds[1]
	}
	return old[0], newTD
}

// checkKeptSaid: a Normal result says that the old task definition is kept.
func checkKeptSaid(t *testing.T, rsp *fnv1.RunFunctionResponse, oldTD string) {
	t.Helper()
	var said bool
	for _, r := range rsp.GetResults() {
		said = said || (r.GetSeverity() == fnv1.Severity_SEVERITY_NORMAL && strings.Contains(r.GetMessage(), oldTD))
	}
	if !said {
		t.Errorf("no Normal result says that %s is kept during the rollout", oldTD)
	}
}

// checkServiceOnNewTaskDefinition: the service points to the new task
// definition, which runs the new image.
func checkServiceOnNewTaskDefinition(t *testing.T, during map[string]*fnv1.Resource, newTD string) {
	t.Helper()
	svc := during[KeyService].GetResource().AsMap()
	if got := str(svc, "spec.forProvider.taskDefinitionRef.name"); got != "catalog-api-"+newTD {
		t.Errorf("service points to %q, want the new task definition %q", got, newTD)
	}
	if got := str(svc, "spec.forProvider.taskDefinitionRef.policy.resolve"); got != "Always" {
		t.Errorf("service task definition reference resolve policy = %q, want Always", got)
	}
	if img := str(during[newTD].GetResource().AsMap(), "spec.forProvider.containerDefinitions"); !strings.Contains(img, "catalog-api:1.1.0") {
		t.Errorf("new task definition does not run the new image: %s", img)
	}
}

// checkOnlyRolloutChanged: an image change changes nothing but the task
// definitions, the service, the execution role's policy and the Usages.
func checkOnlyRolloutChanged(t *testing.T, before, during map[string]*fnv1.Resource) {
	t.Helper()
	for key, r := range before {
		if IsTaskDefinitionKey(key) || key == KeyService || key == KeyExecutionRolePolicy || strings.HasPrefix(key, "usage-") {
			continue
		}
		if diff := cmp.Diff(r.GetResource().AsMap(), during[key].GetResource().AsMap()); diff != "" {
			t.Errorf("%s changed on an image change (-before +during):\n%s", key, diff)
		}
	}
}

// TestScaleChange: min/max change the scaling target only; the service's
// desired count stays an initProvider value that autoscaling owns.
func TestScaleChange(t *testing.T) {
	states := converge(t, testXR)
	obs := states[len(states)-1]
	before := run(t, newRequest(testXR, obs)).GetDesired().GetResources()
	after := run(t, newRequest(withSpec(t, `"scaling"`, `{"minTasks": 3, "maxTasks": 20}`), obs)).GetDesired().GetResources()
	target := after[KeyScalingTarget].GetResource().AsMap()
	if num(target, "spec.forProvider.minCapacity") != 3 || num(target, "spec.forProvider.maxCapacity") != 20 {
		t.Errorf("scaling target = %v..%v, want 3..20", val(target, "spec.forProvider.minCapacity"), val(target, "spec.forProvider.maxCapacity"))
	}
	svc := after[KeyService].GetResource().AsMap()
	if val(svc, "spec.forProvider.desiredCount") != nil {
		t.Errorf("service sets forProvider.desiredCount; autoscaling must own the count")
	}
	changed := []string{}
	for _, key := range slices.Sorted(maps.Keys(before)) {
		if cmp.Diff(before[key].GetResource().AsMap(), after[key].GetResource().AsMap()) != "" {
			changed = append(changed, key)
		}
	}
	// The service's initProvider count follows minTasks but is only used
	// at creation; nothing else may change.
	if diff := cmp.Diff([]string{KeyScalingTarget, KeyService}, changed); diff != "" {
		t.Errorf("resources changed by a scale change (-want +got):\n%s", diff)
	}
}

// TestOnDemandBaseChange: asking for on-demand tasks changes the service's
// capacity provider strategy and nothing else, anywhere in the stack; the
// service forces a new deployment on every update, which ECS needs to apply
// a new strategy.
func TestOnDemandBaseChange(t *testing.T) {
	states := converge(t, testXR)
	obs := states[len(states)-1]
	before := run(t, newRequest(testXR, obs)).GetDesired().GetResources()
	after := run(t, newRequest(withSpec(t, `"service"`, `{"onDemandBaseTasks": 2}`), obs)).GetDesired().GetResources()
	if diff := cmp.Diff(sortedKeys(before), sortedKeys(after)); diff != "" {
		t.Fatalf("resources rendered (-before +after):\n%s", diff)
	}
	for _, key := range sortedKeys(before) {
		b, a := before[key].GetResource().AsMap(), after[key].GetResource().AsMap()
		if key == KeyService {
			for _, obj := range []map[string]any{b, a} {
				if err := unstructured.SetNestedField(obj, nil, "spec", "forProvider", "capacityProviderStrategy"); err != nil {
					t.Fatalf("%s: %v", key, err)
				}
			}
		}
		if diff := cmp.Diff(b, a); diff != "" {
			t.Errorf("%s changed beyond the capacity provider strategy (-before +after):\n%s", key, diff)
		}
	}
	svc := after[KeyService].GetResource().AsMap()
	want := []any{
		map[string]any{"capacityProvider": "FARGATE", "base": 2.0, "weight": 0.0},
		map[string]any{"capacityProvider": "FARGATE_SPOT", "weight": 1.0},
	}
	if diff := cmp.Diff(want, val(svc, "spec.forProvider.capacityProviderStrategy")); diff != "" {
		t.Errorf("capacity provider strategy (-want +got):\n%s", diff)
	}
	if val(svc, "spec.forProvider.forceNewDeployment") != true {
		t.Errorf("forceNewDeployment = %v; ECS applies a changed strategy only with a new deployment", val(svc, "spec.forProvider.forceNewDeployment"))
	}
}

// TestResourceGoesUnready: when a resource loses Ready, its part's condition
// says which and why, and the XR is not Ready.
func TestResourceGoesUnready(t *testing.T) {
	states := converge(t, testXR)
	obs := states[len(states)-1]
	providersim.SetReady(obs[KeyDBWriter], false, "Unavailable")
	rsp := run(t, newRequest(testXR, obs))
	c := conditionOf(rsp, "DatabaseReady")
	if c == nil || c.GetStatus() != fnv1.Status_STATUS_CONDITION_FALSE || c.GetReason() != engine.ReasonUnhealthy || !strings.Contains(c.GetMessage(), KeyDBWriter) {
		t.Errorf("DatabaseReady = %v, want False/%s naming %s", c, engine.ReasonUnhealthy, KeyDBWriter)
	}
	if got := rsp.GetDesired().GetComposite().GetReady(); got != fnv1.Ready_READY_FALSE {
		t.Errorf("XR readiness = %v with an unready writer, want READY_FALSE", got)
	}
	if got := rsp.GetDesired().GetResources()[KeyDBWriter].GetReady(); got != fnv1.Ready_READY_FALSE {
		t.Errorf("writer readiness = %v, want READY_FALSE", got)
	}
}

// TestDeletionOrdering: every deletion edge is enforced, by its own Usage
// pointing the right way (the user in by, what it uses in of) or, where
// other Usages imply it (usages.go), by a path of them.
func TestDeletionOrdering(t *testing.T) {
	stack := renderedStack(t)
	want := map[string][2]string{ // usage key -> {of kind, by kind}
		engine.UsageKey(KeyTargetGroup, KeyService):         {"LBTargetGroup", "Service"},
		engine.UsageKey(KeyECSCluster, KeyService):          {"Cluster", "Service"},
		engine.UsageKey(KeyDBCluster, KeyDBWriter):          {"Cluster", "ClusterInstance"},
		engine.UsageKey(KeyDBSubnetGroup, KeyDBCluster):     {"SubnetGroup", "Cluster"},
		engine.UsageKey(KeyPrivateSubnet(0), KeyService):    {"Subnet", "Service"},
		engine.UsageKey(KeyDBLogGroup, KeyDBReader):         {"Group", "ClusterInstance"},
		engine.UsageKey(KeyInsightsLogGroup, KeyService):    {"Group", "Service"},
		engine.UsageKey(KeyInsightsLogGroup, KeyECSCluster): {"Group", "Cluster"},
		engine.UsageKey(KeyFlowLogGroup, KeyFlowLog):        {"Group", "FlowLog"},
		engine.UsageKey(KeyLogBucket, KeyDistribution):      {"Bucket", "Distribution"},
		engine.UsageKey(KeyEIP(0), KeyNATGateway(0)):        {"EIP", "NATGateway"},
	}
	next := usageGraph(stack)
	for key, kinds := range want {
		of, by, _ := strings.Cut(strings.TrimPrefix(key, "usage-"), "-by-")
		u, ok := stack[key]
		if !ok {
			if !engine.Reaches(next, by, of) {
				t.Errorf("missing Usage %s, and no path of Usages keeps %s until %s is gone", key, of, by)
			}
			continue
		}
		checkUsage(t, stack, key, u, kinds)
	}
}

// checkUsage: the Usage with this key is a protection.crossplane.io Usage of
// the kinds {of, by} that replays deletion and references the rendered
// resources its key names.
func checkUsage(t *testing.T, stack map[string]map[string]any, key string, u map[string]any, kinds [2]string) {
	t.Helper()
	of, by, _ := strings.Cut(strings.TrimPrefix(key, "usage-"), "-by-")
	if u["apiVersion"] != "protection.crossplane.io/v1beta1" || u["kind"] != "Usage" {
		t.Errorf("%s is %v %v, want a protection.crossplane.io/v1beta1 Usage", key, u["apiVersion"], u["kind"])
	}
	if str(u, "spec.of.kind") != kinds[0] || str(u, "spec.by.kind") != kinds[1] || val(u, "spec.replayDeletion") != true {
		t.Errorf("%s: of %s by %s (replay %v), want of %s by %s with replayDeletion", key, str(u, "spec.of.kind"), str(u, "spec.by.kind"), val(u, "spec.replayDeletion"), kinds[0], kinds[1])
	}
	ofName, byName := str(u, "spec.of.resourceRef.name"), str(u, "spec.by.resourceRef.name")
	if ofName != str(stack[of], "metadata.name") || byName != str(stack[by], "metadata.name") {
		t.Errorf("%s references %q by %q", key, ofName, byName)
	}
}

// usageGraph maps each user's key to the keys its rendered Usages keep,
// read from the Usages' object names.
func usageGraph(stack map[string]map[string]any) map[string]map[string]bool {
	keyOf := map[string]string{}
	for k, o := range stack {
		keyOf[str(o, "metadata.name")] = k
	}
	next := map[string]map[string]bool{}
	for _, u := range stack {
		if u["kind"] != "Usage" {
			continue
		}
		by, of := keyOf[str(u, "spec.by.resourceRef.name")], keyOf[str(u, "spec.of.resourceRef.name")]
		if next[by] == nil {
			next[by] = map[string]bool{}
		}
		next[by][of] = true
	}
	return next
}

// TestImmutableFieldChange: changing a field AWS cannot change in place is
// refused with a Fatal result that names it, and nothing is rendered.
func TestImmutableFieldChange(t *testing.T) {
	states := converge(t, testXR)
	obs := states[len(states)-1]
	rsp := run(t, newRequest(withSpec(t, `"database"`, `{"name": "orders"}`), obs))
	msg := fntest.FatalMessage(rsp)
	if !strings.Contains(msg, "spec.database.name") || !strings.Contains(msg, `"catalog"`) {
		t.Errorf("Fatal message = %q, want one naming spec.database.name and the old value", msg)
	}
	if n := len(rsp.GetDesired().GetResources()); n != 0 {
		t.Errorf("%d resources rendered alongside the Fatal result", n)
	}
}

// TestNotReadyMessages: a part's condition explains each unready resource
// in words a person can act on.
func TestNotReadyMessages(t *testing.T) {
	states := converge(t, testXR)
	cases := map[string]struct {
		condition string
		mutate    func(obs map[string]*fnv1.Resource)
		want      []string
	}{
		"DistributionDeploying": {
			condition: "CDNReady",
			mutate: func(obs map[string]*fnv1.Resource) {
				m := obs[KeyDistribution].GetResource().AsMap()
				if err := fieldpath.Pave(m).SetValue("status.atProvider.status", "InProgress"); err != nil {
					t.Fatal(err)
				}
				s, err := structpb.NewStruct(m)
				if err != nil {
					t.Fatal(err)
				}
				obs[KeyDistribution] = &fnv1.Resource{Resource: s}
			},
			want: []string{"CloudFront distribution is still deploying (status InProgress)", "5 to 15 minutes"},
		},
		"WriterCreating": {
			condition: "DatabaseReady",
			mutate:    func(obs map[string]*fnv1.Resource) { providersim.SetReady(obs[KeyDBWriter], false, "Creating") },
			want:      []string{KeyDBWriter, "(Creating", "10 to 20 minutes"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			obs := maps.Clone(states[len(states)-1])
			tc.mutate(obs)
			c := conditionOf(run(t, newRequest(testXR, obs)), tc.condition)
			for _, w := range tc.want {
				if c == nil || !strings.Contains(c.GetMessage(), w) {
					t.Errorf("%s message = %q, want it to contain %q", tc.condition, c.GetMessage(), w)
				}
			}
		})
	}
}

// convergedObjects is the converged stack as Kubernetes objects, Usages
// included, as a teardown starts from.
func convergedObjects(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	states := converge(t, testXR)
	last := states[len(states)-1]
	out := make([]*unstructured.Unstructured, 0, len(last))
	for _, k := range sortedKeys(last) {
		out = append(out, &unstructured.Unstructured{Object: last[k].GetResource().AsMap()})
	}
	return out
}

// TestTeardownLeavesNothing: deleting the CatalogApi, played by the
// simulated provider (Usages, log groups recreated by their writers,
// buckets and addresses that refuse deletion while in use), deletes every
// resource and leaves nothing behind in AWS.
func TestTeardownLeavesNothing(t *testing.T) {
	res := providersim.Teardown(convergedObjects(t))
	refused := slices.DeleteFunc(slices.Clone(res.Refused), retriedOnPurpose)
	if len(res.Leaked)+len(refused)+len(res.Stuck) != 0 {
		t.Errorf("teardown: leaked %v, refused %v, stuck %v", res.Leaked, refused, res.Stuck)
	}
	t.Logf("teardown order: %v", res.Order)
}

// retriedOnPurpose: deletions AWS refuses while what uses them exists and
// the provider retries until it is gone, with no Usage: nothing is lost or
// left behind in the wrong order. CloudFront refuses to delete a VPC origin
// while the distribution (15 minutes to disable and delete) has it as an
// origin.
func retriedOnPurpose(refusal string) bool {
	return strings.HasPrefix(refusal, KeyVPCOrigin+": CannotDeleteEntityWhileInUse")
}

// TestTeardownNeedsEachEdge: without each deletion edge, the teardown
// leaves something behind or AWS refuses a deletion.
func TestTeardownNeedsEachEdge(t *testing.T) {
	cases := map[string]struct {
		drop []string // Usages removed
		want string   // what the teardown then reports
	}{
		"DatabaseLogGroup": {
			drop: []string{engine.UsageKey(KeyDBLogGroup, KeyDBWriter), engine.UsageKey(KeyDBLogGroup, KeyDBReader)},
			want: "leaked: log group /aws/rds/cluster/aurora-cluster-dev/postgresql (" + KeyDBLogGroup + ")",
		},
		"ContainerInsightsLogGroup": {
			// The service's edge to the group has no Usage of its own: the
			// service goes before the ECS cluster, which goes before the
			// group (usages.go renders the reduction).
			drop: []string{engine.UsageKey(KeyInsightsLogGroup, KeyECSCluster)},
			want: "leaked: log group /aws/ecs/containerinsights/ecs-cluster-dev/performance (" + KeyInsightsLogGroup + ")",
		},
		"FlowLogGroup": {
			drop: []string{engine.UsageKey(KeyFlowLogGroup, KeyFlowLog)},
			want: "leaked: log group /aws/vpc/flow-logs-dev (" + KeyFlowLogGroup + ")",
		},
		"AccessLogBucket": {
			drop: []string{engine.UsageKey(KeyLogBucket, KeyDistribution)},
			want: "refused: " + KeyLogBucket + ": BucketNotEmpty: " + KeyDistribution,
		},
		"ElasticIP": {
			drop: []string{engine.UsageKey(KeyEIP(1), KeyNATGateway(1))},
			want: "refused: " + KeyEIP(1) + ": InvalidIPAddress.InUse",
		},
		"RotationRule": {
			drop: []string{engine.UsageKey(KeyRotationRule, KeyRotationTarget)},
			want: "refused: " + KeyRotationRule + ": ValidationException: Rule can't be deleted since it has targets",
		},
	}
	all := convergedObjects(t)
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var objs []*unstructured.Unstructured
			for _, u := range all {
				if slices.Contains(tc.drop, u.GetAnnotations()[providersim.AnnotationCompositionResourceName]) {
					continue
				}
				objs = append(objs, u)
			}
			if len(objs) != len(all)-len(tc.drop) {
				t.Fatalf("the stack has not every Usage of %v", tc.drop)
			}
			res := providersim.Teardown(objs)
			report := make([]string, 0, len(res.Leaked)+len(res.Refused))
			for _, l := range res.Leaked {
				report = append(report, "leaked: "+l)
			}
			for _, r := range res.Refused {
				report = append(report, "refused: "+r)
			}
			if !slices.ContainsFunc(report, func(r string) bool { return strings.HasPrefix(r, tc.want) }) {
				t.Errorf("without %v the teardown reports %v, want %q", tc.drop, report, tc.want)
			}
		})
	}
}
