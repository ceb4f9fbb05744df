package fn

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	cloudwatchlogs "github.com/upbound/provider-aws/v2/apis/namespaced/cloudwatchlogs/v1beta1"
	s3 "github.com/upbound/provider-aws/v2/apis/namespaced/s3/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"

	"github.com/platform/function-catalog-api/input/v1beta1"
)

func TestLoggingRendersEverythingOnFirstCall(t *testing.T) {
	b := buildLogging(testSpec(t), nil)
	checkRendersAtOnce(t, b, []string{
		KeyAppLogGroup, KeyDBLogGroup, KeyInsightsLogGroup,
		KeyLogBucket, KeyLogBucketLifecycle, KeyLogBucketPublicAccess,
		KeyLogBucketEncryption, KeyLogBucketOwnership, KeyLogBucketPolicy,
	}, "logging needs no observed values")
}

func TestLogGroupNamesAndRetention(t *testing.T) {
	cases := map[string]struct {
		key           string
		wantName      string
		in            *v1beta1.Input
		wantRetention float64
	}{
		"App": {
			key: KeyAppLogGroup, wantName: "/aws/ecs/ecs-service-dev",
			in: &v1beta1.Input{}, wantRetention: 30,
		},
		"Database": {
			key: KeyDBLogGroup, wantName: "/aws/rds/cluster/aurora-cluster-dev/postgresql",
			in: &v1beta1.Input{}, wantRetention: 30,
		},
		"ContainerInsights": {
			key: KeyInsightsLogGroup, wantName: "/aws/ecs/containerinsights/ecs-cluster-dev/performance",
			in: &v1beta1.Input{}, wantRetention: 30,
		},
		"RetentionFromInput": {
			key: KeyAppLogGroup, wantName: "/aws/ecs/ecs-service-dev",
			in: &v1beta1.Input{LogRetentionDays: new(int32(90))}, wantRetention: 90,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := testSpec(t, withInput(tc.in))
			b := buildLogging(s, nil)
			d := desiredByKey(t, b, tc.key)
			if d.AWSName != tc.wantName || !d.ExternalName {
				t.Errorf("AWSName=%q ExternalName=%v, want %q via external name", d.AWSName, d.ExternalName, tc.wantName)
			}
			g := objectByKey[*cloudwatchlogs.Group](t, b, tc.key)
			fp := g.Spec.ForProvider
			got := []any{*fp.RetentionInDays, *fp.SkipDestroy, *fp.DeletionProtectionEnabled}
			if diff := cmp.Diff([]any{tc.wantRetention, false, false}, got); diff != "" {
				t.Errorf("retention, skipDestroy, deletionProtection (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLogGroupNames(t *testing.T) {
	s := testSpec(t)
	want := []string{
		"/aws/vpc/flow-logs-dev",
		"/aws/ecs/ecs-service-dev",
		"/aws/rds/cluster/aurora-cluster-dev/postgresql",
		"/aws/ecs/containerinsights/ecs-cluster-dev/performance",
	}
	if diff := cmp.Diff(want, LogGroupNames(s)); diff != "" {
		t.Errorf("LogGroupNames (-want +got):\n%s", diff)
	}
}

func TestLogBucketName(t *testing.T) {
	longSuffix := "a" + strings.Repeat("b", MaxSuffixLength-1)
	cases := map[string]struct {
		name, namespace, suffix string
	}{
		"Short":           {name: "catalog", namespace: "default", suffix: "dev"},
		"LongestSuffix":   {name: "catalog", namespace: "team-a", suffix: longSuffix},
		"LongXRNamespace": {name: strings.Repeat("x", 63), namespace: strings.Repeat("n", 63), suffix: "prod-eu-1"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := testSpec(t, xrNamed(tc.name, tc.namespace), withSpecField("environmentSuffix", tc.suffix))
			got := LogBucketName(s)
			if len(got) > 63 || !bucketNameRe.MatchString(got) || strings.Contains(got, "--") {
				t.Errorf("LogBucketName = %q (%d chars): not a valid S3 bucket name", got, len(got))
			}
			if !strings.HasPrefix(got, "access-logs-"+tc.suffix+"-") {
				t.Errorf("LogBucketName = %q, want prefix %q", got, "access-logs-"+tc.suffix+"-")
			}
		})
	}
}

func TestLogBucketNameStability(t *testing.T) {
	a := LogBucketName(testSpec(t, xrNamed("catalog", "team-a")))
	again := LogBucketName(testSpec(t, xrNamed("catalog", "team-a")))
	otherNS := LogBucketName(testSpec(t, xrNamed("catalog", "team-b")))
	if a != again {
		t.Errorf("same XR gave %q then %q", a, again)
	}
	if a == otherNS {
		t.Errorf("different namespaces gave the same bucket name %q", a)
	}
}

func TestLogBucket(t *testing.T) {
	s := testSpec(t)
	b := buildLogging(s, nil)
	d := desiredByKey(t, b, KeyLogBucket)
	if d.AWSName != LogBucketName(s) || !d.ExternalName {
		t.Errorf("AWSName=%q ExternalName=%v, want %q via external name", d.AWSName, d.ExternalName, LogBucketName(s))
	}
	bucket := objectByKey[*s3.Bucket](t, b, KeyLogBucket)
	if fd := bucket.Spec.ForProvider.ForceDestroy; fd == nil || !*fd {
		t.Errorf("forceDestroy = %v, want true", fd)
	}
}

// TestLogBucketSubResourcesReferenceBucket checks every sub-resource points
// at the bucket through bucketRef.
func TestLogBucketSubResourcesReferenceBucket(t *testing.T) {
	s := testSpec(t)
	b := buildLogging(s, nil)
	want := refTo(s, KeyLogBucket)
	cases := map[string]*xpv1.NamespacedReference{
		KeyLogBucketLifecycle:    objectByKey[*s3.BucketLifecycleConfiguration](t, b, KeyLogBucketLifecycle).Spec.ForProvider.BucketRef,
		KeyLogBucketPublicAccess: objectByKey[*s3.BucketPublicAccessBlock](t, b, KeyLogBucketPublicAccess).Spec.ForProvider.BucketRef,
		KeyLogBucketEncryption:   objectByKey[*s3.BucketServerSideEncryptionConfiguration](t, b, KeyLogBucketEncryption).Spec.ForProvider.BucketRef,
		KeyLogBucketOwnership:    objectByKey[*s3.BucketOwnershipControls](t, b, KeyLogBucketOwnership).Spec.ForProvider.BucketRef,
		KeyLogBucketPolicy:       objectByKey[*s3.BucketPolicy](t, b, KeyLogBucketPolicy).Spec.ForProvider.BucketRef,
	}
	for key, got := range cases {
		t.Run(key, func(t *testing.T) {
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("bucketRef (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLogBucketLifecycle(t *testing.T) {
	b := buildLogging(testSpec(t), nil)
	lc := objectByKey[*s3.BucketLifecycleConfiguration](t, b, KeyLogBucketLifecycle)
	want := []s3.BucketLifecycleConfigurationRuleParameters{{
		ID:         new("expire-access-logs"),
		Status:     new("Enabled"),
		Filter:     []s3.RuleFilterParameters{{Prefix: new("")}},
		Expiration: []s3.RuleExpirationParameters{{Days: new(30.0)}},
		AbortIncompleteMultipartUpload: []s3.AbortIncompleteMultipartUploadParameters{{
			DaysAfterInitiation: new(7.0),
		}},
	}}
	if diff := cmp.Diff(want, lc.Spec.ForProvider.Rule); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	// The empty prefix must survive serialization: omitempty drops only a
	// nil pointer, and a filter without prefix would be an empty block.
	raw, err := json.Marshal(lc.Spec.ForProvider.Rule[0].Filter)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(raw); got != `[{"prefix":""}]` {
		t.Errorf("filter JSON = %s, want [{\"prefix\":\"\"}]", got)
	}
}

func TestLogBucketPublicAccessBlock(t *testing.T) {
	b := buildLogging(testSpec(t), nil)
	fp := objectByKey[*s3.BucketPublicAccessBlock](t, b, KeyLogBucketPublicAccess).Spec.ForProvider
	got := map[string]*bool{
		"blockPublicAcls":       fp.BlockPublicAcls,
		"blockPublicPolicy":     fp.BlockPublicPolicy,
		"ignorePublicAcls":      fp.IgnorePublicAcls,
		"restrictPublicBuckets": fp.RestrictPublicBuckets,
	}
	for name, v := range got {
		if v == nil || !*v {
			t.Errorf("%s = %v, want true", name, v)
		}
	}
}

func TestLogBucketEncryption(t *testing.T) {
	b := buildLogging(testSpec(t), nil)
	enc := objectByKey[*s3.BucketServerSideEncryptionConfiguration](t, b, KeyLogBucketEncryption)
	want := []s3.BucketServerSideEncryptionConfigurationRuleParameters{{
		ApplyServerSideEncryptionByDefault: &s3.RuleApplyServerSideEncryptionByDefaultParameters{SseAlgorithm: new("AES256")},
	}}
	if diff := cmp.Diff(want, enc.Spec.ForProvider.Rule); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
}

func TestLogBucketOwnership(t *testing.T) {
	b := buildLogging(testSpec(t), nil)
	oc := objectByKey[*s3.BucketOwnershipControls](t, b, KeyLogBucketOwnership)
	want := &s3.BucketOwnershipControlsRuleParameters{ObjectOwnership: new("BucketOwnerPreferred")}
	if diff := cmp.Diff(want, oc.Spec.ForProvider.Rule); diff != "" {
		t.Errorf("rule (-want +got):\n%s", diff)
	}
}

func TestLogBucketPolicy(t *testing.T) {
	s := testSpec(t)
	b := buildLogging(s, nil)
	pol := objectByKey[*s3.BucketPolicy](t, b, KeyLogBucketPolicy).Spec.ForProvider.Policy
	if pol == nil {
		t.Fatal("policy not set")
	}
	doc := parsePolicy(t, "policy", *pol)
	bucketARN := "arn:aws:s3:::" + LogBucketName(s)
	if doc.Version != "2012-10-17" || len(doc.Statement) != 2 {
		t.Fatalf("policy has version %q and %d statements, want 2012-10-17 and 2:\n%s", doc.Version, len(doc.Statement), *pol)
	}

	cases := map[string]struct {
		index         int
		wantEffect    string
		wantPrincipal any
		wantAction    []string
		wantResource  []string
		wantCondition map[string]map[string]string
	}{
		"ALBAccessLogs": {
			index:         0,
			wantEffect:    "Allow",
			wantPrincipal: map[string]any{"AWS": "arn:aws:iam::897822967062:root"},
			wantAction:    []string{"s3:PutObject"},
			wantResource:  []string{bucketARN + "/alb/AWSLogs/*"},
		},
		"DenyNonTLS": {
			index:         1,
			wantEffect:    "Deny",
			wantPrincipal: "*",
			wantAction:    []string{"s3:*"},
			wantResource:  []string{bucketARN, bucketARN + "/*"},
			wantCondition: map[string]map[string]string{"Bool": {"aws:SecureTransport": "false"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			st := doc.Statement[tc.index]
			if st.Effect != tc.wantEffect {
				t.Errorf("Effect = %q, want %q", st.Effect, tc.wantEffect)
			}
			if diff := cmp.Diff(tc.wantPrincipal, st.Principal); diff != "" {
				t.Errorf("Principal (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantAction, st.Action); diff != "" {
				t.Errorf("Action (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantResource, st.Resource); diff != "" {
				t.Errorf("Resource (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantCondition, st.Condition); diff != "" {
				t.Errorf("Condition (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLogBucketPolicyELBAccountPerRegion checks the principal follows the
// region's ELB account.
func TestLogBucketPolicyELBAccountPerRegion(t *testing.T) {
	cases := map[string]string{
		"eu-north-1": "arn:aws:iam::897822967062:root",
		"eu-west-1":  "arn:aws:iam::156460612806:root",
	}
	for region, want := range cases {
		t.Run(region, func(t *testing.T) {
			s := testSpec(t, withSpecField("region", region))
			if !strings.Contains(logBucketPolicyDocument(s), `"Principal":{"AWS":"`+want+`"}`) {
				t.Errorf("policy %s does not name principal %s", logBucketPolicyDocument(s), want)
			}
		})
	}
}

// TestLoggingRegionAndTags checks what the builders set beyond their own
// fields: every kind gets the region; only the Bucket and the log groups
// have tags (the S3 sub-resources have no tags field).
func TestLoggingRegionAndTags(t *testing.T) {
	s := testSpec(t)
	b := buildLogging(s, nil)
	tagged := map[string]bool{KeyLogBucket: true, KeyAppLogGroup: true, KeyDBLogGroup: true, KeyInsightsLogGroup: true}
	for _, d := range b.Resources {
		t.Run(d.Key, func(t *testing.T) {
			u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(d.Object)
			if err != nil {
				t.Fatal(err)
			}
			fp, _ := u["spec"].(map[string]any)["forProvider"].(map[string]any)
			if fp["region"] != "eu-north-1" {
				t.Errorf("region = %v, want eu-north-1", fp["region"])
			}
			tags, hasTags := fp["tags"].(map[string]any)
			if hasTags != tagged[d.Key] {
				t.Errorf("has tags = %v, want %v", hasTags, tagged[d.Key])
			}
			if hasTags && (tags["Environment"] != "production" || tags["Project"] != "catalog-api") {
				t.Errorf("tags = %v", tags)
			}
		})
	}
}
