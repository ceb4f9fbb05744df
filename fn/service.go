package fn

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	xpv2 "github.com/crossplane/crossplane-runtime/v2/apis/common/v2"
	"github.com/crossplane/function-sdk-go/resource"
	ecs "github.com/upbound/provider-aws/v2/apis/namespaced/ecs/v1beta1"
)

// Properties of the ECS service and its task definition.
const (
	// ContainerStopTimeout is how long ECS waits after SIGTERM before it
	// kills the container. A Fargate Spot interruption sends SIGTERM with a
	// two-minute notice, and Fargate allows at most 120 s; 110 s lets the API
	// drain its requests and still leaves a margin before the capacity is
	// reclaimed.
	ContainerStopTimeout = 110
	// HealthCheckGracePeriod is how long the service ignores failing ALB
	// health checks of a new task, so that a slow start is not a failure.
	HealthCheckGracePeriod = 60
	// LogStreamPrefix prefixes the tasks' log streams in the app log group.
	LogStreamPrefix = "catalog-api"
	// DatabasePasswordEnv is the variable the database password is
	// injected into, from the RDS-managed secret.
	DatabasePasswordEnv = "DB_PASSWORD"
	// databaseSecretPasswordKey is the JSON key of the password in the
	// secret RDS manages (it holds {"username", "password"}).
	databaseSecretPasswordKey = "password"
	// tasksPrincipal is the service that assumes the task roles.
	tasksPrincipal = "ecs-tasks.amazonaws.com"
)

// buildService renders the ECS Fargate cluster and its FARGATE_SPOT
// capacity providers, the task execution and task roles, the task
// definition and the service behind the ALB.
//
// Phases: the cluster, capacity providers and roles need nothing observed.
// The execution role's policy needs the database secret's ARN. The task
// definition needs the Aurora endpoint, the secret ARN and the task role's
// ARN. The service needs the task definition, the ALB listener and the
// capacity providers.
func buildService(s *Spec, o Observed) Built {
	var b Built
	b.Add(ecsCluster(s), capacityProviders(s), executionRole(s), taskRole(s))

	in := currentTaskInputs(o)
	// The policy needs only the secret ARN, which the task definition needs
	// too: while it is missing, the task definition's message covers both.
	if p, ok := executionRolePolicy(s, o, in.SecretARN); ok {
		b.Add(p)
	}
	if missing := in.missing(); len(missing) > 0 {
		b.Wait("waiting for the Aurora cluster endpoint and its Secrets Manager secret before granting the task execution role access to the secret and registering the task definition (missing: %s)", strings.Join(missing, ", "))
		return b
	}
	td := taskDefinition(s, in)
	b.Add(td)

	if blockers := serviceBlockers(o); len(blockers) > 0 && !o.Exists(KeyService) {
		b.Wait("waiting for %s before creating the ECS service", strings.Join(blockers, " and "))
		return b
	}
	b.Add(ecsService(s, td.Key))
	return b
}

func ecsCluster(s *Spec) Desired {
	return Desired{Key: KeyECSCluster, AWSName: s.Name("ecs-cluster"), ExternalName: true, Object: &ecs.Cluster{
		Spec: ecs.ClusterSpec{ForProvider: ecs.ClusterParameters{
			Setting: []ecs.SettingParameters{{Name: ptr("containerInsights"), Value: ptr("enabled")}},
		}},
	}}
}

// capacityProviders associates the Fargate capacity providers with the
// cluster; a service can only use FARGATE_SPOT once this exists. FARGATE
// stays available for a manual fallback when Spot capacity is short.
func capacityProviders(s *Spec) Desired {
	return Desired{Key: KeyCapacityProviders, Object: &ecs.ClusterCapacityProviders{
		Spec: ecs.ClusterCapacityProvidersSpec{ForProvider: ecs.ClusterCapacityProvidersParameters{
			ClusterNameRef:    s.Ref(KeyECSCluster),
			CapacityProviders: ptrList(CapacityProvider, "FARGATE"),
			DefaultCapacityProviderStrategy: []ecs.DefaultCapacityProviderStrategyParameters{
				{CapacityProvider: ptr(CapacityProvider), Weight: f64(1)},
			},
		}},
	}}
}

