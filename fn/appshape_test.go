package fn

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	ec2 "github.com/upbound/provider-aws/v2/apis/namespaced/ec2/v1beta1"
	ecs "github.com/upbound/provider-aws/v2/apis/namespaced/ecs/v1beta1"
	elbv2 "github.com/upbound/provider-aws/v2/apis/namespaced/elbv2/v1beta1"
	iam "github.com/upbound/provider-aws/v2/apis/namespaced/iam/v1beta1"
	rds "github.com/upbound/provider-aws/v2/apis/namespaced/rds/v1beta1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/platform/function-catalog-api/fn/providersim"
)

// xrWith is a CatalogApi with suffix dev, image nginx:1.27 and these extra
// spec fields (JSON members, without braces).
func xrWith(fields string) string {
	return `{"apiVersion":"catalog.example.org/v1alpha1","kind":"CatalogApi","metadata":{"name":"a","namespace":"n"},` +
		`"spec":{"environmentSuffix":"dev","image":"nginx:1.27",` + fields + `}}`
}

const (
	goodSecretARN    = "arn:aws:secretsmanager:eu-north-1:123456789012:secret:app-api-key-AbCdEf"
	goodParameterARN = "arn:aws:ssm:eu-north-1:123456789012:parameter/app/feature-flags"
	goodPolicyARN    = "arn:aws:iam::123456789012:policy/app-s3-read"
)

// badInputCase is a CatalogApi the function must refuse, and the Fatal
// response it must give.
type badInputCase struct {
	reason string
	xr     string
	want   *fnv1.RunFunctionResponse
}

// badAppShapeCases are bad spec.service input.
func badAppShapeCases() map[string]badInputCase {
	return map[string]badInputCase{
		"PortOutOfRange": {
			reason: "a TCP port is 1 to 65535",
			xr:     xrWith(`"service":{"containerPort":70000}`),
			want:   fatalResponse(`invalid CatalogApi: spec.service.containerPort: invalid value 70000: must be between 1 and 65535`),
		},
		"CPUMemoryPairFargateRefuses": {
			reason: "1 vCPU runs with 2 to 8 GB only",
			xr:     xrWith(`"service":{"cpu":1024,"memory":512}`),
			want:   fatalResponse(`invalid CatalogApi: spec.service.memory: invalid value 512: is not a size Fargate accepts with spec.service.cpu 1024; valid pairs: ` + fargatePairs()),
		},
		"CPUFargateDoesNotOffer": {
			reason: "Fargate offers seven CPU sizes",
			xr:     xrWith(`"service":{"cpu":3000}`),
			want:   fatalResponse(`invalid CatalogApi: spec.service.cpu: invalid value 3000: must be one of 256, 512, 1024, 2048, 4096, 8192, 16384`),
		},
		"SecretOfTheWrongService": {
			reason: "ECS injects Secrets Manager secrets and SSM parameters only",
			xr:     xrWith(`"service":{"secrets":[{"name":"API_KEY","valueFrom":"arn:aws:s3:::my-bucket/api-key"}]}`),
			want: fatalResponse(`invalid CatalogApi: spec.service.secrets[0].valueFrom: invalid value "arn:aws:s3:::my-bucket/api-key": must be the ARN of a Secrets Manager secret ` +
				`(arn:aws:secretsmanager:<region>:<account>:secret:<name>, optionally followed by :<json-key>::) or of an SSM parameter (arn:aws:ssm:<region>:<account>:parameter/<name>)`),
		},
		"SecretInAnotherRegion": {
			reason: "ECS reads secrets in the task's region",
			xr:     xrWith(`"service":{"secrets":[{"name":"API_KEY","valueFrom":"arn:aws:secretsmanager:us-east-1:123456789012:secret:api-key-AbCdEf"}]}`),
			want:   fatalResponse(`invalid CatalogApi: spec.service.secrets[0].valueFrom: invalid value "arn:aws:secretsmanager:us-east-1:123456789012:secret:api-key-AbCdEf": must be in the stack's region eu-north-1 (spec.region): ECS reads secrets in the task's region`),
		},
		"SecretCollidesWithTheDatabase": {
			reason: "DB_PASSWORD is the database's",
			xr:     xrWith(`"service":{"secrets":[{"name":"DB_PASSWORD","valueFrom":"` + goodSecretARN + `"}]}`),
			want:   fatalResponse(`invalid CatalogApi: spec.service.secrets[0].name: invalid value "DB_PASSWORD": names starting with DB_ are reserved for the database connection`),
		},
		"EnvCollidesWithTheDatabase": {
			reason: "DB_HOST is the database's",
			xr:     xrWith(`"service":{"env":[{"name":"DB_HOST","value":"elsewhere"}]}`),
			want:   fatalResponse(`invalid CatalogApi: spec.service.env[0].name: invalid value "DB_HOST": names starting with DB_ are reserved for the database connection`),
		},
		"SecretCollidesWithEnv": {
			reason: "one variable cannot be plain and secret",
			xr:     xrWith(`"service":{"env":[{"name":"API_KEY","value":"x"}],"secrets":[{"name":"API_KEY","valueFrom":"` + goodSecretARN + `"}]}`),
			want:   fatalResponse(`invalid CatalogApi: spec.service.secrets[0].name: invalid value "API_KEY": must be unique: spec.service.env[0] has it already`),
		},
		"PolicyARNNotAnIAMPolicy": {
			reason: "only managed policies can be attached",
			xr:     xrWith(`"service":{"taskRolePolicyArns":["arn:aws:iam::123456789012:role/admin"]}`),
			want:   fatalResponse(`invalid CatalogApi: spec.service.taskRolePolicyArns[0]: invalid value "arn:aws:iam::123456789012:role/admin": must be the ARN of an IAM managed policy (arn:aws:iam::<account>:policy/<name> or arn:aws:iam::aws:policy/<name>)`),
		},
		"HealthCheckPathNotAPath": {
			reason: "the ALB checks an absolute path",
			xr:     xrWith(`"service":{"healthCheckPath":"health"}`),
			want:   fatalResponse(`invalid CatalogApi: spec.service.healthCheckPath: invalid value "health": must be an absolute URL path of at most 1024 characters (letters, digits and / . _ ~ % ! $ & ' ( ) * + , ; = : @ -)`),
		},
	}
}

