package providersim

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

func TestSimulate(t *testing.T) {
	f := newSimulateFixtures()
	cases := referenceCases(f)
	maps.Copy(cases, lifecycleCases(f))
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := Simulate(tc.desired)
			checkSimulateErrors(t, err, tc.wantErrs)
			checkSimulatedFields(t, out, tc.want)
			checkInputUnchanged(t, tc.desired)
		})
	}
}

// simulateCase is a case of TestSimulate.
type simulateCase struct {
	desired []*unstructured.Unstructured
	// want maps "<key> <path>" to "<key> <path>" (the same value) or
	// to a "=literal".
	want     map[string]string
	wantErrs []string
}

// simulateFixtures are the resources the TestSimulate cases compose.
type simulateFixtures struct {
	vpc        *unstructured.Unstructured
	subnet     *unstructured.Unstructured
	role       *unstructured.Unstructured
	logs       *unstructured.Unstructured
	flowLog    *unstructured.Unstructured
	sg         *unstructured.Unstructured
	db         *unstructured.Unstructured
	lb         *unstructured.Unstructured
	listener   *unstructured.Unstructured
	vpcOrigin  *unstructured.Unstructured
	ecsCluster *unstructured.Unstructured
	oldTD      *unstructured.Unstructured
	newTD      *unstructured.Unstructured
	service    *unstructured.Unstructured
	cycleA     *unstructured.Unstructured
	cycleB     *unstructured.Unstructured
	usage      *unstructured.Unstructured
	dangling   *unstructured.Unstructured
	nat        *unstructured.Unstructured
}

// newSimulateFixtures builds the TestSimulate resources.
func newSimulateFixtures() simulateFixtures {
	ref := func(name string) map[string]any { return map[string]any{"name": name} }
	vpc := testObject("ec2", "VPC", "vpc", map[string]any{"cidrBlock": "10.0.0.0/16"})
	subnet := testObject("ec2", "Subnet", "subnet-private-a", map[string]any{"vpcIdRef": ref("xr-vpc")})
	role := testObject("iam", "Role", "role-flow-logs", nil)
	logs := testObject("cloudwatchlogs", "Group", "log-group-flow-logs", nil)
	flowLog := testObject("ec2", "FlowLog", "flow-log", map[string]any{
		"iamRoleArnRef": ref("xr-role-flow-logs"), "logDestinationRef": ref("xr-log-group-flow-logs"), "vpcIdRef": ref("xr-vpc"),
	})
	sg := testObject("ec2", "SecurityGroup", "security-group-database", nil)
	db := testObject("rds", "Cluster", "aurora-cluster", map[string]any{
		"region": "eu-west-1", "engine": "aurora-postgresql", "vpcSecurityGroupIdRefs": []any{ref("xr-security-group-database")},
	})
	lb := testObject("elbv2", "LB", "load-balancer", map[string]any{"name": "alb-dev", "region": "eu-north-1"})
	listener := testObject("elbv2", "LBListener", "listener", map[string]any{"loadBalancerArnRef": ref("xr-load-balancer")})
	vpcOrigin := testObject("cloudfront", "VPCOrigin", "cloudfront-vpc-origin", map[string]any{"vpcOriginEndpointConfig": map[string]any{"arnRef": ref("xr-load-balancer")}})
	ecsCluster := testObject("ecs", "Cluster", "ecs-cluster", nil)
	oldTD := testObject("ecs", "TaskDefinition", "task-definition-1111111111", map[string]any{"family": "catalog-api-dev"})
	newTD := testObject("ecs", "TaskDefinition", "task-definition-2222222222", map[string]any{"family": "catalog-api-dev"})
	service := testObject("ecs", "Service", "ecs-service", map[string]any{
		"clusterRef": ref("xr-ecs-cluster"), "taskDefinitionRef": ref("xr-task-definition-2222222222"),
	})
	cycleA := testObject("ec2", "Subnet", "a", map[string]any{"vpcIdRef": ref("xr-b")})
	cycleB := testObject("ec2", "VPC", "b", map[string]any{"ipv4IpamPoolIdRef": ref("xr-a")})
	usage := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "protection.crossplane.io/v1beta1", "kind": "Usage",
		"metadata": map[string]any{"name": "xr-usage", "annotations": map[string]any{AnnotationCompositionResourceName: "usage"}},
	}}
	dangling := testObject("ec2", "Subnet", "subnet-public-a", map[string]any{"vpcIdRef": ref("xr-missing")})
	nat := testObject("ec2", "NATGateway", "nat-gateway", map[string]any{"subnetIdRef": ref("xr-subnet-public-a")})
	return simulateFixtures{
		vpc:        vpc,
		subnet:     subnet,
		role:       role,
		logs:       logs,
		flowLog:    flowLog,
		sg:         sg,
		db:         db,
		lb:         lb,
		listener:   listener,
		vpcOrigin:  vpcOrigin,
		ecsCluster: ecsCluster,
		oldTD:      oldTD,
		newTD:      newTD,
		service:    service,
		cycleA:     cycleA,
		cycleB:     cycleB,
		usage:      usage,
		dangling:   dangling,
		nat:        nat,
	}
}