// executionRole is assumed by the ECS agent to pull the image, write the
// logs and read the database secret at task start.
func executionRole(s *Spec) Desired {
	return serviceRole(s, KeyExecutionRole, s.Name("role-task-execution"), tasksPrincipal)
}

// taskRole is assumed by the application itself. It has no policies: the
// API talks to PostgreSQL only and calls no AWS API.
func taskRole(s *Spec) Desired {
	return serviceRole(s, KeyTaskRole, s.Name("role-task"), tasksPrincipal)
}

// executionRolePolicy is the execution role's inline policy. It names the
// database secret, so it is rendered once the secret ARN is known; after
// that, if the ARN is ever missing, the observed policy is rendered as is.
func executionRolePolicy(s *Spec, o Observed, secretARN string) (Desired, bool) {
	doc := o.String(KeyExecutionRolePolicy, "spec.forProvider.policy")
	if secretARN != "" {
		doc = executionPolicyDocument(s, secretARN)
	}
	if doc == "" {
		return Desired{}, false
	}
	return inlinePolicy(s, KeyExecutionRolePolicy, KeyExecutionRole, s.Name("policy-task-execution"), doc), true
}

// executionPolicyDocument grants the least the ECS agent needs.
func executionPolicyDocument(s *Spec, secretARN string) string {
	var st []Statement
	if repo, ok := ecrRepositoryARN(s.Image); ok {
		// ecr:GetAuthorizationToken has no resource-level permissions: AWS
		// only accepts "*" as its resource.
		auth := statement("Allow", []string{"ecr:GetAuthorizationToken"}, "*")
		auth.Sid = "EcrAuthorizationToken"
		// The layer and manifest actions are scoped to the one repository
		// spec.image names, not to every repository of the account.
		pull := statement("Allow", []string{
			"ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage",
		}, repo)
		pull.Sid = "EcrPullImage"
		st = append(st, auth, pull)
	}
	// The awslogs driver creates its streams in, and writes to, the app log
	// group only. CreateLogStream is authorized on the log group,
	// PutLogEvents on the stream.
	group := logGroupARN(s, AppLogGroupName(s))
	logs := statement("Allow", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, group, group+":log-stream:*")
	logs.Sid = "AppLogs"
	// The database password: exactly the RDS-managed secret. It is
	// encrypted with the AWS managed key aws/secretsmanager, whose key
	// policy already lets Secrets Manager decrypt for callers allowed to
	// read the secret, so no kms:Decrypt is needed.
	secret := statement("Allow", []string{"secretsmanager:GetSecretValue"}, secretARN)
	secret.Sid = "DatabaseSecret"
	st = append(st, logs, secret)
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

// taskInputs are the values of the task definition that AWS knows only
// after other resources exist.
type taskInputs struct {
	DBHost      string
	SecretARN   string
	TaskRoleARN string
}

// missing names the inputs that are not known yet.
func (in taskInputs) missing() []string {
	var m []string
	if in.DBHost == "" {
		m = append(m, "the endpoint of "+KeyDBCluster)
	}
	if in.SecretARN == "" {
		m = append(m, "the master user secret ARN of "+KeyDBCluster)
	}
	if in.TaskRoleARN == "" {
		m = append(m, "the ARN of "+KeyTaskRole)
	}
	return m
}

// orElse fills the inputs in that are missing from fallback.
func (in taskInputs) orElse(fallback taskInputs) taskInputs {
	if in.DBHost == "" {
		in.DBHost = fallback.DBHost
	}
	if in.SecretARN == "" {
		in.SecretARN = fallback.SecretARN
	}
	if in.TaskRoleARN == "" {
		in.TaskRoleARN = fallback.TaskRoleARN
	}
	return in
}

// currentTaskInputs reads the inputs from the resources that own them and,
// for any that is missing, from the newest observed task definition, so
// that a task definition once rendered keeps being rendered.
func currentTaskInputs(o Observed) taskInputs {
	in := taskInputs{
		DBHost:      o.DatabaseEndpoint(),
		SecretARN:   o.DatabaseSecretARN(),
		TaskRoleARN: o.String(KeyTaskRole, "status.atProvider.arn"),
	}
	if keys := observedTaskDefinitions(o); len(keys) > 0 {
		in = in.orElse(observedTaskInputs(o, keys[0]))
	}
	return in
}

// observedTaskInputs recovers the inputs from an observed task definition's
// spec: the DB_HOST variable, the secret of DB_PASSWORD and the task role.
func observedTaskInputs(o Observed, key string) taskInputs {
	in := taskInputs{TaskRoleARN: o.String(key, "spec.forProvider.taskRoleArn")}
	var defs []containerDefinition
	if err := json.Unmarshal([]byte(o.String(key, "spec.forProvider.containerDefinitions")), &defs); err != nil {
		return in
	}
	for _, d := range defs {
		if d.Name != ContainerName {
			continue
		}
		for _, e := range d.Environment {
			if e.Name == "DB_HOST" {
				in.DBHost = e.Value
			}
		}
		for _, sec := range d.Secrets {
			if sec.Name == DatabasePasswordEnv {
				in.SecretARN = strings.TrimSuffix(sec.ValueFrom, secretKeySuffix)
			}
		}
	}
	return in
}

// secretKeySuffix selects the password from the secret's JSON in an ECS
// secret reference: <secret-arn>:<json-key>:<version-stage>:<version-id>,
// with the last two empty for the current version.
const secretKeySuffix = ":" + databaseSecretPasswordKey + "::"

// IsTaskDefinitionKey reports whether a composition resource name is one of
// the task definitions. The service part renders only the current one; an
// observed task definition it does not render has been superseded.
func IsTaskDefinitionKey(key string) bool { return strings.HasPrefix(key, keyTaskDefinitionPrefix) }

// observedTaskDefinitions are the keys of the observed task definitions,
// newest first (by creation time, then by key for a stable order).
func observedTaskDefinitions(o Observed) []string {
	var keys []string
	for name, oc := range o {
		if IsTaskDefinitionKey(string(name)) && oc.Resource != nil {
			keys = append(keys, string(name))
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		ti := o[resource.Name(keys[i])].Resource.GetCreationTimestamp()
		tj := o[resource.Name(keys[j])].Resource.GetCreationTimestamp()
		if !ti.Equal(&tj) {
			return tj.Before(&ti)
		}
		return keys[i] < keys[j]
	})
	return keys
}

// taskDefinitionContent is everything a task definition registers. Every
// field of an ECS task definition but tags is replace-only, and the
// provider refuses replace-only updates, so a change of any of these makes
// a new TaskDefinition resource: its key carries a hash of this content.
type taskDefinitionContent struct {
	Family                  string   `json:"family"`
	CPU                     string   `json:"cpu"`
	Memory                  string   `json:"memory"`
	NetworkMode             string   `json:"networkMode"`
	RequiresCompatibilities []string `json:"requiresCompatibilities"`
	OperatingSystemFamily   string   `json:"operatingSystemFamily"`
	CPUArchitecture         string   `json:"cpuArchitecture"`
	ExecutionRole           string   `json:"executionRole"`
	TaskRoleARN             string   `json:"taskRoleArn"`
	ContainerDefinitions    string   `json:"containerDefinitions"`
}

// hash is the first 10 hex characters of the SHA-256 of the content's
// JSON (struct fields marshal in a fixed order).
func (c taskDefinitionContent) hash() string {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // A struct of strings always marshals.
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:10]
}

