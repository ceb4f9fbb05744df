package fn

import (
	"fmt"
	"math/big"
	"regexp"
	"strings"

	ecs "github.com/upbound/provider-aws/v2/apis/namespaced/ecs/v1beta1"
	corev1 "k8s.io/api/core/v1"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	xpv2 "github.com/crossplane/crossplane-runtime/v2/apis/common/v2"

	"github.com/platform/function-catalog-api/internal/engine"
)

// Keys of the service part: composition resource names, stable once released
// (a new key makes Crossplane delete the resource and create a new one).
// The task definitions' keys are the rollout's (rollout.go).
const (
	KeyECSCluster          = "ecs-cluster"
	KeyCapacityProviders   = "ecs-capacity-providers"
	KeyService             = "ecs-service"
	KeyExecutionRole       = "role-task-execution"
	KeyExecutionRolePolicy = "role-policy-task-execution"
	KeyTaskRole            = "role-task"
)

// Properties of the ECS service.
const (
	// HealthCheckGracePeriod is how long the service ignores failing ALB
	// health checks of a new task, so that a slow start is not a failure.
	HealthCheckGracePeriod = 60
	// tasksPrincipal is the service that assumes the task roles.
	tasksPrincipal = "ecs-tasks.amazonaws.com"
)

// buildService renders the ECS Fargate cluster and its FARGATE_SPOT
// capacity providers, the task execution and task roles, the task
// definition (taskdefinition.go) and the service behind the ALB; the
// revisions of earlier task definitions are the rollout's (rollout.go).
//
// Phases: the cluster, capacity providers and roles need nothing observed.
// The execution role's policy needs the database secret's ARN. The task
// definition needs the Aurora endpoint, the secret ARN and the task role's
// ARN. The service needs the task definition, the ALB listener and the
// capacity providers, and a database that can serve its tasks (the Aurora
// writer and the execution role's read of the password secret).
func buildService(s *Spec, o engine.Observed) engine.Built {
	var b engine.Built
	b.Add(ecsCluster(s), capacityProviders(s))
	for _, role := range []struct{ key, name string }{
		{KeyExecutionRole, ExecutionRoleName(s)}, {KeyTaskRole, s.Name("role-task")},
	} {
		if r, ok := tasksRole(s, o, role.key, role.name); ok {
			b.Add(r)
		} else {
			b.Waitf("%s%s", waitingForAccount, role.key)
		}
	}
	b.Add(taskRoleGrants(s)...)

	in := currentTaskInputs(o)
	// The policy needs only the secret ARN, which the task definition needs
	// too: while it is missing, the task definition's message covers both.
	if p, ok := executionRolePolicy(s, o, in.SecretARN); ok {
		b.Add(p)
	}
	current := ""
	if missing := in.missing(); len(missing) > 0 {
		b.Waitf("waiting for the Aurora cluster endpoint and its Secrets Manager secret before granting the task execution role access to the secret and registering the task definition (missing: %s)", strings.Join(missing, ", "))
	} else {
		td := taskDefinition(s, in)
		b.Add(td)
		current = td.Key
	}
	declareRevisions(&b, o, current)
	if current == "" {
		return b
	}
	if blockers := serviceBlockers(o); len(blockers) > 0 && !o.Exists(KeyService) {
		b.Waitf("waiting for %s before creating the ECS service", strings.Join(blockers, " and "))
		return b
	}
	b.Add(withExecuteCommand(inSubnets(ecsService(s, current), s), s, o))
	return b
}

// serviceCost prices the ECS tasks at the service's minimum count: the
// first OnDemandBaseTasks on FARGATE, the rest on FARGATE_SPOT (the
// capacity provider strategy), each of the task definition's size.
func serviceCost(s *Spec) []engine.CostLine {
	onDemand := onDemandTasks(s)
	spot := s.MinTasks - onDemand
	vcpu, gb := taskVCPU(s), taskGB(s)
	return []engine.CostLine{
		{Item: "Fargate vCPU, on-demand", Unit: "vCPU-hour", Quantity: times(onDemand, vcpu), Price: PriceFargateVCPUHour, Hourly: true},
		{Item: "Fargate memory, on-demand", Unit: "GB-hour", Quantity: times(onDemand, gb), Price: PriceFargateGBHour, Hourly: true},
		{Item: "Fargate Spot vCPU", Unit: "vCPU-hour", Quantity: times(spot, vcpu), Price: PriceFargateSpotVCPUHour, Hourly: true},
		{Item: "Fargate Spot memory", Unit: "GB-hour", Quantity: times(spot, gb), Price: PriceFargateSpotGBHour, Hourly: true},
	}
}