// referenceCases: references resolve to the IDs and ARNs AWS assigns.
func referenceCases(f simulateFixtures) map[string]simulateCase {
	return map[string]simulateCase{
		"ReferenceTakesTheAssignedID": {
			desired: []*unstructured.Unstructured{f.vpc, f.subnet},
			want: map[string]string{
				"subnet-private-a spec.forProvider.vpcId":                             "vpc status.atProvider.id",
				"vpc metadata.annotations.crossplane\\.io/external-name":              "vpc status.atProvider.id",
				"subnet-private-a status.conditions.0.type":                           "=Ready",
				"subnet-private-a status.conditions.0.status":                         "=True",
				"vpc metadata.annotations.crossplane\\.io/composition-resource-name":  "=vpc",
				"subnet-private-a metadata.annotations.crossplane\\.io/external-name": "subnet-private-a status.atProvider.id",
				"subnet-private-a status.atProvider.arn":                              "=arn:aws:ec2:eu-north-1:123456789012:subnet/subnet-b5206e93aa523925a",
			},
		},
		"ARNReferences": {
			desired: []*unstructured.Unstructured{f.vpc, f.role, f.logs, f.flowLog},
			want: map[string]string{
				"flow-log spec.forProvider.iamRoleArn":     "role-flow-logs status.atProvider.arn",
				"flow-log spec.forProvider.logDestination": "log-group-flow-logs status.atProvider.arn",
				"flow-log spec.forProvider.vpcId":          "vpc status.atProvider.id",
				"role-flow-logs status.atProvider.arn":     "=arn:aws:iam::123456789012:role/xr-role-flow-logs",
			},
		},
		"ListReferencesAndDatabaseStatus": {
			desired: []*unstructured.Unstructured{f.sg, f.db},
			want: map[string]string{
				"aurora-cluster spec.forProvider.vpcSecurityGroupIds.0":            "security-group-database status.atProvider.id",
				"aurora-cluster status.atProvider.endpoint":                        "=xr-aurora-cluster.cluster-cf8cecf2d6a6.eu-west-1.rds.amazonaws.com",
				"aurora-cluster status.atProvider.readerEndpoint":                  "=xr-aurora-cluster.cluster-ro-cf8cecf2d6a6.eu-west-1.rds.amazonaws.com",
				"aurora-cluster status.atProvider.port":                            "=5432",
				"aurora-cluster status.atProvider.masterUserSecret.0.secretStatus": "=active",
			},
		},
		"ARNsExtendWhatTheyReferenceInAnyOrder": {
			desired: []*unstructured.Unstructured{f.vpcOrigin, f.listener, f.lb},
			want: map[string]string{
				// A field named arn takes the ARN (the row's arnRefs).
				"cloudfront-vpc-origin spec.forProvider.vpcOriginEndpointConfig.arn": "load-balancer status.atProvider.arn",
				"listener spec.forProvider.loadBalancerArn":                          "load-balancer status.atProvider.arn",
				"load-balancer status.atProvider.dnsName":                            "=alb-dev-5879991636.eu-north-1.elb.amazonaws.com",
				"load-balancer status.atProvider.arn":                                "=arn:aws:elasticloadbalancing:eu-north-1:123456789012:loadbalancer/app/alb-dev/e1977f0263b90204",
				"listener status.atProvider.arn":                                     "=arn:aws:elasticloadbalancing:eu-north-1:123456789012:listener/app/alb-dev/e1977f0263b90204/c4c05d40a8c3ebc0",
			},
		},
	}
}

