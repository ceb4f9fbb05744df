package fn

import (
	ecs "github.com/upbound/provider-aws/v2/apis/namespaced/ecs/v1beta1"
	iam "github.com/upbound/provider-aws/v2/apis/namespaced/iam/v1beta1"

	"github.com/platform/function-catalog-api/internal/engine"
)

// What spec.service grants beyond the catalog API's own shape: the app's
// secrets on the execution role, managed policies and ECS Exec on the task
// role, and ECS Exec on the service. None of it is rendered unless asked.

// Keys of the task role's grants. An attachment's key carries a hash of
// its policy ARN: the ARN is replace-only, so another policy is another
// resource, and removing one policy from the list leaves the others alone.
const (
	KeyTaskRoleExecPolicy          = "role-policy-task-exec"
	keyTaskRolePolicyAttachmentPfx = "role-policy-attachment-task-"
)

// KeyTaskRolePolicyAttachment is the key of the attachment of this policy.
func KeyTaskRolePolicyAttachment(policyARN string) string {
	return keyTaskRolePolicyAttachmentPfx + shortHash(policyARN)
}

// taskRoleGrants are the task role's managed policy attachments and, with
// ECS Exec, its inline policy. The role has ForceDetachPolicies, so it can
// be deleted before its attachments are gone: no deletion edge is needed.
func taskRoleGrants(s *Spec) []engine.Desired {
	var out []engine.Desired
	for _, arn := range s.App.TaskRolePolicyARNs {
		out = append(out, engine.Desired{Key: KeyTaskRolePolicyAttachment(arn), Object: &iam.RolePolicyAttachment{
			Spec: iam.RolePolicyAttachmentSpec{ForProvider: iam.RolePolicyAttachmentParameters{
				PolicyArn: new(arn),
				RoleRef:   s.Ref(KeyTaskRole),
			}},
		}})
	}
	if s.App.ExecuteCommand {
		out = append(out, inlinePolicy(s, KeyTaskRoleExecPolicy, KeyTaskRole, s.Name("policy-task-exec"), execCommandPolicy()))
	}
	return out
}

// execCommandPolicy is what ECS Exec needs on the task role: the SSM
// agent in the task opens its control and data channels through SSM
// Messages (Amazon ECS developer guide, "Monitor Amazon ECS containers
// with ECS Exec", IAM permissions). These actions have no resource-level
// permissions. The tasks reach SSM Messages over HTTPS, which the tasks'
// security group already allows.
func execCommandPolicy() string {
	st := allow([]string{
		"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
		"ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
	}, "*")
	st.Sid = "EcsExec"
	return policyDocument(st)
}

// withExecuteCommand sets ECS Exec on the service when asked, and sets it
// off again when an observed service had it: left unset, a service that
// had it would keep it.
func withExecuteCommand(d engine.Desired, s *Spec, o engine.Observed) engine.Desired {
	svc, ok := d.Object.(*ecs.Service)
	if ok && (s.App.ExecuteCommand || o.GetBool(KeyService, "spec.forProvider.enableExecuteCommand")) {
		svc.Spec.ForProvider.EnableExecuteCommand = new(s.App.ExecuteCommand)
	}
	return d
}

// appSecretStatements let the execution role read exactly the app's
// secrets: GetSecretValue on each Secrets Manager secret, GetParameters on
// each SSM parameter (what ECS calls at task start). Secrets encrypted
// with a customer managed KMS key also need the key policy to allow the
// role kms:Decrypt; docs/stack.md says so.
func appSecretStatements(s *Spec) []Statement {
	secrets, params := secretARNs(s.App.Secrets)
	var st []Statement
	if len(secrets) > 0 {
		a := allow([]string{"secretsmanager:GetSecretValue"}, secrets...)
		a.Sid = "AppSecrets"
		st = append(st, a)
	}
	if len(params) > 0 {
		a := allow([]string{"ssm:GetParameters"}, params...)
		a.Sid = "AppParameters"
		st = append(st, a)
	}
	return st
}

// targetGroupPort is the target group's port: spec.service.containerPort
// when the group is created, and the observed port afterwards. The port is
// replace-only, and it is only the default of targets registered without
// one: ECS registers every task with the container port of the service's
// load balancer entry, and the health check uses the traffic port, so a
// changed containerPort reaches the targets without replacing the group
// (the listener rule and the service keep pointing at it).
func targetGroupPort(s *Spec, o engine.Observed) int {
	if p, ok := o.GetNumber(KeyTargetGroup, "spec.forProvider.port"); ok && p > 0 {
		return int(p)
	}
	return s.App.ContainerPort
}
