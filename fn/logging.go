package fn

import (
	cloudwatchlogs "github.com/upbound/provider-aws/v2/apis/namespaced/cloudwatchlogs/v1beta1"
	s3 "github.com/upbound/provider-aws/v2/apis/namespaced/s3/v1beta1"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"

	"github.com/platform/function-catalog-api/internal/engine"
)

// Keys of the logging part: composition resource names, stable once released
// (a new key makes Crossplane delete the resource and create a new one).
const (
	KeyAppLogGroup           = "log-group-app"
	KeyInsightsLogGroup      = "log-group-container-insights"
	KeyDBLogGroup            = "log-group-database"
	KeyLogBucket             = "bucket-access-logs"
	KeyLogBucketLifecycle    = "bucket-access-logs-lifecycle"
	KeyLogBucketPublicAccess = "bucket-access-logs-public-access-block"
	KeyLogBucketEncryption   = "bucket-access-logs-encryption"
	KeyLogBucketOwnership    = "bucket-access-logs-ownership"
	KeyLogBucketPolicy       = "bucket-access-logs-policy"
)

// Access-log bucket settings.
const (
	// AccessLogExpirationDays is how long access logs are kept.
	AccessLogExpirationDays = 30
	// AccessLogAbortUploadDays cleans up multipart uploads that never
	// finished, which would otherwise be stored (and billed) forever.
	AccessLogAbortUploadDays = 7
	// AccessLogPrefixALB is the key prefix the load balancer writes its
	// access logs under; the bucket policy only allows writes below it.
	AccessLogPrefixALB = "alb"
)

// buildLogging renders the access-log bucket and the log groups that are not
// owned by another part. Nothing here depends on observed values, so all of
// it is rendered on the first call.
func buildLogging(s *Spec, _ engine.Observed) engine.Built {
	var b engine.Built
	b.Add(
		logGroup(s, KeyAppLogGroup, AppLogGroupName(s)),
		logGroup(s, KeyDBLogGroup, DatabaseLogGroupName(s)),
		logGroup(s, KeyInsightsLogGroup, InsightsLogGroupName(s)),
	)
	b.Add(
		logBucket(s),
		logBucketLifecycle(s),
		logBucketPublicAccessBlock(s),
		logBucketEncryption(s),
		logBucketOwnership(s),
		logBucketPolicy(s),
	)
	return b
}

// logGroup is a CloudWatch log group with the stack's retention, which can
// always be deleted.
func logGroup(s *Spec, key, name string) engine.Desired {
	return engine.Desired{Key: key, AWSName: name, ExternalName: true, Object: &cloudwatchlogs.Group{
		Spec: cloudwatchlogs.GroupSpec{ForProvider: cloudwatchlogs.GroupParameters{
			Region:                    new(s.Region),
			Tags:                      s.Tags(name),
			RetentionInDays:           f64(s.LogRetentionDays),
			SkipDestroy:               new(false),
			DeletionProtectionEnabled: new(false),
		}},
	}}
}

// logBucket is the S3 bucket that the ALB and CloudFront write access logs
// to. The S3 Bucket takes its name from the external-name annotation.
func logBucket(s *Spec) engine.Desired {
	name := LogBucketName(s)
	return engine.Desired{Key: KeyLogBucket, AWSName: name, ExternalName: true, Object: &s3.Bucket{
		Spec: s3.BucketSpec{ForProvider: s3.BucketParameters{
			Region: new(s.Region),
			Tags:   s.Tags(name),
			// The stack must be destroyable although the bucket holds logs.
			ForceDestroy: new(true),
		}},
	}}
}

// bucketRef references the access-log bucket from its sub-resources.
func bucketRef(s *Spec) *xpv1.NamespacedReference { return s.Ref(KeyLogBucket) }

// logBucketLifecycle expires every access log after AccessLogExpirationDays.
// lifecycleFilterPrefix is the rule's filter prefix, rendered as "" on
// purpose (see below).
const lifecycleFilterPrefix = "spec.forProvider.rule[0].filter[0].prefix"

