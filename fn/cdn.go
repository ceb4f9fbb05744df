package fn

import (
	"fmt"
	"strings"

	cloudfront "github.com/upbound/provider-aws/v2/apis/namespaced/cloudfront/v1beta1"

	"github.com/platform/function-catalog-api/internal/engine"
)

// Keys of the CDN part: composition resource names, stable once released
// (a new key makes Crossplane delete the resource and create a new one).
const (
	KeyDistribution = "cloudfront-distribution"
	KeyVPCOrigin    = "cloudfront-vpc-origin"
)

// Properties of the CloudFront distribution.
const (
	// albOriginID names the ALB origin inside the distribution.
	albOriginID = "alb"
	// CloudFrontLogPrefix is the key prefix of CloudFront standard logs in
	// the access-log bucket.
	CloudFrontLogPrefix = "cloudfront/"
	// distributionDeployed is status.atProvider.status once CloudFront has
	// pushed the configuration to its edge locations.
	distributionDeployed = "Deployed"
)

// buildCDN renders the CloudFront VPC origin of the internal ALB and the
// distribution in front of it.
//
// Phases: the VPC origin renders on the first call (its ALB ARN is a
// reference the provider resolves once the ALB exists). The distribution's
// origin needs two values AWS assigns, neither with a reference field: the
// ALB's DNS name and the VPC origin's ID. It is rendered once both are
// observed. An existing distribution is kept unchanged until then: on a
// stack that still has the internet-facing ALB's origin, that is the
// origin it serves from until the VPC origin exists.
func buildCDN(s *Spec, o engine.Observed) engine.Built {
	var b engine.Built
	b.Add(vpcOrigin(s))
	origin, ok := distributionOrigin(o)
	switch {
	case ok:
		b.Add(distribution(s, origin, domainCertificate(s, o)))
	case o.Exists(KeyDistribution):
		b.Keepf(KeyDistribution, "the CloudFront distribution %s keeps its current origin until the VPC origin %s has an ID and the internal load balancer a DNS name", KeyDistribution, KeyVPCOrigin)
		for _, u := range usagesBy(o, KeyDistribution) {
			b.Keepf(u, "the Usage %s is kept with the distribution it protects the deletion order of", u)
		}
	default:
		b.Waitf("waiting for the load balancer's DNS name (status.atProvider.dnsName of %s) and the VPC origin's ID (status.atProvider.id of %s) before creating the CloudFront distribution", KeyLoadBalancer, KeyVPCOrigin)
	}
	return b
}

// usagesBy are the observed Usages (engine.UsageKey: usage-<of>-by-<by>)
// whose user is key, in key order.
func usagesBy(o engine.Observed, key string) []string {
	var out []string
	for _, k := range o.Keys() {
		if strings.HasPrefix(k, "usage-") && strings.HasSuffix(k, "-by-"+key) {
			out = append(out, k)
		}
	}
	return out
}

// privateOrigin is where the distribution forwards to: the internal ALB's
// DNS name, reached through the VPC origin.
type privateOrigin struct {
	DomainName  string
	VPCOriginID string
}

// distributionOrigin is the distribution's origin: the observed ALB's DNS
// name and VPC origin's ID; for either that is momentarily missing, the
// value the observed distribution was rendered with, if it was rendered
// with a VPC origin already (a resource must not disappear from a render
// once it exists). ok is false while either is unknown.
func distributionOrigin(o engine.Observed) (privateOrigin, bool) {
	var rendered privateOrigin
	if id := o.GetString(KeyDistribution, "spec.forProvider.origin[0].vpcOriginConfig.vpcOriginId"); id != "" {
		rendered = privateOrigin{DomainName: o.GetString(KeyDistribution, "spec.forProvider.origin[0].domainName"), VPCOriginID: id}
	}
	p := privateOrigin{
		DomainName:  orDefault(LoadBalancerDNSName(o), rendered.DomainName),
		VPCOriginID: orDefault(o.GetString(KeyVPCOrigin, "status.atProvider.id"), rendered.VPCOriginID),
	}
	return p, p.DomainName != "" && p.VPCOriginID != ""
}