// onDemandTasks are the tasks of the minimum count that run on FARGATE:
// ECS satisfies the base first, and never more than run.
func onDemandTasks(s *Spec) int { return min(max(s.OnDemandBaseTasks, 0), s.MinTasks) }

// taskVCPU and taskGB are the task definition's size in the price table's
// units.
func taskVCPU(s *Spec) *big.Rat { return new(big.Rat).Quo(count(s.App.CPU), count(cpuUnitsPerCPU)) }

func taskGB(s *Spec) *big.Rat { return new(big.Rat).Quo(count(s.App.Memory), count(mebibytesPerGB)) }

// ecsCluster has Container Insights on; its log group outlives the cluster,
// which would otherwise create it again with no retention.
func ecsCluster(s *Spec) engine.Desired {
	name := ECSClusterName(s)
	return engine.Desired{Key: KeyECSCluster, AWSName: name, ExternalName: true, Uses: []string{KeyInsightsLogGroup}, Object: &ecs.Cluster{
		Spec: ecs.ClusterSpec{ForProvider: ecs.ClusterParameters{
			Region:  new(s.Region),
			Tags:    s.Tags(name),
			Setting: []ecs.SettingParameters{{Name: new("containerInsights"), Value: new("enabled")}},
		}},
	}}
}

// capacityProviders associates the Fargate capacity providers with the
// cluster; a service can only use FARGATE_SPOT once this exists. FARGATE
// runs spec.service.onDemandBaseTasks, and stays available for a manual
// fallback when Spot capacity is short.
func capacityProviders(s *Spec) engine.Desired {
	return engine.Desired{Key: KeyCapacityProviders, Object: &ecs.ClusterCapacityProviders{
		Spec: ecs.ClusterCapacityProvidersSpec{ForProvider: ecs.ClusterCapacityProvidersParameters{
			Region:            new(s.Region),
			ClusterNameRef:    s.Ref(KeyECSCluster),
			CapacityProviders: ptrList(CapacityProvider, OnDemandCapacityProvider),
			DefaultCapacityProviderStrategy: []ecs.DefaultCapacityProviderStrategyParameters{
				{CapacityProvider: new(CapacityProvider), Weight: f64(1)},
			},
		}},
	}}
}

// tasksRole is a role that ECS tasks assume: the execution role (the ECS
// agent pulls the image, writes the logs and reads the database secret at
// task start with it) and the task role (the application's own; it has no
// policies but those spec.service asks for, taskrole.go: by default the API
// talks to PostgreSQL only and calls no AWS API). ECS tasks of this account
// in this region only: the condition keys and the arn:aws:ecs:<region>:
// <account>:* pattern of the Amazon ECS developer guide ("Task IAM role",
// trust policy; a task's ARN names no cluster a condition could pin).
func tasksRole(s *Spec, o engine.Observed, key, name string) (engine.Desired, bool) {
	return serviceRole(s, o, key, name, tasksPrincipal, s.confined(func(account string) string {
		return "arn:aws:ecs:" + s.Region + ":" + account + ":*"
	}))
}

// executionRolePolicy is the execution role's inline policy. It names the
// database secret, so it is rendered once the secret ARN is known; after
// that, if the ARN is ever missing, the observed policy is rendered as is.
func executionRolePolicy(s *Spec, o engine.Observed, secretARN string) (engine.Desired, bool) {
	doc := o.GetString(KeyExecutionRolePolicy, "spec.forProvider.policy")
	if secretARN != "" {
		doc = executionPolicyDocument(s, secretARN)
	}
	if doc == "" {
		return engine.Desired{}, false
	}
	return inlinePolicy(s, KeyExecutionRolePolicy, KeyExecutionRole, s.Name("policy-task-execution"), doc), true
}