func newTaskDefinitionContent(s *Spec, in taskInputs) taskDefinitionContent {
	return taskDefinitionContent{
		Family:                  s.Name("catalog-api"),
		CPU:                     TaskCPU,
		Memory:                  TaskMemory,
		NetworkMode:             "awsvpc",
		RequiresCompatibilities: []string{"FARGATE"},
		OperatingSystemFamily:   "LINUX",
		CPUArchitecture:         "X86_64",
		ExecutionRole:           s.Name("role-task-execution"),
		TaskRoleARN:             in.TaskRoleARN,
		ContainerDefinitions:    containerDefinitionsJSON(s, in),
	}
}

// taskDefinition is the Fargate task definition of the current content.
//
// skipDestroy is false: when a superseded TaskDefinition resource is
// deleted, its revision is deregistered (INACTIVE), and deleting the stack
// leaves no ACTIVE revision behind. That is safe for running tasks: AWS
// documents (DeregisterTaskDefinition) that tasks and services using an
// INACTIVE revision keep running and can still scale. What an INACTIVE
// revision cannot do is become a service's revision again, so a superseded
// revision must not be deleted while a deployment may still roll back to
// it; the part only stops rendering it, and when it goes is decided where
// observed-but-unrendered resources are handled (Compose keeps them).
func taskDefinition(s *Spec, in taskInputs) Desired {
	c := newTaskDefinitionContent(s, in)
	return Desired{Key: KeyTaskDefinition(c.hash()), AWSName: c.Family, Object: &ecs.TaskDefinition{
		Spec: ecs.TaskDefinitionSpec{ForProvider: ecs.TaskDefinitionParameters{
			Family:                  ptr(c.Family),
			CPU:                     ptr(c.CPU),
			Memory:                  ptr(c.Memory),
			NetworkMode:             ptr(c.NetworkMode),
			RequiresCompatibilities: ptrList(c.RequiresCompatibilities...),
			RuntimePlatform: &ecs.RuntimePlatformParameters{
				OperatingSystemFamily: ptr(c.OperatingSystemFamily),
				CPUArchitecture:       ptr(c.CPUArchitecture),
			},
			ExecutionRoleArnRef: s.Ref(KeyExecutionRole),
			// taskRoleArn has no reference field in provider-aws: the ARN
			// is read from the observed role.
			TaskRoleArn:          ptr(c.TaskRoleARN),
			ContainerDefinitions: ptr(c.ContainerDefinitions),
			SkipDestroy:          ptr(false),
		}},
	}}
}

