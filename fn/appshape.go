package fn

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/platform/function-catalog-api/apis/v1alpha1"
)

// AppShape is the shape of the app the service runs (spec.service): what
// it listens on, how it is checked, its size, its command and secrets, and
// the AWS permissions of its task role. Every field defaults to the
// catalog API's own shape, so a CatalogApi that sets none renders what it
// always rendered.
type AppShape struct {
	ContainerPort   int
	HealthCheckPath string
	// CPU in CPU units and Memory in MiB: a pair Fargate accepts.
	CPU    int
	Memory int
	// Command replaces the image's CMD; nil keeps it.
	Command []string
	// Secrets are injected by ECS at task start, sorted by name.
	Secrets []v1alpha1.SecretVar
	// TaskRolePolicyARNs are managed policies attached to the task role,
	// in the order given.
	TaskRolePolicyARNs []string
	// ExecuteCommand turns ECS Exec on.
	ExecuteCommand bool
}

// Limits of spec.service's app shape, the same as the XRD's.
const (
	maxHealthCheckPathLength = 1024
	maxTaskRolePolicies      = 10
	maxSecrets               = 50
	maxCommandItems          = 32
	maxPort                  = 65535
)

var (
	healthCheckPathRe = regexp.MustCompile(`^/[A-Za-z0-9/._~%!$&'()*+,;=:@-]*$`)
	// secretsManagerRefRe is an ECS secret reference to Secrets Manager:
	// the full secret ARN, optionally with :json-key:version-stage:version-id.
	secretsManagerRefRe = regexp.MustCompile(`^(arn:aws:secretsmanager:([a-z0-9-]+):[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+)(:[A-Za-z0-9_.-]*:[A-Za-z0-9_.-]*:[A-Za-z0-9_.-]*)?$`)
	// ssmParameterRefRe is the ARN of an SSM parameter.
	ssmParameterRefRe = regexp.MustCompile(`^arn:aws:ssm:([a-z0-9-]+):[0-9]{12}:parameter/[A-Za-z0-9_./-]+$`)
	// iamPolicyARNRe is the ARN of an IAM managed policy: the account's own
	// or AWS's.
	iamPolicyARNRe = regexp.MustCompile(`^arn:aws:iam::(\d{12}|aws):policy/[A-Za-z0-9+=,.@_/-]+$`)
)

// fargateSize is one Fargate task CPU and the memory sizes it runs with,
// in MiB: the first to the last size in steps of step, or, with step 0,
// doubling (cpu 256: 512, 1024, 2048).
type fargateSize struct {
	cpu, from, to, step int
}

// fargateSizes are the task sizes Fargate accepts (Amazon ECS developer
// guide, "Task CPU and memory"), Linux: cpu, first memory, last memory,
// step.
func fargateSizes() []fargateSize {
	return []fargateSize{
		{256, 512, 2048, 0},
		{512, 1024, 4096, 1024},
		{1024, 2048, 8192, 1024},
		{2048, 4096, 16384, 1024},
		{4096, 8192, 30720, 1024},
		{8192, 16384, 61440, 4096},
		{16384, 32768, 122880, 8192},
	}
}

// memory lists the size's memory values.
func (f fargateSize) memory() []int {
	var out []int
	for m := f.from; m <= f.to; {
		out = append(out, m)
		if f.step == 0 {
			m *= 2
		} else {
			m += f.step
		}
	}
	return out
}

// FargateMemoryFor returns the task memory sizes, in MiB, that Fargate
// accepts with this CPU, or nil for a CPU Fargate does not offer. Each call
// returns a fresh slice.
func FargateMemoryFor(cpu int) []int {
	for _, f := range fargateSizes() {
		if f.cpu == cpu {
			return f.memory()
		}
	}
	return nil
}

// FargateCPUs are the task CPU sizes Fargate offers, in CPU units.
func FargateCPUs() []int {
	sizes := fargateSizes()
	out := make([]int, len(sizes))
	for i, f := range sizes {
		out[i] = f.cpu
	}
	return out
}

// fargatePairs lists the valid pairs for an error message.
func fargatePairs() string {
	cpus := FargateCPUs()
	parts := make([]string, 0, len(cpus))
	for _, c := range cpus {
		m := FargateMemoryFor(c)
		parts = append(parts, fmt.Sprintf("cpu %d: memory %d to %d", c, m[0], m[len(m)-1]))
	}
	return strings.Join(parts, "; ") +
		" (in steps of 1024 up to cpu 4096, 4096 for cpu 8192, 8192 for cpu 16384; cpu 256 takes 512, 1024 or 2048)"
}

// applyAppShape defaults and checks the app's shape. It runs after
// applyService, whose env names the secrets must not repeat.
func (s *Spec) applyAppShape(svc *v1alpha1.ServiceSpec, v *validator) {
	if svc == nil {
		svc = &v1alpha1.ServiceSpec{}
	}
	a := AppShape{
		ContainerPort:   int32OrDefault(svc.ContainerPort, DefaultContainerPort),
		HealthCheckPath: orDefault(svc.HealthCheckPath, DefaultHealthCheckPath),
		CPU:             int32OrDefault(svc.CPU, DefaultTaskCPU),
		Memory:          int32OrDefault(svc.Memory, DefaultTaskMemory),
		ExecuteCommand:  svc.EnableExecuteCommand != nil && *svc.EnableExecuteCommand,
	}
	v.intIn("spec.service.containerPort", a.ContainerPort, 1, maxPort)
	if len(a.HealthCheckPath) > maxHealthCheckPathLength || !healthCheckPathRe.MatchString(a.HealthCheckPath) {
		v.fail("spec.service.healthCheckPath", a.HealthCheckPath, "must be an absolute URL path of at most 1024 characters (letters, digits and / . _ ~ % ! $ & ' ( ) * + , ; = : @ -)")
	}
	checkFargateSize(a.CPU, a.Memory, v)
	a.Command = checkCommand(svc.Command, v)
	a.Secrets = checkSecrets(svc.Secrets, s.Env, s.Region, v)
	a.TaskRolePolicyARNs = checkPolicyARNs(svc.TaskRolePolicyArns, v)
	s.App = a
}