// lifecycleCases: task definition revisions, Crossplane kinds, and what
// cannot be created.
func lifecycleCases(f simulateFixtures) map[string]simulateCase {
	return map[string]simulateCase{
		// Revisions of one family share the family as their ID and
		// external name; their ARNs name the revision. The service runs
		// the revision it references.
		"TaskDefinitionRevisions": {
			desired: []*unstructured.Unstructured{f.ecsCluster, f.oldTD, f.newTD, f.service},
			want: map[string]string{
				"ecs-service spec.forProvider.taskDefinition":                                   "task-definition-2222222222 status.atProvider.arn",
				"ecs-service spec.forProvider.cluster":                                          "=xr-ecs-cluster",
				"ecs-service status.atProvider.arn":                                             "=arn:aws:ecs:eu-north-1:123456789012:service/xr-ecs-cluster/xr-ecs-service",
				"task-definition-1111111111 status.atProvider.arn":                              "=arn:aws:ecs:eu-north-1:123456789012:task-definition/catalog-api-dev:266",
				"task-definition-2222222222 status.atProvider.arn":                              "=arn:aws:ecs:eu-north-1:123456789012:task-definition/catalog-api-dev:137",
				"task-definition-2222222222 status.atProvider.arnWithoutRevision":               "=arn:aws:ecs:eu-north-1:123456789012:task-definition/catalog-api-dev",
				"task-definition-1111111111 status.atProvider.id":                               "=catalog-api-dev",
				"task-definition-2222222222 metadata.annotations.crossplane\\.io/external-name": "=catalog-api-dev",
			},
		},
		"CrossplaneKindsOnlyGetConditions": {
			desired: []*unstructured.Unstructured{f.usage},
			want: map[string]string{
				"usage status.conditions.0.status": "=True",
				"usage status.atProvider":          "=<nil>",
			},
		},
		"ReferenceCycle": {
			desired: []*unstructured.Unstructured{f.cycleA, f.cycleB},
			wantErrs: []string{
				`b: spec.forProvider.ipv4IpamPoolId references "xr-a", which is part of a reference cycle`,
				`a: spec.forProvider.vpcId references "xr-b", which cannot be created`,
			},
			want: map[string]string{
				"a status.conditions.0.status": "=False",
				"b status.conditions.0.status": "=False",
			},
		},
		// What references a resource that cannot be created cannot be
		// created either; the rest is.
		"DanglingReference": {
			desired: []*unstructured.Unstructured{f.dangling, f.nat, f.vpc},
			wantErrs: []string{
				`subnet-public-a: spec.forProvider.vpcId references "xr-missing", which is not composed`,
				`nat-gateway: spec.forProvider.subnetId references "xr-subnet-public-a", which cannot be created`,
			},
			want: map[string]string{
				"subnet-public-a status.conditions.0.type":                           "=Synced",
				"subnet-public-a status.conditions.0.status":                         "=False",
				"subnet-public-a status.conditions.0.reason":                         "=ReconcileError",
				"subnet-public-a status.conditions.1":                                "=<nil>",
				"subnet-public-a status.atProvider":                                  "=<nil>",
				"subnet-public-a metadata.annotations.crossplane\\.io/external-name": "=<nil>",
				"nat-gateway status.conditions.0.message":                            `=cannot resolve references: spec.forProvider.subnetId references "xr-subnet-public-a", which cannot be created`,
				"vpc status.conditions.0.status":                                     "=True",
			},
		},
	}
}