// badNetworkCases are bad spec.network.existing and spec.database input.
func badNetworkCases() map[string]badInputCase {
	const existing = `"vpcId":"vpc-0123456789abcdef0","publicSubnetIds":["subnet-0000000000000000a","subnet-0000000000000000b"]`
	return map[string]badInputCase{
		"ExistingNetworkWithOneSubnet": {
			reason: "one subnet is one AZ: the ALB and the database need two",
			xr:     xrWith(`"network":{"existing":{` + existing + `,"privateSubnetIds":["subnet-0000000000000000c"]}}`),
			want:   fatalResponse(`invalid CatalogApi: spec.network.existing.privateSubnetIds: invalid value 1: must list 2 to 6 subnets, in at least two availability zones of spec.region`),
		},
		"ExistingNetworkSubnetTwice": {
			reason: "a subnet is private or public, once",
			xr:     xrWith(`"network":{"existing":{` + existing + `,"privateSubnetIds":["subnet-0000000000000000c","subnet-0000000000000000a"]}}`),
			want:   fatalResponse(`invalid CatalogApi: spec.network.existing.publicSubnetIds[0]: invalid value "subnet-0000000000000000a": must be listed once: spec.network.existing.privateSubnetIds[1] has it already`),
		},
		"ExistingNetworkBadVPC": {
			reason: "a VPC ID is vpc- and hex digits",
			xr:     xrWith(`"network":{"existing":{"vpcId":"my-vpc","privateSubnetIds":["subnet-0000000000000000c","subnet-0000000000000000d"],"publicSubnetIds":["subnet-0000000000000000a","subnet-0000000000000000b"]}}`),
			want:   fatalResponse(`invalid CatalogApi: spec.network.existing.vpcId: invalid value "my-vpc": must be a VPC ID (vpc- and 8 or 17 hexadecimal digits)`),
		},
		"EngineVersionNotAVersion": {
			reason: "an Aurora version is major.minor",
			xr:     xrWith(`"database":{"engineVersion":"latest"}`),
			want:   fatalResponse(`invalid CatalogApi: spec.database.engineVersion: invalid value "latest": must be an Aurora PostgreSQL version such as 16.8`),
		},
	}
}