// containerDefinition is the part of an ECS container definition the
// function writes (and reads back from an observed task definition).
type containerDefinition struct {
	Name             string            `json:"name"`
	Image            string            `json:"image"`
	Essential        bool              `json:"essential"`
	PortMappings     []portMapping     `json:"portMappings"`
	Environment      []keyValuePair    `json:"environment"`
	Secrets          []containerSecret `json:"secrets"`
	LogConfiguration *logConfiguration `json:"logConfiguration,omitempty"`
	StopTimeout      int               `json:"stopTimeout,omitempty"`
}

type portMapping struct {
	ContainerPort int    `json:"containerPort"`
	HostPort      int    `json:"hostPort"`
	Protocol      string `json:"protocol"`
}

type keyValuePair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// containerSecret is a variable ECS fills from Secrets Manager at task
// start; only the reference is in the task definition.
type containerSecret struct {
	Name      string `json:"name"`
	ValueFrom string `json:"valueFrom"`
}

type logConfiguration struct {
	LogDriver string            `json:"logDriver"`
	Options   map[string]string `json:"options"`
}

// containerDefinitionsJSON is the task's single container as the JSON
// string the provider takes. Environment variables are sorted by name, as
// AWS returns them, so the string is stable.
//
// There is no container health check: the ALB target group already checks
// /health, and a container health check would run a command (curl, wget)
// inside the image, which minimal images do not have.
func containerDefinitionsJSON(s *Spec, in taskInputs) string {
	env := []keyValuePair{
		{Name: "DB_HOST", Value: in.DBHost},
		{Name: "DB_PORT", Value: strconv.Itoa(DatabasePort)},
		{Name: "DB_NAME", Value: s.DatabaseName},
		{Name: "DB_USER", Value: s.MasterUsername},
	}
	for _, e := range s.Env {
		env = append(env, keyValuePair{Name: e.Name, Value: e.Value})
	}
	sort.Slice(env, func(i, j int) bool { return env[i].Name < env[j].Name })
	defs := []containerDefinition{{
		Name:      ContainerName,
		Image:     s.Image,
		Essential: true,
		// In awsvpc mode the host port must equal the container port.
		PortMappings: []portMapping{{ContainerPort: ContainerPort, HostPort: ContainerPort, Protocol: "tcp"}},
		Environment:  env,
		Secrets: []containerSecret{{
			Name:      DatabasePasswordEnv,
			ValueFrom: in.SecretARN + secretKeySuffix,
		}},
		LogConfiguration: &logConfiguration{LogDriver: "awslogs", Options: map[string]string{
			"awslogs-group":         AppLogGroupName(s),
			"awslogs-region":        s.Region,
			"awslogs-stream-prefix": LogStreamPrefix,
		}},
		StopTimeout: ContainerStopTimeout,
	}}
	b, err := json.Marshal(defs)
	if err != nil {
		panic(err) // The types above always marshal.
	}
	return string(b)
}