// checkSimulateErrors: the error names every wanted problem, and there is no
// error when none is wanted.
func checkSimulateErrors(t *testing.T, err error, wantErrs []string) {
	t.Helper()
	for _, want := range wantErrs {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Simulate() error = %v, want it to contain %q", err, want)
		}
	}
	if len(wantErrs) == 0 && err != nil {
		t.Fatalf("Simulate() error = %v", err)
	}
}

// checkSimulatedFields compares each "<key> <path>" of the output with what
// its source names: another "<key> <path>" or a "=literal".
func checkSimulatedFields(t *testing.T, out []*unstructured.Unstructured, fields map[string]string) {
	t.Helper()
	byKey := map[string]*unstructured.Unstructured{}
	for _, u := range out {
		byKey[compositionResourceName(u)] = u
	}
	lookup := func(ref string) string {
		if v, ok := strings.CutPrefix(ref, "="); ok {
			return v
		}
		key, path, _ := strings.Cut(ref, " ")
		u, ok := byKey[key]
		if !ok {
			return "<no " + key + ">"
		}
		return fmt.Sprint(fieldAt(u.Object, path))
	}
	want, got := map[string]string{}, map[string]string{}
	for field, source := range fields {
		got[field], want[field] = lookup(field), lookup(source)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Simulate() (-want +got):\n%s", diff)
	}
}

// checkInputUnchanged: Simulate works on copies of its input.
func checkInputUnchanged(t *testing.T, desired []*unstructured.Unstructured) {
	t.Helper()
	for _, u := range desired {
		if _, ok := u.Object["status"]; ok {
			t.Errorf("Simulate() changed its input %s", u.GetName())
		}
	}
}

// TestSimulateOrder: the output is sorted by key, whatever the input order.
func TestSimulateOrder(t *testing.T) {
	in := []*unstructured.Unstructured{
		testObject("ec2", "VPC", "vpc", nil),
		testObject("iam", "Role", "role", nil),
		testObject("ec2", "Subnet", "subnet", nil),
	}
	out, err := Simulate(in)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, 0, len(out))
	for _, u := range out {
		got = append(got, compositionResourceName(u))
	}
	if diff := cmp.Diff([]string{"role", "subnet", "vpc"}, got); diff != "" {
		t.Errorf("Simulate() order (-want +got):\n%s", diff)
	}
}