func logBucketLifecycle(s *Spec) engine.Desired {
	return engine.Desired{Key: KeyLogBucketLifecycle, EmptyStrings: []string{lifecycleFilterPrefix}, Object: &s3.BucketLifecycleConfiguration{
		Spec: s3.BucketLifecycleConfigurationSpec{ForProvider: s3.BucketLifecycleConfigurationParameters{
			Region:    new(s.Region),
			BucketRef: bucketRef(s),
			Rule: []s3.BucketLifecycleConfigurationRuleParameters{{
				ID:     new("expire-access-logs"),
				Status: new("Enabled"),
				// An explicit empty prefix selects every object; the
				// Terraform resource under the provider rejects or warns on
				// a rule with neither filter nor prefix.
				Filter:     []s3.RuleFilterParameters{{Prefix: new("")}},
				Expiration: []s3.RuleExpirationParameters{{Days: f64(AccessLogExpirationDays)}},
				AbortIncompleteMultipartUpload: []s3.AbortIncompleteMultipartUploadParameters{{
					DaysAfterInitiation: f64(AccessLogAbortUploadDays),
				}},
			}},
		}},
	}}
}

// logBucketPublicAccessBlock blocks every form of public access.
func logBucketPublicAccessBlock(s *Spec) engine.Desired {
	return engine.Desired{Key: KeyLogBucketPublicAccess, Object: &s3.BucketPublicAccessBlock{
		Spec: s3.BucketPublicAccessBlockSpec{ForProvider: s3.BucketPublicAccessBlockParameters{
			Region:                new(s.Region),
			BucketRef:             bucketRef(s),
			BlockPublicAcls:       new(true),
			BlockPublicPolicy:     new(true),
			IgnorePublicAcls:      new(true),
			RestrictPublicBuckets: new(true),
		}},
	}}
}

// logBucketEncryption uses SSE-S3: ALB access logs support no other
// server-side encryption (not SSE-KMS).
func logBucketEncryption(s *Spec) engine.Desired {
	return engine.Desired{Key: KeyLogBucketEncryption, Object: &s3.BucketServerSideEncryptionConfiguration{
		Spec: s3.BucketServerSideEncryptionConfigurationSpec{ForProvider: s3.BucketServerSideEncryptionConfigurationParameters{
			Region:    new(s.Region),
			BucketRef: bucketRef(s),
			Rule: []s3.BucketServerSideEncryptionConfigurationRuleParameters{{
				ApplyServerSideEncryptionByDefault: &s3.RuleApplyServerSideEncryptionByDefaultParameters{
					SseAlgorithm: new("AES256"),
				},
			}},
		}},
	}}
}

// logBucketOwnership enables ACLs (BucketOwnerPreferred instead of the
// default BucketOwnerEnforced): CloudFront standard (legacy) logging writes
// its log files with an ACL and fails on a bucket with ACLs disabled.
func logBucketOwnership(s *Spec) engine.Desired {
	return engine.Desired{Key: KeyLogBucketOwnership, Object: &s3.BucketOwnershipControls{
		Spec: s3.BucketOwnershipControlsSpec{ForProvider: s3.BucketOwnershipControlsParameters{
			Region:    new(s.Region),
			BucketRef: bucketRef(s),
			Rule:      &s3.BucketOwnershipControlsRuleParameters{ObjectOwnership: new("BucketOwnerPreferred")},
		}},
	}}
}

// logBucketPolicy lets the region's ELB account write ALB access logs and
// denies every request that does not use TLS.
func logBucketPolicy(s *Spec) engine.Desired {
	return engine.Desired{Key: KeyLogBucketPolicy, Object: &s3.BucketPolicy{
		Spec: s3.BucketPolicySpec{ForProvider: s3.BucketPolicyParameters{
			Region:    new(s.Region),
			BucketRef: bucketRef(s),
			Policy:    new(logBucketPolicyDocument(s)),
		}},
	}}
}

// logBucketPolicyDocument is the access-log bucket's policy JSON.
//
// ALB access logs: in regions opened before August 2022 (eu-north-1
// included) the load balancer writes as the region's Elastic Load Balancing
// account, which the policy names as arn:aws:iam::<elb-account>:root; the
// object key is <prefix>/AWSLogs/<account-id>/... .
func logBucketPolicyDocument(s *Spec) string {
	bucketARN := "arn:aws:s3:::" + LogBucketName(s)
	return policyDocument(
		Statement{
			Sid:       "AllowALBAccessLogs",
			Effect:    "Allow",
			Principal: &Principal{AWS: "arn:aws:iam::" + s.RegionFacts.ELBAccountID + ":root"},
			Action:    []string{"s3:PutObject"},
			Resource:  []string{bucketARN + "/" + AccessLogPrefixALB + "/AWSLogs/*"},
		},
		Statement{
			Sid:       "DenyInsecureTransport",
			Effect:    "Deny",
			Principal: "*",
			Action:    []string{"s3:*"},
			Resource:  []string{bucketARN, bucketARN + "/*"},
			Condition: Condition{"Bool": {"aws:SecureTransport": "false"}},
		},
	)
}