// serviceBlockers are what AWS needs before it accepts the service: ECS
// rejects a service whose target group has no listener, and a capacity
// provider strategy naming a provider the cluster does not have.
func serviceBlockers(o Observed) []string {
	var w []string
	if !o.Ready(KeyListenerRule) {
		w = append(w, "the ALB listener rule (ECS rejects a target group no listener forwards to)")
	}
	if !o.Ready(KeyCapacityProviders) {
		w = append(w, "the FARGATE_SPOT capacity provider of the ECS cluster")
	}
	return w
}

// serviceManagementPolicies are all management actions but
// LateInitialize. desiredCount is set only in initProvider, at creation;
// with late-initialization the provider would copy the live count into
// forProvider.desiredCount and then reset every count Application Auto
// Scaling sets back to that value. Without it the provider never writes
// desiredCount after creation, and autoscaling owns it.
func serviceManagementPolicies() xpv1.ManagementPolicies {
	return xpv1.ManagementPolicies{
		xpv1.ManagementActionObserve,
		xpv1.ManagementActionCreate,
		xpv1.ManagementActionUpdate,
		xpv1.ManagementActionDelete,
	}
}

// ecsService runs the tasks on FARGATE_SPOT in the private subnets behind
// the ALB target group.
func ecsService(s *Spec, taskDefinitionKey string) Desired {
	return Desired{Key: KeyService, AWSName: s.Name("ecs-service"), ExternalName: true, Object: &ecs.Service{
		Spec: ecs.ServiceSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{ManagementPolicies: serviceManagementPolicies()},
			ForProvider: ecs.ServiceParameters{
				ClusterRef: s.Ref(KeyECSCluster),
				// Resolved on every reconcile: a new task definition has a
				// new key, and the service must move to it.
				TaskDefinitionRef: s.RefAlways(taskDefinitionKey),
				// A capacity provider strategy, never launchType: ECS
				// rejects both together.
				CapacityProviderStrategy: []ecs.CapacityProviderStrategyParameters{
					{CapacityProvider: ptr(CapacityProvider), Weight: f64(1)},
				},
				NetworkConfiguration: &ecs.ServiceNetworkConfigurationParameters{
					SubnetRefs:        s.Refs(KeyPrivateSubnet(0), KeyPrivateSubnet(1)),
					SecurityGroupRefs: s.Refs(KeySGTasks),
					AssignPublicIP:    ptr(false),
				},
				LoadBalancer: []ecs.LoadBalancerParameters{{
					TargetGroupArnRef: s.Ref(KeyTargetGroup),
					ContainerName:     ptr(ContainerName),
					ContainerPort:     f64(ContainerPort),
				}},
				HealthCheckGracePeriodSeconds: f64(HealthCheckGracePeriod),
				DeploymentCircuitBreaker: &ecs.DeploymentCircuitBreakerParameters{
					Enable:   ptr(true),
					Rollback: ptr(true),
				},
				// Rolling deployments start the new tasks before stopping
				// the old ones: capacity never drops below desiredCount.
				DeploymentMinimumHealthyPercent: f64(100),
				DeploymentMaximumPercent:        f64(200),
				PropagateTags:                   ptr("SERVICE"),
				EnableEcsManagedTags:            ptr(true),
				// The stack must be deletable while tasks still run.
				ForceDelete:        ptr(true),
				WaitForSteadyState: ptr(false),
			},
			InitProvider: ecs.ServiceInitParameters{DesiredCount: f64(s.MinTasks)},
		},
	}}
}
