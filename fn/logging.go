package fn

import (
	cloudwatchlogs "github.com/upbound/provider-aws/v2/apis/namespaced/cloudwatchlogs/v1beta1"
)

// buildLogging renders the access-log bucket and the log groups that are not
// owned by another part.
func buildLogging(s *Spec, _ Observed) Built {
	var b Built
	return b
}

// LogBucketName is the globally unique access-log bucket name.
func LogBucketName(s *Spec) string { return s.Name("access-logs") + "-" + s.UniqueID }

// LogGroupNames lists every CloudWatch log group of the stack.
func LogGroupNames(s *Spec) []string {
	return []string{FlowLogGroupName(s)}
}

// logGroup is a CloudWatch log group with the stack's retention, which can
// always be deleted.
func logGroup(s *Spec, key, name string) Desired {
	return Desired{Key: key, AWSName: name, ExternalName: true, Object: &cloudwatchlogs.Group{
		Spec: cloudwatchlogs.GroupSpec{ForProvider: cloudwatchlogs.GroupParameters{
			RetentionInDays:           f64(s.LogRetentionDays),
			SkipDestroy:               ptr(false),
			DeletionProtectionEnabled: ptr(false),
		}},
	}}
}
