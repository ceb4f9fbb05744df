package fn

import (
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"
	cloudfront "github.com/upbound/provider-aws/v2/apis/namespaced/cloudfront/v1beta1"
)

const lbTestDNS = "alb-dev-123456789.eu-north-1.elb.amazonaws.com"

// lbTestALB is an observed ALB with this DNS name ("" for none yet).
func lbTestALB(dns string) *composed.Unstructured {
	atProvider := map[string]any{}
	if dns != "" {
		atProvider["dnsName"] = dns
	}
	return lbTestObject(dns != "", map[string]any{"status": map[string]any{"atProvider": atProvider}})
}

// lbTestDistribution is an observed distribution with this origin and
// CloudFront status.
func lbTestDistribution(ready bool, origin, status string) *composed.Unstructured {
	return lbTestObject(ready, map[string]any{
		"spec": map[string]any{"forProvider": map[string]any{
			"origin": []any{map[string]any{"domainName": origin, "originId": "alb"}},
		}},
		"status": map[string]any{"atProvider": map[string]any{"status": status, "domainName": "d111111abcdef8.cloudfront.net"}},
	})
}

func lbTestDistributionOf(t *testing.T, b Built) (Desired, *cloudfront.Distribution) {
	t.Helper()
	d, ok := lbTestByKey(t, b)[KeyDistribution]
	if !ok {
		t.Fatalf("%s not rendered", KeyDistribution)
	}
	dist, ok := d.Object.(*cloudfront.Distribution)
	if !ok {
		t.Fatalf("%s is %T, want *cloudfront.Distribution", KeyDistribution, d.Object)
	}
	return d, dist
}

func TestCDNGatesOnLoadBalancerDNSName(t *testing.T) {
	cases := map[string]struct {
		observed map[string]*composed.Unstructured
		// origin is the expected origin domain name; "" means the
		// distribution must not be rendered yet.
		origin string
	}{
		"NothingObserved": {},
		"ALBWithoutDNSName": {
			observed: map[string]*composed.Unstructured{KeyLoadBalancer: lbTestALB("")},
		},
		"ALBDNSNameKnown": {
			observed: map[string]*composed.Unstructured{KeyLoadBalancer: lbTestALB(lbTestDNS)},
			origin:   lbTestDNS,
		},
		"FallBackToObservedOrigin": {
			observed: map[string]*composed.Unstructured{
				KeyLoadBalancer: lbTestALB(""),
				KeyDistribution: lbTestDistribution(true, "old.eu-north-1.elb.amazonaws.com", "Deployed"),
			},
			origin: "old.eu-north-1.elb.amazonaws.com",
		},
		"ALBDNSNameWinsOverObservedOrigin": {
			observed: map[string]*composed.Unstructured{
				KeyLoadBalancer: lbTestALB(lbTestDNS),
				KeyDistribution: lbTestDistribution(true, "old.eu-north-1.elb.amazonaws.com", "Deployed"),
			},
			origin: lbTestDNS,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := buildCDN(lbTestSpec(t, "dev"), lbTestObserved(tc.observed))
			if tc.origin == "" {
				if len(b.Resources) != 0 {
					t.Errorf("rendered %v before the ALB's DNS name is known", lbTestKeys(b))
				}
				if len(b.Waiting) != 1 {
					t.Errorf("Waiting = %v, want one reason", b.Waiting)
				}
				return
			}
			if len(b.Waiting) != 0 {
				t.Errorf("Waiting = %v, want nothing", b.Waiting)
			}
			_, dist := lbTestDistributionOf(t, b)
			if got := *dist.Spec.ForProvider.Origin[0].DomainName; got != tc.origin {
				t.Errorf("origin domainName = %q, want %q", got, tc.origin)
			}
		})
	}
}

// distributionView is what a test checks of the distribution.
type distributionView struct {
	Enabled, IPv6, RetainOnDelete, WaitForDeployment any
	PriceClass, GeoRestriction                       string
	DefaultCertificate                               any
	Origins                                          []originView
	Behavior                                         behaviorView
	LogBucket, LogPrefix                             string
	LogCookies                                       any
}

type originView struct {
	DomainName, ID, ProtocolPolicy string
	HTTPPort, HTTPSPort            any
	SSLProtocols                   []string
}

type behaviorView struct {
	Target, ViewerProtocol, CachePolicy, OriginRequestPolicy string
	Allowed, Cached                                          []string
	Compress                                                 any
}

func lbTestStrings(p []*string) []string {
	out := make([]string, len(p))
	for i, s := range p {
		out[i] = *s
	}
	return out
}

