package fn

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	ecs "github.com/upbound/provider-aws/v2/apis/namespaced/ecs/v1beta1"
	iam "github.com/upbound/provider-aws/v2/apis/namespaced/iam/v1beta1"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource/composed"

	"github.com/platform/function-catalog-api/internal/engine"
)

// testTaskInputs are the task definition's inputs observedDatabase and
// observedTaskRole report.
func testTaskInputs() taskInputs {
	return taskInputs{testDBEndpoint, testDBSecretARN, testTaskRoleARN}
}

// observedTaskRole is the task role once IAM has created it.
func observedTaskRole() observedResource {
	return observedResource{key: KeyTaskRole, ready: true, atProvider: map[string]any{"arn": testTaskRoleARN}}
}

// serviceUpstream is everything the service part waits for.
func serviceUpstream() []observedResource {
	return []observedResource{
		observedDatabase(), observedTaskRole(), observedReady(KeyListener), observedReady(KeyCapacityProviders),
		observedReady(KeyDBWriter), observedReady(KeyExecutionRolePolicy),
	}
}

// serviceUpstreamWithout is serviceUpstream without the resource with this
// key, or with it observed but not Ready.
func serviceUpstreamWithout(key string, unready bool) []observedResource {
	var out []observedResource
	for _, r := range serviceUpstream() {
		switch {
		case r.key != key:
			out = append(out, r)
		case unready:
			r.ready = false
			out = append(out, r)
		}
	}
	return out
}

// taskDefinitionKeyOf is the key of the one task definition rendered.
func taskDefinitionKeyOf(t *testing.T, b engine.Built) string {
	t.Helper()
	var tds []string
	for _, k := range sortedRenderedKeys(b) {
		if IsTaskDefinitionKey(k) {
			tds = append(tds, k)
		}
	}
	if len(tds) != 1 {
		t.Fatalf("want exactly one task definition, got %v", tds)
	}
	return tds[0]
}

// containerOf decodes the task definition's single container.
func containerOf(t *testing.T, td *ecs.TaskDefinition) containerDefinition {
	t.Helper()
	var defs []containerDefinition
	if err := json.Unmarshal([]byte(*td.Spec.ForProvider.ContainerDefinitions), &defs); err != nil {
		t.Fatalf("containerDefinitions is not JSON: %v", err)
	}
	if len(defs) != 1 {
		t.Fatalf("want one container, got %d", len(defs))
	}
	return defs[0]
}

func TestServicePhases(t *testing.T) {
	always := []string{KeyCapacityProviders, KeyECSCluster, KeyExecutionRole, KeyTaskRole}
	cases := servicePhaseCases()
	s := testSpec(t)
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := buildService(s, observedOf(t, append(tc.observed, observedAccount())...))
			want := slices.Clone(always)
			for _, k := range tc.wantKeys {
				if k == "TD" {
					k = KeyTaskDefinition(newTaskDefinitionContent(s, testTaskInputs()).hash())
				}
				want = append(want, k)
			}
			checkPhase(t, b, tc.reason, want, tc.wantWaiting)
		})
	}
}

// servicePhase is a case of TestServicePhases: what is observed, and what the
// service part renders and waits for.
type servicePhase struct {
	reason      string
	observed    []observedResource
	wantKeys    []string // besides always; "TD" stands for the task definition
	wantWaiting int
}

// servicePhaseCases are the start-order cases of the service part.
func servicePhaseCases() map[string]servicePhase {
	cases := waitingServicePhases()
	maps.Copy(cases, renderedServicePhases())
	return cases
}

