package fn

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	ecs "github.com/upbound/provider-aws/v2/apis/namespaced/ecs/v1beta1"

	"github.com/platform/function-catalog-api/internal/engine"
)

// Properties of the task definition.
const (
	// ContainerStopTimeout is how long ECS waits after SIGTERM before it
	// kills the container. A Fargate Spot interruption sends SIGTERM with a
	// two-minute notice, and Fargate allows at most 120 s; 110 s lets the API
	// drain its requests and still leaves a margin before the capacity is
	// reclaimed.
	ContainerStopTimeout = 110
	// LogStreamPrefix prefixes the tasks' log streams in the app log group.
	LogStreamPrefix = "catalog-api"
	// DatabasePasswordEnv is the variable the database password is
	// injected into, from the RDS-managed secret.
	DatabasePasswordEnv = "DB_PASSWORD"
	// databaseSecretPasswordKey is the JSON key of the password in the
	// secret RDS manages (it holds {"username", "password"}).
	databaseSecretPasswordKey = "password"
)

// The task definition of the service part: what it registers, and the
// inputs it needs from other resources. Its key and its revisions are the
// rollout's (rollout.go).

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
func currentTaskInputs(o engine.Observed) taskInputs {
	in := taskInputs{
		DBHost:      DatabaseEndpoint(o),
		SecretARN:   DatabaseSecretARN(o),
		TaskRoleARN: o.GetString(KeyTaskRole, "status.atProvider.arn"),
	}
	if keys := observedTaskDefinitions(o); len(keys) > 0 {
		in = in.orElse(observedTaskInputs(o, keys[0]))
	}
	return in
}

// observedTaskInputs recovers the inputs from an observed task definition's
// spec: the DB_HOST variable, the secret of DB_PASSWORD and the task role.
func observedTaskInputs(o engine.Observed, key string) taskInputs {
	in := taskInputs{TaskRoleARN: o.GetString(key, "spec.forProvider.taskRoleArn")}
	var defs []containerDefinition
	if err := json.Unmarshal([]byte(o.GetString(key, "spec.forProvider.containerDefinitions")), &defs); err != nil {
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

func newTaskDefinitionContent(s *Spec, in taskInputs) taskDefinitionContent {
	return taskDefinitionContent{
		Family:                  s.Name("catalog-api"),
		CPU:                     strconv.Itoa(s.App.CPU),
		Memory:                  strconv.Itoa(s.App.Memory),
		NetworkMode:             "awsvpc",
		RequiresCompatibilities: []string{"FARGATE"},
		OperatingSystemFamily:   "LINUX",
		CPUArchitecture:         "X86_64",
		ExecutionRole:           ExecutionRoleName(s),
		TaskRoleARN:             in.TaskRoleARN,
		ContainerDefinitions:    containerDefinitionsJSON(s, in),
	}
}

// taskDefinition is the Fargate task definition of the current content.
//
// skipDestroy is true: deleting a TaskDefinition resource leaves its
// revision registered (ACTIVE) in ECS. An INACTIVE (deregistered) revision
// cannot become a service's revision again (AWS DeregisterTaskDefinition),
// so deregistering a superseded revision could break the circuit breaker's
// rollback to it; when a deployment has really ended is more than
// provider-aws can tell (rollout.go). Revisions cost nothing. Deleting the
// stack therefore leaves the family's revisions registered
// (docs/day-2.md, "Task definition revisions").
func taskDefinition(s *Spec, in taskInputs) engine.Desired {
	c := newTaskDefinitionContent(s, in)
	return engine.Desired{Key: c.key(), AWSName: c.Family, OnChange: []engine.ChangeImpact{revisionImpact()}, Object: &ecs.TaskDefinition{
		Spec: ecs.TaskDefinitionSpec{ForProvider: ecs.TaskDefinitionParameters{
			Region:                  new(s.Region),
			Tags:                    s.Tags(c.Family),
			Family:                  new(c.Family),
			CPU:                     new(c.CPU),
			Memory:                  new(c.Memory),
			NetworkMode:             new(c.NetworkMode),
			RequiresCompatibilities: ptrList(c.RequiresCompatibilities...),
			RuntimePlatform: &ecs.RuntimePlatformParameters{
				OperatingSystemFamily: new(c.OperatingSystemFamily),
				CPUArchitecture:       new(c.CPUArchitecture),
			},
			ExecutionRoleArnRef: s.Ref(KeyExecutionRole),
			// taskRoleArn has no reference field in provider-aws: the ARN
			// is read from the observed role.
			TaskRoleArn:          new(c.TaskRoleARN),
			ContainerDefinitions: new(c.ContainerDefinitions),
			SkipDestroy:          new(true),
		}},
	}}
}

// containerDefinition is the part of an ECS container definition the
// function writes (and reads back from an observed task definition).
type containerDefinition struct {
	Name             string            `json:"name"`
	Image            string            `json:"image"`
	Essential        bool              `json:"essential"`
	Command          []string          `json:"command,omitempty"`
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

// databaseEnvCount is the number of DB_* variables every container gets.
const databaseEnvCount = 4

// containerDefinitionsJSON is the task's single container as the JSON
// string the provider takes. Environment variables are sorted by name, as
// AWS returns them, so the string is stable.
//
// There is no container health check: the ALB target group already checks
// /health, and a container health check would run a command (curl, wget)
// inside the image, which minimal images do not have.
func containerDefinitionsJSON(s *Spec, in taskInputs) string {
	env := make([]keyValuePair, 0, databaseEnvCount+len(s.Env))
	env = append(env,
		keyValuePair{Name: "DB_HOST", Value: in.DBHost},
		keyValuePair{Name: "DB_PORT", Value: strconv.Itoa(DatabasePort)},
		keyValuePair{Name: "DB_NAME", Value: s.DatabaseName},
		keyValuePair{Name: "DB_USER", Value: s.MasterUsername},
	)
	for _, e := range s.Env {
		env = append(env, keyValuePair{Name: e.Name, Value: e.Value})
	}
	sort.Slice(env, func(i, j int) bool { return env[i].Name < env[j].Name })
	defs := []containerDefinition{{
		Name:      ContainerName,
		Image:     s.Image,
		Essential: true,
		Command:   s.App.Command,
		// In awsvpc mode the host port must equal the container port.
		PortMappings: []portMapping{{ContainerPort: s.App.ContainerPort, HostPort: s.App.ContainerPort, Protocol: "tcp"}},
		Environment:  env,
		Secrets:      containerSecrets(s, in),
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

// containerSecrets are the database password and the app's own secrets
// (spec.service.secrets), sorted by name as AWS returns them.
func containerSecrets(s *Spec, in taskInputs) []containerSecret {
	out := make([]containerSecret, 0, 1+len(s.App.Secrets))
	out = append(out, containerSecret{Name: DatabasePasswordEnv, ValueFrom: in.SecretARN + secretKeySuffix})
	for _, sec := range s.App.Secrets {
		out = append(out, containerSecret{Name: sec.Name, ValueFrom: sec.ValueFrom})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