func lbTestDistributionView(d *cloudfront.Distribution) distributionView {
	p := d.Spec.ForProvider
	v := distributionView{
		Enabled: lbTestDeref(p.Enabled), IPv6: lbTestDeref(p.IsIPv6Enabled),
		RetainOnDelete: lbTestDeref(p.RetainOnDelete), WaitForDeployment: lbTestDeref(p.WaitForDeployment),
		PriceClass: *p.PriceClass, GeoRestriction: *p.Restrictions.GeoRestriction.RestrictionType,
		DefaultCertificate: lbTestDeref(p.ViewerCertificate.CloudfrontDefaultCertificate),
		LogBucket:          *p.LoggingConfig.Bucket, LogPrefix: *p.LoggingConfig.Prefix,
		LogCookies: lbTestDeref(p.LoggingConfig.IncludeCookies),
	}
	for _, o := range p.Origin {
		c := o.CustomOriginConfig
		v.Origins = append(v.Origins, originView{
			DomainName: *o.DomainName, ID: *o.OriginID, ProtocolPolicy: *c.OriginProtocolPolicy,
			HTTPPort: lbTestDeref(c.HTTPPort), HTTPSPort: lbTestDeref(c.HTTPSPort),
			SSLProtocols: lbTestStrings(c.OriginSSLProtocols),
		})
	}
	b := p.DefaultCacheBehavior
	v.Behavior = behaviorView{
		Target: *b.TargetOriginID, ViewerProtocol: *b.ViewerProtocolPolicy,
		CachePolicy: *b.CachePolicyID, OriginRequestPolicy: *b.OriginRequestPolicyID,
		Allowed: lbTestStrings(b.AllowedMethods), Cached: lbTestStrings(b.CachedMethods),
		Compress: lbTestDeref(b.Compress),
	}
	return v
}

func TestDistribution(t *testing.T) {
	s := lbTestSpec(t, "dev")
	o := lbTestObserved(map[string]*composed.Unstructured{KeyLoadBalancer: lbTestALB(lbTestDNS)})
	d, dist := lbTestDistributionOf(t, buildCDN(s, o))
	want := distributionView{
		Enabled: true, IPv6: true, RetainOnDelete: false, WaitForDeployment: false,
		PriceClass: "PriceClass_100", GeoRestriction: "none", DefaultCertificate: true,
		Origins: []originView{{
			DomainName: lbTestDNS, ID: "alb", ProtocolPolicy: "http-only",
			HTTPPort: 80.0, HTTPSPort: 443.0, SSLProtocols: []string{"TLSv1.2"},
		}},
		Behavior: behaviorView{
			Target: "alb", ViewerProtocol: "redirect-to-https",
			CachePolicy:         DefaultCachePolicyID,
			OriginRequestPolicy: DefaultOriginRequestPolicyID,
			Allowed:             []string{"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"},
			Cached:              []string{"GET", "HEAD"},
			Compress:            true,
		},
		LogBucket: LogBucketName(s) + ".s3.amazonaws.com", LogPrefix: "cloudfront/", LogCookies: false,
	}
	if diff := cmp.Diff(want, lbTestDistributionView(dist)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if d.AWSName != "cdn-dev" {
		t.Errorf("AWSName = %q, want cdn-dev", d.AWSName)
	}
}

// TestDistributionHasNoRegion checks that the finalized distribution carries
// tags but no region: CloudFront is global.
func TestDistributionHasNoRegion(t *testing.T) {
	s := lbTestSpec(t, "dev")
	o := lbTestObserved(map[string]*composed.Unstructured{KeyLoadBalancer: lbTestALB(lbTestDNS)})
	d, _ := lbTestDistributionOf(t, buildCDN(s, o))
	s.finalize(d)
	RegisterTypes()
	u, err := composed.From(d.Object)
	if err != nil {
		t.Fatalf("composed.From: %v", err)
	}
	if _, err := u.GetValue("spec.forProvider.region"); err == nil {
		t.Errorf("spec.forProvider.region is set on a CloudFront distribution")
	}
	if got, _ := u.GetString("spec.forProvider.tags.Project"); got != TagProject {
		t.Errorf("tags.Project = %q, want %q", got, TagProject)
	}
}

func TestDistributionReadiness(t *testing.T) {
	cases := map[string]struct {
		observed *composed.Unstructured
		want     resource.Ready
	}{
		"NotObserved":         {observed: nil, want: resource.ReadyFalse},
		"ReadyButInProgress":  {observed: lbTestDistribution(true, lbTestDNS, "InProgress"), want: resource.ReadyFalse},
		"DeployedButNotReady": {observed: lbTestDistribution(false, lbTestDNS, "Deployed"), want: resource.ReadyFalse},
		"ReadyAndDeployed":    {observed: lbTestDistribution(true, lbTestDNS, "Deployed"), want: resource.ReadyTrue},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			objs := map[string]*composed.Unstructured{KeyLoadBalancer: lbTestALB(lbTestDNS)}
			if tc.observed != nil {
				objs[KeyDistribution] = tc.observed
			}
			o := lbTestObserved(objs)
			d, _ := lbTestDistributionOf(t, buildCDN(lbTestSpec(t, "dev"), o))
			if got := readiness(d, o); got != tc.want {
				t.Errorf("readiness = %v, want %v", got, tc.want)
			}
		})
	}
}