// waitingServicePhases are the cases in which the service part waits.
func waitingServicePhases() map[string]servicePhase {
	return map[string]servicePhase{
		"NothingObserved": {
			reason:      "the first render has the cluster and roles and waits for the database and the role ARN",
			wantWaiting: 1,
		},
		"DatabaseWithoutTaskRole": {
			reason:      "the task definition also needs the task role's ARN (taskRoleArn has no reference)",
			observed:    []observedResource{observedDatabase()},
			wantKeys:    []string{KeyExecutionRolePolicy},
			wantWaiting: 1,
		},
		"NoListener": {
			reason:      "ECS rejects a service whose target group has no listener",
			observed:    serviceUpstreamWithout(KeyListener, false),
			wantKeys:    []string{KeyExecutionRolePolicy, "TD"},
			wantWaiting: 1,
		},
		"ListenerNotReady": {
			reason:      "a listener that AWS has not created yet does not count",
			observed:    serviceUpstreamWithout(KeyListener, true),
			wantKeys:    []string{KeyExecutionRolePolicy, "TD"},
			wantWaiting: 1,
		},
		"NoCapacityProviders": {
			reason:      "FARGATE_SPOT must be associated with the cluster before the service uses it",
			observed:    serviceUpstreamWithout(KeyCapacityProviders, false),
			wantKeys:    []string{KeyExecutionRolePolicy, "TD"},
			wantWaiting: 1,
		},
		"WriterNotReady": {
			reason:      "the cluster endpoint exists before the cluster has an instance to serve the tasks",
			observed:    serviceUpstreamWithout(KeyDBWriter, true),
			wantKeys:    []string{KeyExecutionRolePolicy, "TD"},
			wantWaiting: 1,
		},
		"NoWriter": {
			reason:      "no writer instance observed at all",
			observed:    serviceUpstreamWithout(KeyDBWriter, false),
			wantKeys:    []string{KeyExecutionRolePolicy, "TD"},
			wantWaiting: 1,
		},
		"ExecutionPolicyNotReady": {
			reason:      "ECS reads DB_PASSWORD at task start with the execution role, which needs its policy",
			observed:    serviceUpstreamWithout(KeyExecutionRolePolicy, true),
			wantKeys:    []string{KeyExecutionRolePolicy, "TD"},
			wantWaiting: 1,
		},
	}
}

// renderedServicePhases are the cases in which the service is rendered.
func renderedServicePhases() map[string]servicePhase {
	return map[string]servicePhase{
		"ServiceKeptWhenWriterGoesUnready": {
			reason:   "the start order gates the creation only: an existing service is never dropped",
			observed: append(serviceUpstreamWithout(KeyDBWriter, true), observedResource{key: KeyService}),
			wantKeys: []string{KeyExecutionRolePolicy, "TD", KeyService},
		},
		"Everything": {
			reason:   "with the database, role, listener and capacity providers everything renders",
			observed: serviceUpstream(),
			wantKeys: []string{KeyExecutionRolePolicy, "TD", KeyService},
		},
		"ServiceKeptWhenListenerGoesUnready": {
			reason:   "a rendered service is never dropped",
			observed: []observedResource{observedDatabase(), observedTaskRole(), {key: KeyListener}, {key: KeyService}},
			wantKeys: []string{KeyExecutionRolePolicy, "TD", KeyService},
		},
	}
}

// TestServiceWaitsForTheDatabase: the message names the writer instance and
// the execution role's policy, and says why.
func TestServiceWaitsForTheDatabase(t *testing.T) {
	b := buildService(testSpec(t), observedOf(t, append(serviceUpstreamWithout(KeyDBWriter, true),
		observedResource{key: KeyExecutionRolePolicy})...))
	got := strings.Join(b.Waiting, "; ")
	for _, want := range []string{"before creating the ECS service", KeyDBWriter, KeyExecutionRolePolicy, "DB_PASSWORD"} {
		if !strings.Contains(got, want) {
			t.Errorf("waiting messages %q do not contain %q", got, want)
		}
	}
}

func TestServiceWaitingMessageNamesWhatIsMissing(t *testing.T) {
	b := buildService(testSpec(t), engine.Observed{})
	got := strings.Join(b.Waiting, "; ")
	for _, want := range []string{"waiting for the Aurora cluster endpoint and its Secrets Manager secret", "the endpoint of aurora-cluster", "the ARN of role-task"} {
		if !strings.Contains(got, want) {
			t.Errorf("waiting messages %q do not contain %q", got, want)
		}
	}
}

func TestTaskDefinitionValues(t *testing.T) {
	s := testSpec(t)
	b := buildService(s, observedOf(t, serviceUpstream()...))
	td := objectByKey[*ecs.TaskDefinition](t, b, taskDefinitionKeyOf(t, b))
	fp := td.Spec.ForProvider
	checkValues(t, map[string]gotWant{
		"Family":        {*fp.Family, "catalog-api-dev"},
		"CPU":           {*fp.CPU, "1024"},
		"Memory":        {*fp.Memory, "2048"},
		"NetworkMode":   {*fp.NetworkMode, "awsvpc"},
		"Fargate":       {*fp.RequiresCompatibilities[0], "FARGATE"},
		"OS":            {*fp.RuntimePlatform.OperatingSystemFamily, "LINUX"},
		"Architecture":  {*fp.RuntimePlatform.CPUArchitecture, "X86_64"},
		"ExecutionRole": {fp.ExecutionRoleArnRef.Name, s.ObjectName(KeyExecutionRole)},
		"TaskRole":      {*fp.TaskRoleArn, testTaskRoleARN},
		"SkipDestroy":   {*fp.SkipDestroy, true},
	})
}