// executionPolicyDocument grants the least the ECS agent needs.
func executionPolicyDocument(s *Spec, secretARN string) string {
	var st []Statement
	if repo, ok := ecrRepositoryARN(s.Image); ok {
		// ecr:GetAuthorizationToken has no resource-level permissions: AWS
		// only accepts "*" as its resource.
		auth := allow([]string{"ecr:GetAuthorizationToken"}, "*")
		auth.Sid = "EcrAuthorizationToken"
		// The layer and manifest actions are scoped to the one repository
		// spec.image names, not to every repository of the account.
		pull := allow([]string{
			"ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage",
		}, repo)
		pull.Sid = "EcrPullImage"
		st = append(st, auth, pull)
	}
	// The awslogs driver creates its streams in, and writes to, the app log
	// group only. CreateLogStream is authorized on the log group,
	// PutLogEvents on the stream.
	group := logGroupARN(s, AppLogGroupName(s))
	logs := allow([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, group, group+":log-stream:*")
	logs.Sid = "AppLogs"
	// The database password: exactly the RDS-managed secret. It is
	// encrypted with the AWS managed key aws/secretsmanager, whose key
	// policy already lets Secrets Manager decrypt for callers allowed to
	// read the secret, so no kms:Decrypt is needed.
	secret := allow([]string{"secretsmanager:GetSecretValue"}, secretARN)
	secret.Sid = "DatabaseSecret"
	st = append(st, logs, secret)
	st = append(st, appSecretStatements(s)...)
	return policyDocument(st...)
}

// ecrImageRe matches a private ECR image: account, region, partition
// suffix and repository (with tag or digest).
var ecrImageRe = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?/([^@]+?)(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?(?:@sha256:[a-f0-9]{64})?$`)

// ecrRepositoryARN returns the ARN of the ECR repository of a private ECR
// image. Images from other registries (Docker Hub, public.ecr.aws, ...) need
// no ECR permission at all, so the policy then grants none.
func ecrRepositoryARN(image string) (string, bool) {
	m := ecrImageRe.FindStringSubmatch(image)
	if m == nil {
		return "", false
	}
	partition := "aws"
	if m[3] != "" {
		partition = "aws-cn"
	}
	return "arn:" + partition + ":ecr:" + m[2] + ":" + m[1] + ":repository/" + m[4], true
}

// serviceBlockers are what must be Ready before the service is created.
// AWS needs two of them: ECS rejects a service whose target group has no
// listener, and a capacity provider strategy naming a provider the cluster
// does not have. The tasks need the other two: the cluster endpoint exists
// (the task definition has it) long before the cluster has an instance to
// serve connections (an Aurora instance takes 10 to 20 minutes), and ECS
// reads DB_PASSWORD at task start with the execution role, which needs its
// policy. Tasks started earlier fail, and the circuit breaker fails the
// first deployment.
func serviceBlockers(o engine.Observed) []string {
	var w []string
	if !o.Ready(KeyListener) {
		w = append(w, "the ALB listener (ECS rejects a target group no listener forwards to)")
	}
	if !o.Ready(KeyCapacityProviders) {
		w = append(w, "the FARGATE_SPOT capacity provider of the ECS cluster")
	}
	if !o.Ready(KeyDBWriter) {
		w = append(w, "the Aurora writer instance "+KeyDBWriter+" (tasks started earlier cannot reach the database)")
	}
	if !o.Ready(KeyExecutionRolePolicy) {
		w = append(w, "the task execution role's policy "+KeyExecutionRolePolicy+" (ECS reads DB_PASSWORD with it when a task starts)")
	}
	return w
}

// withoutLateInitialize are all management actions but LateInitialize:
// the provider never copies what it observes into spec.forProvider. The
// ECS service needs it: desiredCount is set only in initProvider, at creation;
// with late-initialization the provider would copy the live count into
// forProvider.desiredCount and then reset every count Application Auto
// Scaling sets back to that value. Without it the provider never writes
// desiredCount after creation, and autoscaling owns it.
func withoutLateInitialize() xpv1.ManagementPolicies {
	return xpv1.ManagementPolicies{
		xpv1.ManagementActionObserve,
		xpv1.ManagementActionCreate,
		xpv1.ManagementActionUpdate,
		xpv1.ManagementActionDelete,
	}
}

// ecsService runs the tasks on FARGATE_SPOT (after OnDemandBaseTasks on
// FARGATE) in the private subnets behind the ALB target group.
//
// It declares no deletion edge: AWS orders its teardown
// itself, and provider-aws retries what AWS refuses. ECS refuses to delete
// a cluster that has services, and a capacity provider association a
// service uses; ELB refuses to delete a target group a listener forwards
// to; EC2 refuses to delete the private subnets and the tasks
// security group while the tasks' network interfaces are in them
// (DependencyViolation). Deleting the task definition or the execution role
// first loses nothing: running tasks keep both, and the service is being
// deleted. Container Insights' log group outlives the service because it
// outlives the cluster (ecsCluster), which outlives the service.
func ecsService(s *Spec, taskDefinitionKey string) engine.Desired {
	name := ECSServiceName(s)
	return engine.Desired{
		Key: KeyService, AWSName: name, ExternalName: true,
		OnChange: []engine.ChangeImpact{rolloutImpact(name)},
		Readiness: engine.Readiness{
			Hint:        "the ECS service's first deployment has not reached steady state yet (the provider waits for it): check the service's events and the tasks' logs",
			ServingNote: func(o engine.Observed, _ string) string { return serviceReadyNote(o, name, taskDefinitionKey) },
		},
		Object: &ecs.Service{Spec: ecs.ServiceSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{ManagementPolicies: withoutLateInitialize()},
			ForProvider: ecs.ServiceParameters{
				Region:     new(s.Region),
				Tags:       s.Tags(name),
				ClusterRef: s.Ref(KeyECSCluster),
				// Resolved on every reconcile: a new task definition has a
				// new key, and the service must move to it.
				TaskDefinitionRef: s.RefAlways(taskDefinitionKey),
				// A capacity provider strategy, never launchType: ECS
				// rejects both together.
				CapacityProviderStrategy: capacityProviderStrategy(s.OnDemandBaseTasks),
				// ECS applies a changed capacity provider strategy only
				// with a new deployment, and the Terraform provider refuses
				// (or, before 6.x, replaces the service for) a strategy
				// change without force_new_deployment. With it, every
				// update the provider makes starts a deployment.
				ForceNewDeployment: new(true),
				NetworkConfiguration: &ecs.ServiceNetworkConfigurationParameters{
					SecurityGroupRefs: s.Refs(KeySGTasks),
					AssignPublicIP:    new(false),
				},
				LoadBalancer: []ecs.LoadBalancerParameters{{
					TargetGroupArnRef: s.Ref(KeyTargetGroup),
					ContainerName:     new(ContainerName),
					ContainerPort:     f64(s.App.ContainerPort),
				}},
				HealthCheckGracePeriodSeconds: f64(HealthCheckGracePeriod),
				DeploymentCircuitBreaker: &ecs.DeploymentCircuitBreakerParameters{
					Enable:   new(true),
					Rollback: new(true),
				},
				// Rolling deployments start the new tasks before stopping
				// the old ones: capacity never drops below desiredCount.
				DeploymentMinimumHealthyPercent: f64(deploymentMinimumHealthyPercent),
				DeploymentMaximumPercent:        f64(deploymentMaximumPercent),
				PropagateTags:                   new("SERVICE"),
				EnableEcsManagedTags:            new(true),
				// The stack must be deletable while tasks still run.
				ForceDelete: new(true),
				// The provider's create and update end only when ECS
				// reports the deployment successful: the only way
				// provider-aws tells that a deployment has ended
				// (rollout.go, rolloutSettled).
				WaitForSteadyState: new(true),
			},
			InitProvider: ecs.ServiceInitParameters{DesiredCount: f64(s.MinTasks)},
		}},
	}
}

// capacityProviderStrategy runs every task on FARGATE_SPOT, or the first
// onDemand tasks on FARGATE: ECS satisfies the base first (only one provider
// of a strategy may have one), and a provider with weight 0 takes no tasks
// beyond its base.
func capacityProviderStrategy(onDemand int) []ecs.CapacityProviderStrategyParameters {
	spot := ecs.CapacityProviderStrategyParameters{CapacityProvider: new(CapacityProvider), Weight: f64(1)}
	if onDemand == 0 {
		return []ecs.CapacityProviderStrategyParameters{spot}
	}
	return []ecs.CapacityProviderStrategyParameters{
		{CapacityProvider: new(OnDemandCapacityProvider), Base: f64(onDemand), Weight: f64(0)},
		spot,
	}
}

// serviceReadyNote says what provider-aws reports about the service, and
// no more: it reports no task count and no health, only the revision the
// service runs and whether the provider's last deployment of it ended
// successfully.
func serviceReadyNote(o engine.Observed, name, taskDefinitionKey string) string {
	want := o.GetString(taskDefinitionKey, "status.atProvider.arn")
	runs := o.GetString(KeyService, "status.atProvider.taskDefinition")
	if want != "" && rolloutSettled(o, want) {
		return fmt.Sprintf("ECS service %s runs task definition %s: the provider's last deployment of it ended successfully "+
			"(waitForSteadyState); provider-aws does not report task health, check the target group's healthy hosts", name, want)
	}
	if c := o.Condition(KeyService, ConditionLastAsyncOperation); c.Status == corev1.ConditionFalse {
		return fmt.Sprintf("the provider's last deployment of ECS service %s failed (%s): %s", name, c.Reason, c.Message)
	}
	return fmt.Sprintf("ECS service %s is deploying task definition %s; the provider last saw it run %s; superseded revisions are kept until the deployment ends successfully",
		name, orDefault(want, taskDefinitionKey), orDefault(runs, "no revision yet"))
}

// The ECS service's rolling deployment bounds, in percent of desiredCount
// (ECS DeploymentConfiguration): never fewer healthy tasks than desired,
// at most twice as many while old and new run side by side (200 is also
// ECS's default maximum).
const (
	deploymentMinimumHealthyPercent = 100
	deploymentMaximumPercent        = 200
)

// ImpactRollout is the kind of impact of a change that starts a rolling
// deployment of the ECS service.
const ImpactRollout = "rolling-deployment"

// FargateStartMinSeconds and FargateStartMaxSeconds are the time Fargate
// is assumed to take to start a task (ENI, image pull, container start):
// AWS publishes no figure, and it depends on the image size.
const (
	FargateStartMinSeconds = 30
	FargateStartMaxSeconds = 90
)

// Documentation the rolling deployment's impact rests on.
const (
	docECSRolling    = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html"
	docECSDeployment = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html"
	docALBHealth     = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html"
	docALBDeregister = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html#deregistration-delay"
)

// deploymentFields are the ECS service fields whose change starts a new
// deployment: every task is replaced (forceNewDeployment makes every
// update the provider makes one).
func deploymentFields() []engine.ImpactField {
	return []engine.ImpactField{
		{Path: "spec.forProvider.taskDefinition"},
		{Path: "spec.forProvider.networkConfiguration"},
		{Path: "spec.forProvider.capacityProviderStrategy"},
		{Path: "spec.forProvider.loadBalancer"},
		{Path: "spec.forProvider.platformVersion"},
		{Path: "spec.forProvider.forceNewDeployment"},
		{Path: "spec.forProvider.enableExecuteCommand"},
	}
}

// rolloutImpact is the rolling deployment a change of the service's
// deployment fields starts, with how long it usually takes from the values
// the stack renders: the target group's health check and deregistration
// delay (loadbalancer.go) and the task's stop timeout (taskdefinition.go).
func rolloutImpact(name string) engine.ChangeImpact {
	healthy, interval, dereg := healthyThreshold, HealthCheckInterval, deregistrationDelaySeconds
	est := engine.Duration{
		MinSeconds: FargateStartMinSeconds + healthy*interval + dereg,
		MaxSeconds: FargateStartMaxSeconds + (healthy+1)*interval + dereg + ContainerStopTimeout,
		Basis: fmt.Sprintf("Fargate task start %d-%d s (assumed: image pull and ENI, not published by AWS) + ALB health checks %d x %d s (one more interval at worst until the first check) + deregistration delay %d s + up to %d s stop timeout for the old tasks; all values but the first as rendered",
			FargateStartMinSeconds, FargateStartMaxSeconds, healthy, interval, dereg, ContainerStopTimeout),
	}
	return engine.ChangeImpact{
		Kind:    ImpactRollout,
		Fields:  deploymentFields(),
		Summary: fmt.Sprintf("rolling deployment of ECS service %s, usually %s", name, est.Span()),
		Details: []string{
			fmt.Sprintf("ECS replaces every task: with minimum healthy %d %% and maximum %d %% it starts the new tasks next to the old ones, so capacity never drops below the running count", deploymentMinimumHealthyPercent, deploymentMaximumPercent),
			fmt.Sprintf("a new task counts as healthy after %d passing ALB health checks %d s apart; failing checks are ignored for the first %d s (health check grace period)", healthy, interval, HealthCheckGracePeriod),
			fmt.Sprintf("then ECS drains the old tasks: %d s deregistration delay, SIGTERM, at most %d s until SIGKILL", dereg, ContainerStopTimeout),
			"the deployment circuit breaker rolls back to the running revision if the new tasks do not become healthy",
		},
		Estimate:   &est,
		References: []string{docECSRolling, docECSDeployment, docALBHealth, docALBDeregister},
	}
}
