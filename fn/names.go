package fn

import (
	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"

	"github.com/platform/function-catalog-api/internal/engine"
)

// Tags every taggable resource carries.
const (
	TagEnvironment = "production"
	TagProject     = "catalog-api"
)

// providerConfigKind is the kind of provider config every composed
// resource uses; its name is Spec.ProviderConfigName.
const providerConfigKind = "ClusterProviderConfig"

// Name is the AWS-side name of a resource type: resource-type-{suffix}.
func (s *Spec) Name(resourceType string) string { return resourceType + "-" + s.Suffix }

// ObjectName is the Kubernetes name of the composed resource with this key.
// It is fixed (not generated) so that builders can reference each other by
// name.
func (s *Spec) ObjectName(key string) string { return engine.ObjectName(s.XRName, key) }

// Ref references the composed resource with this key.
func (s *Spec) Ref(key string) *xpv1.NamespacedReference {
	return &xpv1.NamespacedReference{Name: s.ObjectName(key)}
}

// Refs references the composed resources with these keys, in order.
func (s *Spec) Refs(keys ...string) []xpv1.NamespacedReference {
	out := make([]xpv1.NamespacedReference, len(keys))
	for i, k := range keys {
		out[i] = *s.Ref(k)
	}
	return out
}

// RefAlways references a composed resource and re-resolves the reference on
// every reconcile, for references whose target changes name over time.
func (s *Spec) RefAlways(key string) *xpv1.NamespacedReference {
	always := xpv1.ResolvePolicyAlways
	return &xpv1.NamespacedReference{Name: s.ObjectName(key), Policy: &xpv1.Policy{Resolve: &always}}
}

// Tags returns the tags of a resource with this AWS name: Environment,
// Project and, unless awsName is empty, Name. Every builder of a taggable
// kind sets them; the contract test checks that none is forgotten.
func (s *Spec) Tags(awsName string) map[string]*string {
	t := map[string]*string{
		"Environment": new(TagEnvironment),
		"Project":     new(TagProject),
	}
	if awsName != "" {
		t["Name"] = new(awsName)
	}
	return t
}

// AWS names that more than one part (or the status) uses, each built in
// one place.

// ECSClusterName is the ECS cluster's name.
func ECSClusterName(s *Spec) string { return s.Name("ecs-cluster") }

// ECSServiceName is the ECS service's name.
func ECSServiceName(s *Spec) string { return s.Name("ecs-service") }

// ExecutionRoleName is the name of the IAM role the ECS agent assumes.
func ExecutionRoleName(s *Spec) string { return s.Name("role-task-execution") }

// DBClusterName is the Aurora cluster's identifier.
func DBClusterName(s *Spec) string { return s.Name("aurora-cluster") }

// LogBucketName is the globally unique access-log bucket name
// (Spec.logBucketName). With the suffix limited to MaxSuffixLength
// lowercase characters it is at most 12+20+1+8 = 41 characters, within
// S3's 63.
func LogBucketName(s *Spec) string { return s.LogBucket }

// FlowLogGroupName is the log group VPC flow logs go to.
func FlowLogGroupName(s *Spec) string { return "/aws/vpc/" + s.Name("flow-logs") }

// AppLogGroupName is the log group the ECS tasks' awslogs driver writes to.
func AppLogGroupName(s *Spec) string { return "/aws/ecs/" + ECSServiceName(s) }

// DatabaseLogGroupName is the group RDS itself writes to when the Aurora
// cluster exports its postgresql log. Creating it here lets the stack own its
// retention and delete it with the stack; otherwise RDS would create it with
// unlimited retention and leave it behind.
func DatabaseLogGroupName(s *Spec) string {
	return "/aws/rds/cluster/" + DBClusterName(s) + "/postgresql"
}

// InsightsLogGroupName is the group Container Insights writes the ECS
// cluster's performance events to; pre-creating it has the same reason as
// DatabaseLogGroupName.
func InsightsLogGroupName(s *Spec) string {
	return "/aws/ecs/containerinsights/" + ECSClusterName(s) + "/performance"
}

// LogGroupNames lists every CloudWatch log group of the stack, in a fixed
// order: network, application, database, container insights. A stack in an
// existing network has no flow logs of its own.
func LogGroupNames(s *Spec) []string {
	out := []string{
		FlowLogGroupName(s),
		AppLogGroupName(s),
		DatabaseLogGroupName(s),
		InsightsLogGroupName(s),
	}
	if s.InExistingNetwork() {
		return out[1:]
	}
	return out
}