func TestContainerDefinition(t *testing.T) {
	s := testSpec(t, withSpecField("service", map[string]any{"env": []any{
		map[string]any{"name": "LOG_LEVEL", "value": "info"},
		map[string]any{"name": "CACHE_TTL", "value": "60"},
	}}))
	b := buildService(s, observedOf(t, serviceUpstream()...))
	c := containerOf(t, objectByKey[*ecs.TaskDefinition](t, b, taskDefinitionKeyOf(t, b)))
	want := containerDefinition{
		Name:         "catalog-api",
		Image:        testImage,
		Essential:    true,
		PortMappings: []portMapping{{ContainerPort: 3000, HostPort: 3000, Protocol: "tcp"}},
		Environment: []keyValuePair{
			{Name: "CACHE_TTL", Value: "60"},
			{Name: "DB_HOST", Value: testDBEndpoint},
			{Name: "DB_NAME", Value: "catalog"},
			{Name: "DB_PORT", Value: "5432"},
			{Name: "DB_USER", Value: "catalog_admin"},
			{Name: "LOG_LEVEL", Value: "info"},
		},
		Secrets: []containerSecret{{Name: "DB_PASSWORD", ValueFrom: testDBSecretARN + ":password::"}},
		LogConfiguration: &logConfiguration{LogDriver: "awslogs", Options: map[string]string{
			"awslogs-group":         "/aws/ecs/ecs-service-dev",
			"awslogs-region":        "eu-north-1",
			"awslogs-stream-prefix": "catalog-api",
		}},
		StopTimeout: 110,
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("container definition -want, +got:\n%s", diff)
	}
	if !strings.HasSuffix(c.Secrets[0].ValueFrom, ":password::") {
		t.Errorf("the password must come from the secret's password key, got %q", c.Secrets[0].ValueFrom)
	}
	for _, e := range c.Environment {
		if strings.Contains(strings.ToLower(e.Name), "password") {
			t.Errorf("the password must never be a plain environment variable, got %s", e.Name)
		}
	}
}

func TestTaskDefinitionKey(t *testing.T) {
	in := testTaskInputs()
	base := KeyTaskDefinition(newTaskDefinitionContent(testSpec(t), in).hash())
	cases := map[string]struct {
		reason     string
		opts       []specOption
		in         taskInputs
		wantChange bool
	}{
		"SameSpec": {
			reason: "the same input gives the same key: no spurious new revision",
			in:     in,
		},
		"NewImage": {
			reason:     "a new image needs a new task definition",
			opts:       []specOption{withSpecField("image", "123456789012.dkr.ecr.eu-north-1.amazonaws.com/catalog-api:1.0.1")},
			in:         in,
			wantChange: true,
		},
		"NewEnv": {
			reason:     "a new environment variable needs a new task definition",
			opts:       []specOption{withSpecField("service", map[string]any{"env": []any{map[string]any{"name": "A", "value": "b"}}})},
			in:         in,
			wantChange: true,
		},
		"NewDatabaseEndpoint": {
			reason:     "DB_HOST is part of the container definition",
			in:         taskInputs{"other." + testDBEndpoint, testDBSecretARN, testTaskRoleARN},
			wantChange: true,
		},
		"ScalingChange": {
			reason: "scaling is not part of the task definition",
			opts:   []specOption{withSpecField("scaling", map[string]any{"minTasks": int64(3), "maxTasks": int64(8)})},
			in:     in,
		},
		"DatabaseClassChange": {
			reason: "the instance class is not part of the task definition",
			opts:   []specOption{withSpecField("database", map[string]any{"instanceClass": "db.r6g.large"})},
			in:     in,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := KeyTaskDefinition(newTaskDefinitionContent(testSpec(t, tc.opts...), tc.in).hash())
			if changed := got != base; changed != tc.wantChange {
				t.Errorf("%s: key %s vs base %s: changed=%v, want %v", tc.reason, got, base, changed, tc.wantChange)
			}
			if len(got) != len(keyTaskDefinitionPrefix)+10 {
				t.Errorf("key %q must end in 10 hex characters", got)
			}
		})
	}
}