// checkFargateSize refuses a CPU or a CPU/memory pair Fargate does not run.
func checkFargateSize(cpu, memory int, v *validator) {
	mem := FargateMemoryFor(cpu)
	switch {
	case mem == nil:
		v.fail("spec.service.cpu", cpu, "must be one of "+joinInts(FargateCPUs()))
	case !slices.Contains(mem, memory):
		v.fail("spec.service.memory", memory, fmt.Sprintf("is not a size Fargate accepts with spec.service.cpu %d; valid pairs: %s", cpu, fargatePairs()))
	}
}

func checkCommand(cmd []string, v *validator) []string {
	if len(cmd) > maxCommandItems {
		v.fail("spec.service.command", len(cmd), fmt.Sprintf("must have at most %d items", maxCommandItems))
	}
	for i, c := range cmd {
		if c == "" {
			v.fail(fmt.Sprintf("spec.service.command[%d]", i), c, "must not be empty")
		}
	}
	return slices.Clone(cmd)
}

// checkSecrets checks each secret's name like an env name (and against
// the env names) and its reference: a Secrets Manager secret or an SSM
// parameter in the stack's region.
func checkSecrets(secrets []v1alpha1.SecretVar, env []v1alpha1.EnvVar, region string, v *validator) []v1alpha1.SecretVar {
	if len(secrets) > maxSecrets {
		v.fail("spec.service.secrets", len(secrets), fmt.Sprintf("must have at most %d items", maxSecrets))
	}
	taken := map[string]string{}
	for i, e := range env {
		taken[e.Name] = fmt.Sprintf("spec.service.env[%d]", i)
	}
	for i, sec := range secrets {
		field := fmt.Sprintf("spec.service.secrets[%d]", i)
		checkSecretName(field+".name", sec.Name, taken, v)
		taken[sec.Name] = field
		checkSecretRef(field+".valueFrom", sec.ValueFrom, region, v)
	}
	out := slices.Clone(secrets)
	slices.SortFunc(out, func(a, b v1alpha1.SecretVar) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func checkSecretName(field, name string, taken map[string]string, v *validator) {
	switch {
	case !envNameRe.MatchString(name):
		v.fail(field, name, "must be a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)")
	case strings.HasPrefix(name, "DB_"):
		v.fail(field, name, "names starting with DB_ are reserved for the database connection")
	case taken[name] != "":
		v.fail(field, name, "must be unique: "+taken[name]+" has it already")
	}
}

func checkSecretRef(field, ref, region string, v *validator) {
	var refRegion string
	if m := secretsManagerRefRe.FindStringSubmatch(ref); m != nil {
		refRegion = m[2]
	} else if m := ssmParameterRefRe.FindStringSubmatch(ref); m != nil {
		refRegion = m[1]
	} else {
		v.fail(field, ref, "must be the ARN of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>, optionally followed by :<json-key>::) or of an SSM parameter (arn:aws:ssm:<region>:<account>:parameter/<name>)")
		return
	}
	if refRegion != region {
		v.fail(field, ref, fmt.Sprintf("must be in the stack's region %s (spec.region): ECS reads secrets in the task's region", region))
	}
}

func checkPolicyARNs(arns []string, v *validator) []string {
	if len(arns) > maxTaskRolePolicies {
		v.fail("spec.service.taskRolePolicyArns", len(arns), fmt.Sprintf("must have at most %d items (IAM's default quota of managed policies per role)", maxTaskRolePolicies))
	}
	seen := map[string]bool{}
	for i, a := range arns {
		field := fmt.Sprintf("spec.service.taskRolePolicyArns[%d]", i)
		switch {
		case !iamPolicyARNRe.MatchString(a):
			v.fail(field, a, "must be the ARN of an IAM managed policy (arn:aws:iam::<account>:policy/<name> or arn:aws:iam::aws:policy/<name>)")
		case seen[a]:
			v.fail(field, a, "must be unique")
		}
		seen[a] = true
	}
	return slices.Clone(arns)
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

// secretARNs splits the app's secret references into the ARNs the
// execution role may read: Secrets Manager secrets (without the json-key
// part, which IAM does not know) and SSM parameters, each sorted and
// unique.
func secretARNs(secrets []v1alpha1.SecretVar) (secretsManager, parameters []string) {
	for _, sec := range secrets {
		if m := secretsManagerRefRe.FindStringSubmatch(sec.ValueFrom); m != nil {
			secretsManager = append(secretsManager, m[1])
		} else {
			parameters = append(parameters, sec.ValueFrom)
		}
	}
	slices.Sort(secretsManager)
	slices.Sort(parameters)
	return slices.Compact(secretsManager), slices.Compact(parameters)
}
