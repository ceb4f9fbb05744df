package fn

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	cloudfront "github.com/upbound/provider-aws/v2/apis/namespaced/cloudfront/v1beta1"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"

	"github.com/platform/function-catalog-api/input/v1beta1"
	"github.com/platform/function-catalog-api/internal/engine"
)

const (
	albDNS      = "internal-alb-int-dev-123456789.eu-north-1.elb.amazonaws.com"
	vpcOriginID = "vo_0123456789abcdef012345"
)

// observedALB is the observed ALB with this DNS name ("" for none yet).
func observedALB(dns string) observedResource {
	atProvider := map[string]any{}
	if dns != "" {
		atProvider["dnsName"] = dns
	}
	return observedResource{key: KeyLoadBalancer, ready: dns != "", atProvider: atProvider}
}

// observedVPCOrigin is the observed VPC origin with this ID ("" for none
// yet).
func observedVPCOrigin(id string) observedResource {
	atProvider := map[string]any{}
	if id != "" {
		atProvider["id"] = id
	}
	return observedResource{key: KeyVPCOrigin, ready: id != "", atProvider: atProvider}
}

// observedDistribution is the observed distribution with this origin
// (through the VPC origin vpcOriginID) and CloudFront status.
func observedDistribution(ready bool, origin, status string) observedResource {
	return observedResource{
		key:   KeyDistribution,
		ready: ready,
		spec: map[string]any{"forProvider": map[string]any{
			"origin": []any{map[string]any{"domainName": origin, "originId": "alb", "vpcOriginConfig": map[string]any{"vpcOriginId": vpcOriginID}}},
		}},
		atProvider: map[string]any{"status": status, "domainName": "d111111abcdef8.cloudfront.net"},
	}
}

// observedLegacyDistribution is a distribution rendered with the
// internet-facing ALB as a custom origin.
func observedLegacyDistribution() observedResource {
	return observedResource{
		key:   KeyDistribution,
		ready: true,
		spec: map[string]any{"forProvider": map[string]any{
			"origin": []any{map[string]any{"domainName": "alb-dev-1.eu-north-1.elb.amazonaws.com", "originId": "alb", "customOriginConfig": map[string]any{"originProtocolPolicy": "http-only"}}},
		}},
		atProvider: map[string]any{"status": "Deployed"},
	}
}

// distributionOf is the rendered distribution.
func distributionOf(t *testing.T, b engine.Built) (engine.Desired, *cloudfront.Distribution) {
	t.Helper()
	return desiredByKey(t, b, KeyDistribution), objectByKey[*cloudfront.Distribution](t, b, KeyDistribution)
}

// TestCDNGatesOnOrigin: the VPC origin renders at once; the distribution
// once the ALB's DNS name and the VPC origin's ID are known (or were
// rendered already); a distribution rendered with the internet-facing ALB
// is kept unchanged until then.
func TestCDNGatesOnOrigin(t *testing.T) {
	cases := map[string]struct {
		observed []observedResource
		// origin and id are the expected origin; "" means the
		// distribution must not be rendered yet.
		origin, id string
		kept       bool
	}{
		"NothingObserved":   {},
		"ALBWithoutDNSName": {observed: []observedResource{observedALB(""), observedVPCOrigin(vpcOriginID)}},
		"VPCOriginWithoutID": {
			observed: []observedResource{observedALB(albDNS), observedVPCOrigin("")},
		},
		"BothKnown": {
			observed: []observedResource{observedALB(albDNS), observedVPCOrigin(vpcOriginID)},
			origin:   albDNS, id: vpcOriginID,
		},
		"FallBackToObservedOrigin": {
			observed: []observedResource{observedALB(""), observedVPCOrigin(""), observedDistribution(true, "internal-old.eu-north-1.elb.amazonaws.com", "Deployed")},
			origin:   "internal-old.eu-north-1.elb.amazonaws.com", id: vpcOriginID,
		},
		"ObservedValuesWinOverRenderedOnes": {
			observed: []observedResource{observedALB(albDNS), observedVPCOrigin("vo_new"), observedDistribution(true, "internal-old.eu-north-1.elb.amazonaws.com", "Deployed")},
			origin:   albDNS, id: "vo_new",
		},
		"LegacyDistributionKept": {
			observed: []observedResource{observedALB(albDNS), observedVPCOrigin(""), observedLegacyDistribution()},
			kept:     true,
		},
		"LegacyDistributionMoves": {
			observed: []observedResource{observedALB(albDNS), observedVPCOrigin(vpcOriginID), observedLegacyDistribution()},
			origin:   albDNS, id: vpcOriginID,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := buildCDN(testSpec(t, xrNamed("api", "team")), observedOf(t, tc.observed...))
			if tc.origin == "" {
				checkDistributionNotRendered(t, b, tc.kept)
				return
			}
			checkDistributionOrigin(t, b, tc.origin, tc.id)
		})
	}
}

// checkDistributionNotRendered: only the VPC origin is rendered, and the
// observed distribution is kept (kept) or the part waits.
func checkDistributionNotRendered(t *testing.T, b engine.Built, kept bool) {
	t.Helper()
	if diff := cmp.Diff([]string{KeyVPCOrigin}, renderedKeys(b)); diff != "" {
		t.Errorf("rendered (-want +got):\n%s", diff)
	}
	if got := len(b.KeptOnPurpose) == 1 && b.KeptOnPurpose[0].Key == KeyDistribution; got != kept || (len(b.Waiting) == 1) == kept {
		t.Errorf("kept = %v (want %v), Waiting = %v", b.KeptOnPurpose, kept, b.Waiting)
	}
}

