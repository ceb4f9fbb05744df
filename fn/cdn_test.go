package fn

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	cloudfront "github.com/upbound/provider-aws/v2/apis/namespaced/cloudfront/v1beta1"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"

	"github.com/platform/function-catalog-api/internal/engine"
)

const albDNS = "alb-dev-123456789.eu-north-1.elb.amazonaws.com"

// observedALB is the observed ALB with this DNS name ("" for none yet).
func observedALB(dns string) observedResource {
	atProvider := map[string]any{}
	if dns != "" {
		atProvider["dnsName"] = dns
	}
	return observedResource{key: KeyLoadBalancer, ready: dns != "", atProvider: atProvider}
}

// observedDistribution is the observed distribution with this origin and
// CloudFront status.
func observedDistribution(ready bool, origin, status string) observedResource {
	return observedResource{
		key:   KeyDistribution,
		ready: ready,
		spec: map[string]any{"forProvider": map[string]any{
			"origin": []any{map[string]any{"domainName": origin, "originId": "alb"}},
		}},
		atProvider: map[string]any{"status": status, "domainName": "d111111abcdef8.cloudfront.net"},
	}
}

// distributionOf is the rendered distribution.
func distributionOf(t *testing.T, b engine.Built) (engine.Desired, *cloudfront.Distribution) {
	t.Helper()
	return desiredByKey(t, b, KeyDistribution), objectByKey[*cloudfront.Distribution](t, b, KeyDistribution)
}

func TestCDNGatesOnLoadBalancerDNSName(t *testing.T) {
	cases := map[string]struct {
		observed []observedResource
		// origin is the expected origin domain name; "" means the
		// distribution must not be rendered yet.
		origin string
	}{
		"NothingObserved": {},
		"ALBWithoutDNSName": {
			observed: []observedResource{observedALB("")},
		},
		"ALBDNSNameKnown": {
			observed: []observedResource{observedALB(albDNS)},
			origin:   albDNS,
		},
		"FallBackToObservedOrigin": {
			observed: []observedResource{
				observedALB(""),
				observedDistribution(true, "old.eu-north-1.elb.amazonaws.com", "Deployed"),
			},
			origin: "old.eu-north-1.elb.amazonaws.com",
		},
		"ALBDNSNameWinsOverObservedOrigin": {
			observed: []observedResource{
				observedALB(albDNS),
				observedDistribution(true, "old.eu-north-1.elb.amazonaws.com", "Deployed"),
			},
			origin: albDNS,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := buildCDN(testSpec(t, xrNamed("api", "team")), observedOf(t, tc.observed...))
			if tc.origin == "" {
				if len(b.Resources) != 0 {
					t.Errorf("rendered %v before the ALB's DNS name is known", renderedKeys(b))
				}
				if len(b.Waiting) != 1 {
					t.Errorf("Waiting = %v, want one reason", b.Waiting)
				}
				return
			}
			if len(b.Waiting) != 0 {
				t.Errorf("Waiting = %v, want nothing", b.Waiting)
			}
			_, dist := distributionOf(t, b)
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

func distributionViewOf(d *cloudfront.Distribution) distributionView {
	p := d.Spec.ForProvider
	v := distributionView{
		Enabled: deref(p.Enabled), IPv6: deref(p.IsIPv6Enabled),
		RetainOnDelete: deref(p.RetainOnDelete), WaitForDeployment: deref(p.WaitForDeployment),
		PriceClass: *p.PriceClass, GeoRestriction: *p.Restrictions.GeoRestriction.RestrictionType,
		DefaultCertificate: deref(p.ViewerCertificate.CloudfrontDefaultCertificate),
		LogBucket:          *p.LoggingConfig.Bucket, LogPrefix: *p.LoggingConfig.Prefix,
		LogCookies: deref(p.LoggingConfig.IncludeCookies),
	}
	for _, o := range p.Origin {
		c := o.CustomOriginConfig
		v.Origins = append(v.Origins, originView{
			DomainName: *o.DomainName, ID: *o.OriginID, ProtocolPolicy: *c.OriginProtocolPolicy,
			HTTPPort: deref(c.HTTPPort), HTTPSPort: deref(c.HTTPSPort),
			SSLProtocols: derefStrings(c.OriginSSLProtocols),
		})
	}
	b := p.DefaultCacheBehavior
	v.Behavior = behaviorView{
		Target: *b.TargetOriginID, ViewerProtocol: *b.ViewerProtocolPolicy,
		CachePolicy: *b.CachePolicyID, OriginRequestPolicy: *b.OriginRequestPolicyID,
		Allowed: derefStrings(b.AllowedMethods), Cached: derefStrings(b.CachedMethods),
		Compress: deref(b.Compress),
	}
	return v
}

func TestDistribution(t *testing.T) {
	s := testSpec(t, xrNamed("api", "team"))
	o := observedOf(t, observedALB(albDNS))
	d, dist := distributionOf(t, buildCDN(s, o))
	want := distributionView{
		Enabled: true, IPv6: true, RetainOnDelete: false, WaitForDeployment: false,
		PriceClass: "PriceClass_100", GeoRestriction: "none", DefaultCertificate: true,
		Origins: []originView{{
			DomainName: albDNS, ID: "alb", ProtocolPolicy: "http-only",
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
	if diff := cmp.Diff(want, distributionViewOf(dist)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if d.AWSName != "cdn-dev" {
		t.Errorf("AWSName = %q, want cdn-dev", d.AWSName)
	}
}

// TestDistributionHasNoRegion checks that the rendered distribution carries
// tags but no region: CloudFront is global.
func TestDistributionHasNoRegion(t *testing.T) {
	s := testSpec(t, xrNamed("api", "team"))
	o := observedOf(t, observedALB(albDNS))
	d, _ := distributionOf(t, buildCDN(s, o))
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
		observed []observedResource
		want     resource.Ready
	}{
		"NotObserved":         {observed: nil, want: resource.ReadyFalse},
		"ReadyButInProgress":  {observed: []observedResource{observedDistribution(true, albDNS, "InProgress")}, want: resource.ReadyFalse},
		"DeployedButNotReady": {observed: []observedResource{observedDistribution(false, albDNS, "Deployed")}, want: resource.ReadyFalse},
		"ReadyAndDeployed":    {observed: []observedResource{observedDistribution(true, albDNS, "Deployed")}, want: resource.ReadyTrue},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			o := observedOf(t, append([]observedResource{observedALB(albDNS)}, tc.observed...)...)
			d, _ := distributionOf(t, buildCDN(testSpec(t, xrNamed("api", "team")), o))
			if got := d.ReadyIn(o); got != tc.want {
				t.Errorf("readiness = %v, want %v", got, tc.want)
			}
		})
	}
}