func TestObserve(t *testing.T) {
	desired := map[string]*fnv1.Resource{
		"vpc":    testResource(t, "VPC", "vpc", nil),
		"subnet": testResource(t, "Subnet", "subnet", map[string]any{"vpcIdRef": map[string]any{"name": "xr-vpc"}}),
		"nat":    testResource(t, "NATGateway", "nat", map[string]any{"subnetIdRef": map[string]any{"name": "xr-missing"}}),
	}
	obs := Observe(desired)
	field := func(key, path string) string { return fmt.Sprint(fieldAt(obs[key].GetResource().AsMap(), path)) }
	want := map[string]string{
		"vpc key":              "vpc",
		"subnet key":           "subnet",
		"subnet vpcId":         field("vpc", "status.atProvider.id"),
		"subnet ready":         "True",
		"nat synced":           "False",
		"nat ready":            "<nil>",
		"desired untouched":    "<nil>",
		"desired without key":  "<nil>",
		"observed of each key": "3",
	}
	got := map[string]string{
		"vpc key":              field("vpc", "metadata.annotations.crossplane\\.io/composition-resource-name"),
		"subnet key":           field("subnet", "metadata.annotations.crossplane\\.io/composition-resource-name"),
		"subnet vpcId":         field("subnet", "spec.forProvider.vpcId"),
		"subnet ready":         field("subnet", "status.conditions.0.status"),
		"nat synced":           field("nat", "status.conditions.0.status"),
		"nat ready":            field("nat", "status.conditions.1"),
		"desired untouched":    fmt.Sprint(fieldAt(desired["subnet"].GetResource().AsMap(), "status")),
		"desired without key":  fmt.Sprint(fieldAt(desired["subnet"].GetResource().AsMap(), "metadata.annotations")),
		"observed of each key": strconv.Itoa(len(obs)),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Observe() (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(got["subnet vpcId"], "vpc-") {
		t.Errorf("subnet vpcId = %q, want the VPC's assigned ID", got["subnet vpcId"])
	}
}

func TestSetReady(t *testing.T) {
	cases := map[string]struct {
		ready      bool
		reason     string
		wantStatus string
	}{
		"Unready": {ready: false, reason: "Unavailable", wantStatus: "False"},
		"Ready":   {ready: true, reason: "Available", wantStatus: "True"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			obs := Observe(map[string]*fnv1.Resource{"vpc": testResource(t, "VPC", "vpc", nil)})
			r := obs["vpc"]
			id := fieldAt(r.GetResource().AsMap(), "status.atProvider.id")
			SetReady(r, tc.ready, tc.reason)
			obj := r.GetResource().AsMap()
			got := []any{fieldAt(obj, "status.conditions.0.type"), fieldAt(obj, "status.conditions.0.status"), fieldAt(obj, "status.conditions.0.reason"), fieldAt(obj, "status.atProvider.id")}
			if diff := cmp.Diff([]any{"Ready", tc.wantStatus, tc.reason, id}, got); diff != "" {
				t.Errorf("SetReady() (-want +got):\n%s", diff)
			}
		})
	}
}

// testObject is a desired managed resource of provider-aws.
func testObject(group, kind, key string, forProvider map[string]any) *unstructured.Unstructured {
	if forProvider == nil {
		forProvider = map[string]any{}
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": group + ".aws.m.upbound.io/v1beta1",
		"kind":       kind,
		"metadata": map[string]any{
			"name":        "xr-" + key,
			"annotations": map[string]any{AnnotationCompositionResourceName: key},
		},
		"spec": map[string]any{"forProvider": forProvider},
	}}
}

// testResource is a desired EC2 managed resource as a function returns it:
// without the composition resource name annotation (the key says it).
func testResource(t *testing.T, kind, key string, forProvider map[string]any) *fnv1.Resource {
	t.Helper()
	u := testObject("ec2", kind, key, forProvider)
	unstructured.RemoveNestedField(u.Object, "metadata", "annotations")
	s, err := structpb.NewStruct(u.Object)
	if err != nil {
		t.Fatal(err)
	}
	return &fnv1.Resource{Resource: s}
}

// fieldAt returns the value at a dotted path ("\." escapes a dot; numbers
// index lists), or nil.
func fieldAt(obj any, path string) any {
	parts := strings.SplitSeq(strings.ReplaceAll(path, `\.`, "\x00"), ".")
	for p := range parts {
		p = strings.ReplaceAll(p, "\x00", ".")
		switch v := obj.(type) {
		case map[string]any:
			obj = v[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(v) {
				return nil
			}
			obj = v[i]
		default:
			return nil
		}
	}
	return obj
}

func TestSetCondition(t *testing.T) {
	r := testResource(t, "VPC", "vpc", map[string]any{"cidrBlock": "10.0.0.0/16"})
	r = Observe(map[string]*fnv1.Resource{"vpc": r})["vpc"]
	SetCondition(r, "Synced", false, "ReconcileError", "update failed: AccessDenied")
	conditions, _ := r.GetResource().AsMap()["status"].(map[string]any)["conditions"].([]any)
	got := map[string]string{}
	for _, c := range conditions {
		m, ok := c.(map[string]any)
		if !ok {
			t.Fatalf("condition %v is not an object", c)
		}
		typ, _ := m["type"].(string)
		status, _ := m["status"].(string)
		reason, _ := m["reason"].(string)
		msg, _ := m["message"].(string)
		got[typ] = status + "/" + reason + "/" + msg
	}
	want := map[string]string{"Synced": "False/ReconcileError/update failed: AccessDenied", "Ready": "True/Available/"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("conditions (-want +got):\n%s", diff)
	}
}