// vpcOrigin lets CloudFront reach the internal ALB privately: CloudFront
// creates service-managed network interfaces in the ALB's subnets and sends
// the distribution's requests through them, over HTTP on the listener port
// (the ALB has no certificate; the path never leaves AWS's network). The
// ALB's security group admits CloudFront's origin-facing prefix list
// (security.go). CloudFront is global: the kind has no region.
//
// VPC origins exist in every region the XRD allows (CloudFront developer
// guide, "Supported AWS Regions for VPC origins"), with one availability
// zone excepted in us-east-1 (docs/install.md, "Regions").
func vpcOrigin(s *Spec) engine.Desired {
	name := s.Name("vpc-origin")
	return engine.Desired{
		Key: KeyVPCOrigin, AWSName: name,
		Readiness: engine.Readiness{Hint: "CloudFront takes up to 15 minutes to deploy a VPC origin"},
		Object: &cloudfront.VPCOrigin{Spec: cloudfront.VPCOriginSpec{ForProvider: cloudfront.VPCOriginParameters{
			Tags: s.Tags(name),
			VPCOriginEndpointConfig: &cloudfront.VPCOriginEndpointConfigParameters{
				Name:                 new(name),
				ArnRef:               s.Ref(KeyLoadBalancer),
				HTTPPort:             f64(ListenerPort),
				HTTPSPort:            f64(HTTPSPort),
				OriginProtocolPolicy: new("http-only"),
				// Required by the API even for http-only origins.
				OriginSSLProtocols: &cloudfront.OriginSSLProtocolsParameters{Items: ptrList("TLSv1.2"), Quantity: f64(1)},
			},
		}}},
	}
}

// distributionDeploying is the condition message of a distribution the
// provider reports Ready while CloudFront is still deploying it.
func distributionDeploying(o engine.Observed, key string) string {
	return fmt.Sprintf("the CloudFront distribution is still deploying (status %s); this usually takes 5 to 15 minutes",
		orDefault(o.GetString(key, "status.atProvider.status"), "unknown"))
}

// distributionReady requires, beyond the provider's Ready condition, that
// the distribution is deployed: the provider does not wait for deployment
// (waitForDeployment is false, so that a render is not blocked for the ~5-15
// minutes a deployment takes) and reports Ready while it is InProgress.
func distributionReady(o engine.Observed, key string) bool {
	return o.Ready(key) && o.GetString(key, "status.atProvider.status") == distributionDeployed
}

// distribution serves viewers over HTTPS with CloudFront's default
// certificate and reaches the internal ALB through the VPC origin.
//
// Standard logging writes to the access-log bucket with object ACLs, which
// the bucket's BucketOwnerPreferred ownership controls allow. If those are
// not in place yet when the distribution is created, CloudFront rejects the
// creation and the provider retries it; nothing is left half-created. In
// practice the ownership controls, rendered on the first call, are ready long
// before the ALB's DNS name is known.
//
// CloudFront is global: the kind has no region.
func distribution(s *Spec, origin privateOrigin, certificate string) engine.Desired {
	name := s.Name("cdn")
	// The access-log bucket outlives the distribution: disabling it takes
	// up to 15 minutes, during which it keeps writing logs, and objects
	// that arrive while force destroy empties the bucket fail its deletion.
	return engine.Desired{
		Key: KeyDistribution, AWSName: name, Readiness: engine.Readiness{Check: distributionReady, PendingMessage: distributionDeploying},
		OnChange: []engine.ChangeImpact{cachingImpact()},
		Uses:     []string{KeyLogBucket},
		Object: &cloudfront.Distribution{
			Spec: cloudfront.DistributionSpec{ForProvider: cloudfront.DistributionParameters{
				Tags:                 s.Tags(name),
				Enabled:              new(true),
				Comment:              new("Catalog API " + s.Suffix + ": CloudFront in front of the internal application load balancer"),
				IsIPv6Enabled:        new(true),
				PriceClass:           new(s.Defaults.PriceClass),
				Origin:               []cloudfront.OriginParameters{albOrigin(origin)},
				DefaultCacheBehavior: defaultCacheBehavior(s),
				Restrictions: &cloudfront.RestrictionsParameters{
					GeoRestriction: &cloudfront.GeoRestrictionParameters{RestrictionType: new("none")},
				},
				ViewerCertificate: viewerCertificate(s, certificate),
				Aliases:           aliases(s, certificate),
				WebACLID:          optional(s.WebACLArn),
				LoggingConfig: &cloudfront.LoggingConfigParameters{
					// Standard logging takes the bucket's domain name.
					Bucket:         new(LogBucketName(s) + ".s3.amazonaws.com"),
					Prefix:         new(CloudFrontLogPrefix),
					IncludeCookies: new(false),
				},
				// Deleting the CatalogApi deletes the distribution (the
				// provider disables it first).
				RetainOnDelete:    new(false),
				WaitForDeployment: new(false),
			}},
		},
	}
}