func TestServiceValues(t *testing.T) {
	s := testSpec(t, withSpecField("scaling", map[string]any{"minTasks": int64(3)}))
	b := buildService(s, observedOf(t, serviceUpstream()...))
	svc := objectByKey[*ecs.Service](t, b, KeyService)
	fp := svc.Spec.ForProvider
	always := xpv1.ResolvePolicyAlways
	checkValues(t, map[string]gotWant{
		"CapacityProviderStrategy":  {fp.CapacityProviderStrategy, []ecs.CapacityProviderStrategyParameters{{CapacityProvider: new("FARGATE_SPOT"), Weight: f64(1)}}},
		"ForceNewDeployment":        {fp.ForceNewDeployment, new(true)},
		"NoLaunchType":              {fp.LaunchType, (*string)(nil)},
		"NoForProviderDesiredCount": {fp.DesiredCount, (*float64)(nil)},
		"InitProviderDesiredCount":  {svc.Spec.InitProvider.DesiredCount, f64(3)},
		"ManagementPolicies": {svc.Spec.ManagementPolicies, xpv1.ManagementPolicies{
			xpv1.ManagementActionObserve, xpv1.ManagementActionCreate, xpv1.ManagementActionUpdate, xpv1.ManagementActionDelete,
		}},
		"TaskDefinitionRefAlways": {fp.TaskDefinitionRef, &xpv1.NamespacedReference{
			Name: s.ObjectName(taskDefinitionKeyOf(t, b)), Policy: &xpv1.Policy{Resolve: &always},
		}},
		"Cluster": {fp.ClusterRef.Name, s.ObjectName(KeyECSCluster)},
		"Network": {fp.NetworkConfiguration, &ecs.ServiceNetworkConfigurationParameters{
			SubnetRefs:        s.Refs(KeyPrivateSubnet(0), KeyPrivateSubnet(1)),
			SecurityGroupRefs: s.Refs(KeySGTasks),
			AssignPublicIP:    new(false),
		}},
		"LoadBalancer": {fp.LoadBalancer, []ecs.LoadBalancerParameters{{
			TargetGroupArnRef: s.Ref(KeyTargetGroup), ContainerName: new("catalog-api"), ContainerPort: f64(3000),
		}}},
		"CircuitBreaker":      {fp.DeploymentCircuitBreaker, &ecs.DeploymentCircuitBreakerParameters{Enable: new(true), Rollback: new(true)}},
		"GracePeriod":         {*fp.HealthCheckGracePeriodSeconds, 60.0},
		"MinHealthy":          {*fp.DeploymentMinimumHealthyPercent, 100.0},
		"MaxPercent":          {*fp.DeploymentMaximumPercent, 200.0},
		"PropagateTags":       {*fp.PropagateTags, "SERVICE"},
		"ForceDelete":         {*fp.ForceDelete, true},
		"WaitsForSteadyState": {*fp.WaitForSteadyState, true},
	})
	if slices.Contains(svc.Spec.ManagementPolicies, xpv1.ManagementActionLateInitialize) {
		t.Error("LateInitialize would copy the live desiredCount back and fight autoscaling")
	}
}

// TestOnDemandBaseTasks: N tasks on FARGATE first (base on the only
// provider that has one, weight 0 so it takes nothing beyond), the rest on
// FARGATE_SPOT; 0 keeps the Spot-only strategy.
func TestOnDemandBaseTasks(t *testing.T) {
	spot := ecs.CapacityProviderStrategyParameters{CapacityProvider: new("FARGATE_SPOT"), Weight: f64(1)}
	cases := map[string]struct {
		onDemand int64
		want     []ecs.CapacityProviderStrategyParameters
	}{
		"Zero": {want: []ecs.CapacityProviderStrategyParameters{spot}},
		"Two": {onDemand: 2, want: []ecs.CapacityProviderStrategyParameters{
			{CapacityProvider: new("FARGATE"), Base: f64(2), Weight: f64(0)}, spot,
		}},
		"AllOfMax": {onDemand: 10, want: []ecs.CapacityProviderStrategyParameters{
			{CapacityProvider: new("FARGATE"), Base: f64(10), Weight: f64(0)}, spot,
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := testSpec(t, withSpecField("service", map[string]any{"onDemandBaseTasks": tc.onDemand}))
			svc := objectByKey[*ecs.Service](t, buildService(s, observedOf(t, serviceUpstream()...)), KeyService)
			if diff := cmp.Diff(tc.want, svc.Spec.ForProvider.CapacityProviderStrategy); diff != "" {
				t.Errorf("capacity provider strategy (-want +got):\n%s", diff)
			}
			withBase := 0
			for _, p := range svc.Spec.ForProvider.CapacityProviderStrategy {
				if p.Base != nil {
					withBase++
				}
			}
			if withBase > 1 {
				t.Errorf("%d providers have a base; ECS allows one", withBase)
			}
		})
	}
}