// checkDistributionOrigin: the distribution is rendered with the internal
// ALB's DNS name through the VPC origin, and nothing of a custom origin.
func checkDistributionOrigin(t *testing.T, b engine.Built, origin, id string) {
	t.Helper()
	if len(b.Waiting) != 0 || len(b.KeptOnPurpose) != 0 {
		t.Errorf("Waiting = %v, kept = %v, want neither", b.Waiting, b.KeptOnPurpose)
	}
	_, dist := distributionOf(t, b)
	o := dist.Spec.ForProvider.Origin[0]
	if got := []string{*o.DomainName, *o.VPCOriginConfig.VPCOriginID}; !cmp.Equal(got, []string{origin, id}) {
		t.Errorf("origin = %v, want %v", got, []string{origin, id})
	}
	if o.CustomOriginConfig != nil || len(o.CustomHeader) != 0 {
		t.Errorf("origin has a custom origin config or headers: %+v", o)
	}
}

// TestVPCOrigin: the VPC origin points at the internal ALB over HTTP on the
// listener port, and has no region (CloudFront is global).
func TestVPCOrigin(t *testing.T) {
	s := testSpec(t, xrNamed("api", "team"))
	v := objectByKey[*cloudfront.VPCOrigin](t, buildCDN(s, engine.Observed{}), KeyVPCOrigin)
	c := v.Spec.ForProvider.VPCOriginEndpointConfig
	got := []any{*c.Name, refName(c.ArnRef), *c.HTTPPort, *c.HTTPSPort, *c.OriginProtocolPolicy, derefStrings(c.OriginSSLProtocols.Items), *c.OriginSSLProtocols.Quantity}
	want := []any{"vpc-origin-dev", "api-load-balancer-internal", 80.0, 443.0, "http-only", []string{"TLSv1.2"}, 1.0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
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
	DomainName, ID, VPCOriginID string
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
		v.Origins = append(v.Origins, originView{DomainName: *o.DomainName, ID: *o.OriginID, VPCOriginID: *o.VPCOriginConfig.VPCOriginID})
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
	o := observedOf(t, observedALB(albDNS), observedVPCOrigin(vpcOriginID))
	d, dist := distributionOf(t, buildCDN(s, o))
	want := distributionView{
		Enabled: true, IPv6: true, RetainOnDelete: false, WaitForDeployment: false,
		PriceClass: "PriceClass_100", GeoRestriction: "none", DefaultCertificate: true,
		Origins: []originView{{DomainName: albDNS, ID: "alb", VPCOriginID: vpcOriginID}},
		Behavior: behaviorView{
			Target: "alb", ViewerProtocol: "redirect-to-https",
			CachePolicy:         CachingDisabledPolicyID,
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

// TestDistributionCaching: caching is off unless spec.cdn.caching, which
// uses the Input's cache policy; the origin request policy is the same.
func TestDistributionCaching(t *testing.T) {
	custom := "0c1c2c3c-0000-4000-8000-000000000001"
	cases := map[string]struct {
		opts []specOption
		want string
	}{
		"Default":            {want: CachingDisabledPolicyID},
		"Off":                {opts: []specOption{withSpecField("cdn", map[string]any{"caching": false})}, want: CachingDisabledPolicyID},
		"On":                 {opts: []specOption{withSpecField("cdn", map[string]any{"caching": true})}, want: DefaultCachePolicyID},
		"OnWithInputPolicy":  {opts: []specOption{withSpecField("cdn", map[string]any{"caching": true}), withInput(&v1beta1.Input{CachePolicyID: custom})}, want: custom},
		"OffWithInputPolicy": {opts: []specOption{withInput(&v1beta1.Input{CachePolicyID: custom})}, want: CachingDisabledPolicyID},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := testSpec(t, tc.opts...)
			_, dist := distributionOf(t, buildCDN(s, observedOf(t, observedALB(albDNS), observedVPCOrigin(vpcOriginID))))
			b := dist.Spec.ForProvider.DefaultCacheBehavior
			if got := []string{*b.CachePolicyID, *b.OriginRequestPolicyID}; !cmp.Equal(got, []string{tc.want, DefaultOriginRequestPolicyID}) {
				t.Errorf("policies = %v, want %v", got, []string{tc.want, DefaultOriginRequestPolicyID})
			}
		})
	}
}

// TestDistributionHasNoRegion checks that the rendered distribution carries
// tags but no region: CloudFront is global.
func TestDistributionHasNoRegion(t *testing.T) {
	s := testSpec(t, xrNamed("api", "team"))
	o := observedOf(t, observedALB(albDNS), observedVPCOrigin(vpcOriginID))
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
			o := observedOf(t, append([]observedResource{observedALB(albDNS), observedVPCOrigin(vpcOriginID)}, tc.observed...)...)
			d, _ := distributionOf(t, buildCDN(testSpec(t, xrNamed("api", "team")), o))
			if got := d.ReadyIn(o); got != tc.want {
				t.Errorf("readiness = %v, want %v", got, tc.want)
			}
		})
	}
}