// albOrigin is the internal ALB as the distribution's only origin, by its
// DNS name, reached through the VPC origin.
func albOrigin(p privateOrigin) cloudfront.OriginParameters {
	return cloudfront.OriginParameters{
		DomainName:      new(p.DomainName),
		OriginID:        new(albOriginID),
		VPCOriginConfig: &cloudfront.VPCOriginConfigParameters{VPCOriginID: new(p.VPCOriginID)},
	}
}

// defaultCacheBehavior sends every method to the ALB and redirects HTTP
// viewers to HTTPS. It caches nothing and forwards every header but Host,
// Authorization included, unless spec.cdn.caching lets it cache GET and
// HEAD as the platform's cache policy allows.
func defaultCacheBehavior(s *Spec) *cloudfront.DefaultCacheBehaviorParameters {
	return &cloudfront.DefaultCacheBehaviorParameters{
		TargetOriginID:        new(albOriginID),
		ViewerProtocolPolicy:  new("redirect-to-https"),
		AllowedMethods:        ptrList("GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"),
		CachedMethods:         ptrList("GET", "HEAD"),
		CachePolicyID:         new(cachePolicyID(s)),
		OriginRequestPolicyID: new(s.OriginRequestPolicyID),
		Compress:              new(true),
	}
}

// cachePolicyID is the cache policy of the default cache behaviour.
func cachePolicyID(s *Spec) string {
	if s.Caching {
		return s.CachePolicyID
	}
	return CachingDisabledPolicyID
}

// How long CloudFront takes to deploy a distribution change, seconds.
const (
	distributionDeployMinSeconds = 5 * 60
	distributionDeployMaxSeconds = 15 * 60
)

// ImpactCaching is the kind of impact of turning CloudFront's caching on or
// off.
const ImpactCaching = "cdn-caching"

// cachingImpact: a new cache policy is a distribution update CloudFront
// deploys to its edge locations; what reaches the API changes with it.
func cachingImpact() engine.ChangeImpact {
	return engine.ChangeImpact{
		Kind:    ImpactCaching,
		Fields:  []engine.ImpactField{{Path: "spec.forProvider.defaultCacheBehavior.cachePolicyId", Says: "cache policy {old} -> {new}"}},
		Summary: "CloudFront caching changes ({changes}); the distribution redeploys to its edge locations, serving throughout",
		Details: []string{
			"with caching on, GET and HEAD responses are cached as the API's Cache-Control allows, and the Authorization header reaches the API only if the cache policy puts it in the cache key",
			"with caching off (CachingDisabled), every request and every header but Host, Authorization included, reaches the API",
		},
		Estimate:   &engine.Duration{MinSeconds: distributionDeployMinSeconds, MaxSeconds: distributionDeployMaxSeconds, Basis: "CloudFront distribution deployment, as observed for this stack"},
		References: []string{"https://repost.aws/knowledge-center/cloudfront-authorization-header"},
	}
}

// domainCertificate is the certificate ARN the distribution serves
// spec.domain with, "" without spec.domain or before it is issued.
func domainCertificate(s *Spec, o engine.Observed) string {
	if s.Domain == "" {
		return ""
	}
	return certificateARN(o)
}

// viewerCertificate is CloudFront's default certificate, or, once the
// domain's certificate is issued, that certificate for SNI clients with
// TLS 1.2 or later.
func viewerCertificate(s *Spec, certificate string) *cloudfront.ViewerCertificateParameters {
	if certificate == "" {
		return &cloudfront.ViewerCertificateParameters{CloudfrontDefaultCertificate: new(true)}
	}
	return &cloudfront.ViewerCertificateParameters{
		AcmCertificateArn:      new(certificate),
		SSLSupportMethod:       new("sni-only"),
		MinimumProtocolVersion: new(s.Defaults.ViewerMinimumProtocol),
	}
}

// aliases is spec.domain.name once its certificate is issued: CloudFront
// refuses an alias no certificate of the distribution covers.
func aliases(s *Spec, certificate string) []*string {
	if s.Domain == "" || certificate == "" {
		return nil
	}
	return []*string{new(s.Domain)}
}

// optional is nil for "", else a pointer to v.
func optional(v string) *string {
	if v == "" {
		return nil
	}
	return new(v)
}