func TestECSClusterAndCapacityProviders(t *testing.T) {
	s := testSpec(t)
	b := buildService(s, engine.Observed{})
	cluster := objectByKey[*ecs.Cluster](t, b, KeyECSCluster)
	cp := objectByKey[*ecs.ClusterCapacityProviders](t, b, KeyCapacityProviders)
	checkValues(t, map[string]gotWant{
		"ContainerInsights": {cluster.Spec.ForProvider.Setting, []ecs.SettingParameters{{Name: new("containerInsights"), Value: new("enabled")}}},
		"Providers":         {cp.Spec.ForProvider.CapacityProviders, ptrList("FARGATE_SPOT", "FARGATE")},
		"DefaultStrategy": {cp.Spec.ForProvider.DefaultCapacityProviderStrategy, []ecs.DefaultCapacityProviderStrategyParameters{
			{CapacityProvider: new("FARGATE_SPOT"), Weight: f64(1)},
		}},
		"ClusterRef": {cp.Spec.ForProvider.ClusterNameRef.Name, s.ObjectName(KeyECSCluster)},
	})
}

func TestExecutionRolePolicy(t *testing.T) {
	logs := Statement{Sid: "AppLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []string{
		"arn:aws:logs:eu-north-1:*:log-group:/aws/ecs/ecs-service-dev",
		"arn:aws:logs:eu-north-1:*:log-group:/aws/ecs/ecs-service-dev:log-stream:*",
	}}
	secret := Statement{Sid: "DatabaseSecret", Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue"}, Resource: []string{testDBSecretARN}}
	ecrAuth := Statement{Sid: "EcrAuthorizationToken", Effect: "Allow", Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}}
	ecrPull := func(arn string) Statement {
		return Statement{Sid: "EcrPullImage", Effect: "Allow", Action: []string{
			"ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage",
		}, Resource: []string{arn}}
	}
	cases := map[string]struct {
		reason string
		image  string
		want   []Statement
	}{
		"PrivateECR": {
			reason: "image pulls are limited to the image's repository",
			image:  testImage,
			want:   []Statement{ecrAuth, ecrPull("arn:aws:ecr:eu-north-1:123456789012:repository/catalog-api"), logs, secret},
		},
		"NestedRepositoryWithDigest": {
			reason: "a repository path with slashes and a digest",
			image:  "210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/catalog-api@sha256:" + strings.Repeat("a", 64),
			want:   []Statement{ecrAuth, ecrPull("arn:aws:ecr:eu-west-1:210987654321:repository/team/catalog-api"), logs, secret},
		},
		"PublicRegistry": {
			reason: "an image outside ECR needs no ECR permission",
			image:  "ghcr.io/example/catalog-api:1.0.0",
			want:   []Statement{logs, secret},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := testSpec(t, withSpecField("image", tc.image))
			b := buildService(s, observedOf(t, observedDatabase()))
			p := objectByKey[*iam.RolePolicy](t, b, KeyExecutionRolePolicy)
			var got PolicyDocument
			if err := json.Unmarshal([]byte(*p.Spec.ForProvider.Policy), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(PolicyDocument{Version: "2012-10-17", Statement: tc.want}, got); diff != "" {
				t.Errorf("%s: policy -want, +got:\n%s", tc.reason, diff)
			}
			if got, want := p.Spec.ForProvider.RoleRef.Name, s.ObjectName(KeyExecutionRole); got != want {
				t.Errorf("policy attached to %q, want %q", got, want)
			}
		})
	}
}

func TestExecutionRolePolicyFallsBackToObserved(t *testing.T) {
	const observedPolicy = `{"Version":"2012-10-17","Statement":[]}`
	b := buildService(testSpec(t), observedOf(t, observedResource{
		key:  KeyExecutionRolePolicy,
		spec: map[string]any{"forProvider": map[string]any{"policy": observedPolicy}},
	}))
	p := objectByKey[*iam.RolePolicy](t, b, KeyExecutionRolePolicy)
	if diff := cmp.Diff(observedPolicy, *p.Spec.ForProvider.Policy); diff != "" {
		t.Errorf("a rendered policy must stay rendered as observed when the secret ARN is unknown; -want, +got:\n%s", diff)
	}
}