// TestRunFunctionRejectsBadAppShape: bad spec.service and
// spec.network.existing input renders nothing, and the Fatal result names
// the field, the value and the rule.
func TestRunFunctionRejectsBadAppShape(t *testing.T) {
	cases := badAppShapeCases()
	maps.Copy(cases, badNetworkCases())
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := run(t, newRequest(tc.xr, nil))
			if diff := cmp.Diff(tc.want, got, protocmp.Transform()); diff != "" {
				t.Errorf("%s: RunFunction() -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// existingNetworkXR is a CatalogApi in an existing network.
func existingNetworkXR() string {
	return xrWith(`"network":{"existing":{"vpcId":"vpc-0123456789abcdef0",` +
		`"privateSubnetIds":["subnet-0000000000000000c","subnet-0000000000000000d"],` +
		`"publicSubnetIds":["subnet-0000000000000000a","subnet-0000000000000000b"]}}`)
}

// TestRunFunctionRefusesUnaskedMoves: what a stack cannot become after
// creation is refused with nothing rendered.
func TestRunFunctionRefusesUnaskedMoves(t *testing.T) {
	observed := func(key string, obj string) map[string]*fnv1.Resource {
		return map[string]*fnv1.Resource{key: {Resource: resource.MustStructJSON(obj)}}
	}
	vpc := `{"apiVersion":"ec2.aws.m.upbound.io/v1beta1","kind":"VPC","metadata":{"name":"a-vpc","namespace":"n"}}`
	marker := `{"apiVersion":"ec2.aws.m.upbound.io/v1beta1","kind":"SecurityGroup","metadata":{"name":"a-claim-marker","namespace":"n"}}`
	cluster := `{"apiVersion":"rds.aws.m.upbound.io/v1beta1","kind":"Cluster","metadata":{"name":"a-aurora-cluster","namespace":"n"},"status":{"atProvider":{"engineVersionActual":"17.4"}}}`
	cases := map[string]struct {
		reason   string
		xr       string
		observed map[string]*fnv1.Resource
		want     *fnv1.RunFunctionResponse
	}{
		"MoveToAnExistingNetwork": {
			reason:   "a stack with its own VPC cannot move into an existing network",
			xr:       existingNetworkXR(),
			observed: observed(KeyVPC, vpc),
			want: fatalResponse(`invalid CatalogApi: spec.network.existing: invalid value "vpc-0123456789abcdef0": cannot be set after creation: the stack has its own VPC a-vpc, ` +
				`and moving to another network would replace every resource in it, the database included`),
		},
		"MoveOutOfAnExistingNetwork": {
			reason:   "a stack in an existing network cannot get a network of its own",
			xr:       xrWith(`"region":"eu-north-1"`),
			observed: observed(KeyClaimMarker, marker),
			want: fatalResponse(`invalid CatalogApi: spec.network.existing: invalid value "": cannot be removed after creation: the stack is in an existing network, ` +
				`and moving to a network of its own would replace every resource in it, the database included`),
		},
		"EngineMajorDowngrade": {
			reason:   "Aurora does not downgrade",
			xr:       xrWith(`"database":{"engineVersion":"16.8"}`),
			observed: observed(KeyDBCluster, cluster),
			want:     fatalResponse(`invalid CatalogApi: spec.database.engineVersion: invalid value "16.8": must not be below the major version the cluster runs (17.4): Aurora does not downgrade`),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := run(t, newRequest(tc.xr, tc.observed))
			if diff := cmp.Diff(tc.want, got, protocmp.Transform()); diff != "" {
				t.Errorf("%s: RunFunction() -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestFargatePairs: the table holds the pairs the ECS developer guide
// lists, counted per CPU.
func TestFargatePairs(t *testing.T) {
	want := map[int]int{256: 3, 512: 4, 1024: 7, 2048: 13, 4096: 23, 8192: 12, 16384: 12}
	for _, cpu := range FargateCPUs() {
		if got := len(FargateMemoryFor(cpu)); got != want[cpu] {
			t.Errorf("cpu %d: %d memory sizes, want %d", cpu, got, want[cpu])
		}
	}
	if FargateMemoryFor(3000) != nil {
		t.Error("cpu 3000 has memory sizes; Fargate does not offer it")
	}
	if !strings.Contains(fargatePairs(), "cpu 1024: memory 2048 to 8192") {
		t.Errorf("fargatePairs() = %q, want the 1 vCPU range", fargatePairs())
	}
}

// customShape is spec.service of a CatalogApi that fits its own app.
func customShape() map[string]any {
	return map[string]any{
		"containerPort":   int64(8080),
		"healthCheckPath": "/healthz",
		"cpu":             int64(512),
		"memory":          int64(1024),
		"command":         []any{"./server", "--listen", ":8080"},
		"env":             []any{map[string]any{"name": "LOG_LEVEL", "value": "debug"}},
		"secrets": []any{
			map[string]any{"name": "FLAGS", "valueFrom": goodParameterARN},
			map[string]any{"name": "API_KEY", "valueFrom": goodSecretARN + ":key::"},
		},
		"taskRolePolicyArns":   []any{goodPolicyARN, "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"},
		"enableExecuteCommand": true,
	}
}

// TestCustomAppShape: every spec.service option reaches the resources that
// carry it.
func TestCustomAppShape(t *testing.T) {
	s := testSpec(t, withSpecField("service", customShape()))
	o := observedOf(t, serviceUpstream()...)
	svc := buildService(s, o)
	td := objectByKey[*ecs.TaskDefinition](t, svc, taskDefinitionKeyOf(t, svc))
	c := containerOf(t, td)
	lb := buildLoadBalancer(s, o)
	tg := objectByKey[*elbv2.LBTargetGroup](t, lb, KeyTargetGroup).Spec.ForProvider
	sec := buildSecurity(s, o)
	service := objectByKey[*ecs.Service](t, svc, KeyService).Spec.ForProvider
	checkValues(t, map[string]gotWant{
		"TaskCPU":            {*td.Spec.ForProvider.CPU, "512"},
		"TaskMemory":         {*td.Spec.ForProvider.Memory, "1024"},
		"PortMapping":        {c.PortMappings[0], portMapping{ContainerPort: 8080, HostPort: 8080, Protocol: "tcp"}},
		"Command":            {c.Command, []string{"./server", "--listen", ":8080"}},
		"TargetGroupPort":    {*tg.Port, float64(8080)},
		"HealthCheckPath":    {*tg.HealthCheck.Path, "/healthz"},
		"ServiceLBPort":      {*service.LoadBalancer[0].ContainerPort, float64(8080)},
		"ExecuteCommand":     {*service.EnableExecuteCommand, true},
		"ALBToTasksPort":     {*objectByKey[*ec2.SecurityGroupEgressRule](t, sec, KeyRuleALBToTasks).Spec.ForProvider.FromPort, float64(8080)},
		"TasksFromALBPort":   {*objectByKey[*ec2.SecurityGroupIngressRule](t, sec, KeyRuleTasksFromALB).Spec.ForProvider.ToPort, float64(8080)},
		"AttachedPolicy":     {*objectByKey[*iam.RolePolicyAttachment](t, svc, KeyTaskRolePolicyAttachment(goodPolicyARN)).Spec.ForProvider.PolicyArn, goodPolicyARN},
		"AttachedToTaskRole": {objectByKey[*iam.RolePolicyAttachment](t, svc, KeyTaskRolePolicyAttachment(goodPolicyARN)).Spec.ForProvider.RoleRef.Name, s.ObjectName(KeyTaskRole)},
	})
	want := []containerSecret{
		{Name: "API_KEY", ValueFrom: goodSecretARN + ":key::"},
		{Name: "DB_PASSWORD", ValueFrom: testDBSecretARN + ":password::"},
		{Name: "FLAGS", ValueFrom: goodParameterARN},
	}
	if diff := cmp.Diff(want, c.Secrets); diff != "" {
		t.Errorf("container secrets -want, +got:\n%s", diff)
	}
	exec := parsePolicy(t, "ECS Exec policy", *objectByKey[*iam.RolePolicy](t, svc, KeyTaskRoleExecPolicy).Spec.ForProvider.Policy)
	if got := exec.Statement[0].Action; !slices.Contains(got, "ssmmessages:OpenDataChannel") {
		t.Errorf("ECS Exec policy actions %v lack ssmmessages:OpenDataChannel", got)
	}
}

// TestAppSecretsExactlyOnTheExecutionRole: the execution role may read the
// app's secrets by their exact ARNs (no json key, no wildcard) and nothing
// more than the catalog API's own policy grants otherwise.
func TestAppSecretsExactlyOnTheExecutionRole(t *testing.T) {
	s := testSpec(t, withSpecField("service", customShape()))
	b := buildService(s, observedOf(t, observedDatabase()))
	var got PolicyDocument
	if err := json.Unmarshal([]byte(*objectByKey[*iam.RolePolicy](t, b, KeyExecutionRolePolicy).Spec.ForProvider.Policy), &got); err != nil {
		t.Fatal(err)
	}
	last := got.Statement[len(got.Statement)-2:]
	want := []Statement{
		{Sid: "AppSecrets", Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue"}, Resource: []string{goodSecretARN}},
		{Sid: "AppParameters", Effect: "Allow", Action: []string{"ssm:GetParameters"}, Resource: []string{goodParameterARN}},
	}
	if diff := cmp.Diff(want, last); diff != "" {
		t.Errorf("app secret statements -want, +got:\n%s", diff)
	}
	plain := buildService(testSpec(t), observedOf(t, observedDatabase()))
	doc := *objectByKey[*iam.RolePolicy](t, plain, KeyExecutionRolePolicy).Spec.ForProvider.Policy
	if strings.Contains(doc, "AppSecrets") || strings.Contains(doc, "ssm:") {
		t.Errorf("a CatalogApi without secrets grants app secret reads: %s", doc)
	}
}

// TestDefaultShapeRendersNothingNew: a CatalogApi that sets no app shape
// gets no attachment, no ECS Exec and the catalog API's own sizes.
func TestDefaultShapeRendersNothingNew(t *testing.T) {
	s := testSpec(t)
	b := buildService(s, observedOf(t, serviceUpstream()...))
	for _, k := range renderedKeys(b) {
		if strings.HasPrefix(k, keyTaskRolePolicyAttachmentPfx) || k == KeyTaskRoleExecPolicy {
			t.Errorf("default shape renders %s", k)
		}
	}
	if got := objectByKey[*ecs.Service](t, b, KeyService).Spec.ForProvider.EnableExecuteCommand; got != nil {
		t.Errorf("default shape sets enableExecuteCommand = %v, want it unset", *got)
	}
}

// TestTargetGroupKeepsItsPort: the target group's port is replace-only;
// a changed containerPort reaches the tasks without replacing the group.
func TestTargetGroupKeepsItsPort(t *testing.T) {
	s := testSpec(t, withSpecField("service", map[string]any{"containerPort": int64(8080)}))
	o := observedOf(t, observedResource{key: KeyTargetGroup, spec: map[string]any{"forProvider": map[string]any{"port": float64(3000)}}})
	tg := objectByKey[*elbv2.LBTargetGroup](t, buildLoadBalancer(s, o), KeyTargetGroup).Spec.ForProvider
	if *tg.Port != 3000 {
		t.Errorf("target group port = %v, want the observed 3000", *tg.Port)
	}
}

// TestExecuteCommandSwitchedOff: a service that had ECS Exec gets it set
// off, not left unset.
func TestExecuteCommandSwitchedOff(t *testing.T) {
	o := observedOf(t, append(serviceUpstream(), observedResource{key: KeyService, spec: map[string]any{"forProvider": map[string]any{"enableExecuteCommand": true}}})...)
	b := buildService(testSpec(t), o)
	if got := objectByKey[*ecs.Service](t, b, KeyService).Spec.ForProvider.EnableExecuteCommand; got == nil || *got {
		t.Errorf("enableExecuteCommand = %v, want false", got)
	}
}

// TestEstimateFollowsTheTaskSize: the Fargate lines price the task size of
// spec.service.cpu and memory.
func TestEstimateFollowsTheTaskSize(t *testing.T) {
	e, err := testPrices(t).Estimate(testSpec(t, withSpecField("service", map[string]any{"cpu": int64(4096), "memory": int64(8192)})))
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range e.Items {
		if it.Item == "Fargate Spot vCPU" && it.Quantity.Cmp(n(8)) != 0 {
			t.Errorf("%s: quantity %s, want 8 (2 tasks x 4 vCPU)", it.Item, it.Quantity.RatString())
		}
	}
}

// existingNetworkSpec is spec.network of a stack in an existing network.
func existingNetworkSpec() map[string]any {
	return map[string]any{"existing": map[string]any{
		"vpcId":            "vpc-0123456789abcdef0",
		"privateSubnetIds": []any{"subnet-0000000000000000c", "subnet-0000000000000000d", "subnet-0000000000000000e"},
		"publicSubnetIds":  []any{"subnet-0000000000000000a", "subnet-0000000000000000b"},
	}}
}

// TestExistingNetwork: no network resource is composed; the marker is a
// security group; everything else takes the given IDs.
func TestExistingNetwork(t *testing.T) {
	s := testSpec(t, withSpecField("network", existingNetworkSpec()))
	o := observedOf(t, append(serviceUpstream(), observedDatabase())...)
	net := buildNetwork(s, o)
	if got := renderedKeys(net); !cmp.Equal(got, []string{KeyClaimMarker}) {
		t.Errorf("network part renders %v, want only %s", got, KeyClaimMarker)
	}
	marker := objectByKey[*ec2.SecurityGroup](t, net, KeyClaimMarker).Spec.ForProvider
	sg := objectByKey[*ec2.SecurityGroup](t, buildSecurity(s, o), KeySGTasks).Spec.ForProvider
	lb := objectByKey[*elbv2.LB](t, buildLoadBalancer(s, o), KeyLoadBalancer).Spec.ForProvider
	db := buildDatabase(s, o)
	group := objectByKey[*rds.SubnetGroup](t, db, KeyDBSubnetGroup).Spec.ForProvider
	svc := objectByKey[*ecs.Service](t, buildService(s, o), KeyService).Spec.ForProvider
	checkValues(t, map[string]gotWant{
		"MarkerVPC":        {*marker.VPCID, "vpc-0123456789abcdef0"},
		"MarkerName":       {*marker.Name, "security-group-claim-dev-" + s.UniqueID},
		"SGVPC":            {*sg.VPCID, "vpc-0123456789abcdef0"},
		"SGNoVPCRef":       {sg.VPCIDRef == nil, true},
		"ALBSubnets":       {derefStrings(lb.Subnets), []string{"subnet-0000000000000000c", "subnet-0000000000000000d", "subnet-0000000000000000e"}},
		"ALBNoSubnetRefs":  {len(lb.SubnetRefs), 0},
		"DBSubnets":        {derefStrings(group.SubnetIds), []string{"subnet-0000000000000000c", "subnet-0000000000000000d", "subnet-0000000000000000e"}},
		"ServiceSubnets":   {derefStrings(svc.NetworkConfiguration.Subnets), []string{"subnet-0000000000000000c", "subnet-0000000000000000d", "subnet-0000000000000000e"}},
		"WriterAZUnpinned": {objectByKey[*rds.ClusterInstance](t, db, KeyDBWriter).Spec.ForProvider.AvailabilityZone == nil, true},
		"NoNATCost":        {len(networkCost(s)), 0},
		"ClaimMarkerKey":   {claimMarkerKey(s), KeyClaimMarker},
		"NoFlowLogGroup":   {slices.Contains(LogGroupNames(s), FlowLogGroupName(s)), false},
	})
}

// TestEngineVersionKeptFromTheCluster: a cluster keeps the version it was
// rendered with when the function's default moves on; the spec asks for a
// new one.
func TestEngineVersionKeptFromTheCluster(t *testing.T) {
	rendered := func(v string) observedResource {
		return observedResource{key: KeyDBCluster, spec: map[string]any{"forProvider": map[string]any{"engineVersion": v}}}
	}
	cases := map[string]struct {
		reason   string
		asked    string
		observed []observedResource
		want     string
	}{
		"NewCluster":        {reason: "a new cluster gets the default", want: DefaultEngineVersion},
		"KeptAcrossDefault": {reason: "a cluster rendered with 16.6 stays there", observed: []observedResource{rendered("16.6")}, want: "16.6"},
		"AskedUpgrade":      {reason: "the spec asks for 16.8", asked: "16.8", observed: []observedResource{rendered("16.6")}, want: "16.8"},
		"RunningLater": {reason: "a later minor AWS applied wins", observed: []observedResource{{
			key:  KeyDBCluster,
			spec: map[string]any{"forProvider": map[string]any{"engineVersion": "16.6"}}, atProvider: map[string]any{"engineVersionActual": "16.9"},
		}}, want: "16.9"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			opts := []specOption{}
			if tc.asked != "" {
				opts = append(opts, withSpecField("database", map[string]any{"engineVersion": tc.asked}))
			}
			s := testSpec(t, opts...)
			got := *objectByKey[*rds.Cluster](t, buildDatabase(s, observedOf(t, tc.observed...)), KeyDBCluster).Spec.ForProvider.EngineVersion
			if got != tc.want {
				t.Errorf("%s: engineVersion = %q, want %q", tc.reason, got, tc.want)
			}
		})
	}
}

// customExistingXR is a CatalogApi with its own app shape in an existing
// network.
func customExistingXR() string {
	return `{"apiVersion":"catalog.example.org/v1alpha1","kind":"CatalogApi","metadata":{"name":"catalog-api","namespace":"team-catalog"},` +
		`"spec":{"environmentSuffix":"dev","image":"` + testImage + `",` +
		`"network":{"existing":{"vpcId":"vpc-0123456789abcdef0","privateSubnetIds":["subnet-0000000000000000c","subnet-0000000000000000d"],"publicSubnetIds":["subnet-0000000000000000a","subnet-0000000000000000b"]}},` +
		`"service":{"containerPort":8080,"healthCheckPath":"/healthz","cpu":512,"memory":1024,"command":["./server"],` +
		`"secrets":[{"name":"API_KEY","valueFrom":"` + goodSecretARN + `"}],"taskRolePolicyArns":["` + goodPolicyARN + `"],"enableExecuteCommand":true}}}`
}

// TestCustomShapeInExistingNetworkConverges: played against the simulated
// provider, the stack converges, is Ready, composes no network resource and
// tears down leaving nothing behind.
func TestCustomShapeInExistingNetworkConverges(t *testing.T) {
	states := converge(t, customExistingXR())
	last := states[len(states)-1]
	rsp := run(t, newRequest(customExistingXR(), last))
	if got := rsp.GetDesired().GetComposite().GetReady(); got != fnv1.Ready_READY_TRUE {
		t.Errorf("converged XR readiness = %v, want READY_TRUE", got)
	}
	if keys := networkKeys(last); len(keys) > 0 {
		t.Errorf("a stack in an existing network composed %v", keys)
	}
	for _, k := range []string{KeyClaimMarker, KeyTaskRolePolicyAttachment(goodPolicyARN), KeyTaskRoleExecPolicy} {
		if _, ok := last[k]; !ok {
			t.Errorf("converged stack lacks %s", k)
		}
	}
	objs := make([]*unstructured.Unstructured, 0, len(last))
	for _, k := range sortedKeys(last) {
		objs = append(objs, &unstructured.Unstructured{Object: last[k].GetResource().AsMap()})
	}
	res := providersim.Teardown(objs)
	// Refusals are AWS ordering the teardown itself (retried); nothing may
	// be left behind or stuck.
	if len(res.Leaked)+len(res.Stuck) != 0 {
		t.Errorf("teardown: leaked %v, stuck %v", res.Leaked, res.Stuck)
	}
}

// networkKeys are the keys of network resources among these: none in an
// existing network.
func networkKeys[V any](m map[string]V) []string {
	var out []string
	for _, key := range sortedKeys(m) {
		if key == KeyVPC || strings.HasPrefix(key, keyPrivateSubnetPrefix) || strings.HasPrefix(key, keyPublicSubnetPrefix) || strings.HasPrefix(key, keyNATPrefix) || key == KeyFlowLog {
			out = append(out, key)
		}
	}
	return out
}

// TestCustomShapeIsDeterministic: every render of the custom shape in an
// existing network, phase by phase, gives byte-identical responses (the
// secrets, attachments and subnet lists keep their order).
func TestCustomShapeIsDeterministic(t *testing.T) {
	opts := proto.MarshalOptions{Deterministic: true}
	for i, obs := range converge(t, customExistingXR()) {
		a, errA := opts.Marshal(run(t, newRequest(customExistingXR(), obs)))
		b, errB := opts.Marshal(run(t, newRequest(customExistingXR(), obs)))
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("render %d: two renders of the same request differ (%d vs %d bytes)", i, len(a), len(b))
		}
	}
}