// taskDefinitionAsObserved is a task definition as the function rendered
// it, observed with a creation time.
func taskDefinitionAsObserved(t *testing.T, s *Spec, in taskInputs, created time.Time) observedResource {
	t.Helper()
	d := taskDefinition(s, in)
	RegisterTypes()
	u, err := composed.From(d.Object)
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := u.Object["spec"].(map[string]any)
	return observedResource{key: d.Key, ready: true, spec: spec, created: created}
}

func TestTaskDefinitionFallsBackToObserved(t *testing.T) {
	s := testSpec(t)
	in := testTaskInputs()
	prev := taskDefinitionAsObserved(t, s, in, time.Unix(100, 0))
	// The database, role and service exist but report nothing (for example
	// right after a restore): the task definition must still render, the same.
	b := buildService(s, observedOf(t, prev, observedResource{key: KeyDBCluster}, observedResource{key: KeyService}, observedAccount()))
	if got := taskDefinitionKeyOf(t, b); got != prev.key {
		t.Errorf("task definition key %s, want the observed %s", got, prev.key)
	}
	if len(b.Waiting) != 0 {
		t.Errorf("nothing should be waiting, got %q", b.Waiting)
	}

	// A new image while the database status is missing still makes a new
	// revision, with the observed database values.
	s2 := testSpec(t, withSpecField("image", "nginx:1.27"))
	b2 := buildService(s2, observedOf(t, prev, observedResource{key: KeyService}))
	want := KeyTaskDefinition(newTaskDefinitionContent(s2, in).hash())
	if !slices.Contains(sortedRenderedKeys(b2), want) {
		t.Errorf("want new task definition %s, rendered %v", want, sortedRenderedKeys(b2))
	}
}

func TestOnlyCurrentTaskDefinitionRendered(t *testing.T) {
	in := testTaskInputs()
	old := taskDefinitionAsObserved(t, testSpec(t, withSpecField("image", "nginx:1.25")), in, time.Unix(100, 0))
	prev := taskDefinitionAsObserved(t, testSpec(t, withSpecField("image", "nginx:1.26")), in, time.Unix(200, 0))
	s := testSpec(t, withSpecField("image", "nginx:1.27"))
	current := KeyTaskDefinition(newTaskDefinitionContent(s, in).hash())

	b := buildService(s, observedOf(t, append(serviceUpstream(), old, prev)...))
	if got := taskDefinitionKeyOf(t, b); got != current {
		t.Errorf("rendered task definition %s, want the current %s", got, current)
	}
	svc := objectByKey[*ecs.Service](t, b, KeyService)
	if got, want := svc.Spec.ForProvider.TaskDefinitionRef.Name, s.ObjectName(current); got != want {
		t.Errorf("service references %s, want the current revision %s", got, want)
	}
}

func TestObservedTaskDefinitionsNewestFirst(t *testing.T) {
	in := testTaskInputs()
	a := taskDefinitionAsObserved(t, testSpec(t, withSpecField("image", "nginx:1.25")), in, time.Unix(300, 0))
	b := taskDefinitionAsObserved(t, testSpec(t, withSpecField("image", "nginx:1.26")), in, time.Unix(100, 0))
	got := observedTaskDefinitions(observedOf(t, b, a, observedDatabase()))
	if diff := cmp.Diff([]string{a.key, b.key}, got); diff != "" {
		t.Errorf("observed task definitions, newest first; -want, +got:\n%s", diff)
	}
}

func TestECRRepositoryARN(t *testing.T) {
	cases := map[string]struct {
		image  string
		want   string
		wantOK bool
	}{
		"Tag":       {image: testImage, want: "arn:aws:ecr:eu-north-1:123456789012:repository/catalog-api", wantOK: true},
		"NoTag":     {image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/a/b", want: "arn:aws:ecr:us-east-1:123456789012:repository/a/b", wantOK: true},
		"China":     {image: "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/api:v1", want: "arn:aws-cn:ecr:cn-north-1:123456789012:repository/api", wantOK: true},
		"DockerHub": {image: "nginx:1.27"},
		"PublicECR": {image: "public.ecr.aws/nginx/nginx:1.27"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, ok := ecrRepositoryARN(tc.image)
			if ok != tc.wantOK || got != tc.want {
				t.Errorf("ecrRepositoryARN(%q) = %q, %v; want %q, %v", tc.image, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}
