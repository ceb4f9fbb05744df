package fn

import (
	"fmt"

	cloudfront "github.com/upbound/provider-aws/v2/apis/namespaced/cloudfront/v1beta1"

	"github.com/platform/function-catalog-api/internal/engine"
)

// Keys of the CDN part: composition resource names, stable once released
// (a new key makes Crossplane delete the resource and create a new one).
const (
	KeyDistribution = "cloudfront-distribution"
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

// buildCDN renders the CloudFront distribution in front of the ALB.
//
// Phase: the origin is the ALB's DNS name, which AWS assigns when it creates
// the ALB (CloudFront's origin has no reference field). The distribution is
// rendered once the observed ALB reports it; afterwards, if the ALB's status
// is momentarily missing, the origin the distribution was rendered with is
// kept, because a resource must not disappear from a render once it exists.
func buildCDN(s *Spec, o engine.Observed) engine.Built {
	var b engine.Built
	origin := distributionOrigin(o)
	if origin == "" {
		b.Waitf("waiting for the load balancer's DNS name (status.atProvider.dnsName of %s) before creating the CloudFront distribution", KeyLoadBalancer)
		return b
	}
	b.Add(distribution(s, origin))
	return b
}

// distributionOrigin is the domain name the distribution forwards to: the
// ALB's observed DNS name, else the origin of the observed distribution,
// else "" (not known yet).
func distributionOrigin(o engine.Observed) string {
	if dns := LoadBalancerDNSName(o); dns != "" {
		return dns
	}
	return o.GetString(KeyDistribution, "spec.forProvider.origin[0].domainName")
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
// certificate and reaches the ALB over HTTP: the ALB has no certificate, and
// its security group admits only CloudFront's origin-facing servers.
//
// Standard logging writes to the access-log bucket with object ACLs, which
// the bucket's BucketOwnerPreferred ownership controls allow. If those are
// not in place yet when the distribution is created, CloudFront rejects the
// creation and the provider retries it; nothing is left half-created. In
// practice the ownership controls, rendered on the first call, are ready long
// before the ALB's DNS name is known.
//
// CloudFront is global: the kind has no region.
func distribution(s *Spec, origin string) engine.Desired {
	name := s.Name("cdn")
	// The access-log bucket outlives the distribution: disabling it takes
	// up to 15 minutes, during which it keeps writing logs, and objects
	// that arrive while force destroy empties the bucket fail its deletion.
	return engine.Desired{
		Key: KeyDistribution, AWSName: name, Readiness: engine.Readiness{Check: distributionReady, PendingMessage: distributionDeploying},
		Uses: []string{KeyLogBucket},
		Object: &cloudfront.Distribution{
			Spec: cloudfront.DistributionSpec{ForProvider: cloudfront.DistributionParameters{
				Tags:                 s.Tags(name),
				Enabled:              new(true),
				Comment:              new("Catalog API " + s.Suffix + ": CloudFront in front of the application load balancer"),
				IsIPv6Enabled:        new(true),
				PriceClass:           new("PriceClass_100"),
				Origin:               []cloudfront.OriginParameters{albOrigin(origin, s.OriginVerifyValue)},
				DefaultCacheBehavior: defaultCacheBehavior(s),
				Restrictions: &cloudfront.RestrictionsParameters{
					GeoRestriction: &cloudfront.GeoRestrictionParameters{RestrictionType: new("none")},
				},
				ViewerCertificate: &cloudfront.ViewerCertificateParameters{
					CloudfrontDefaultCertificate: new(true),
				},
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

// albOrigin is the ALB as a custom origin, reached over HTTP on the
// listener port, with the origin-verify header the ALB requires.
func albOrigin(domainName, originVerify string) cloudfront.OriginParameters {
	return cloudfront.OriginParameters{
		DomainName:   new(domainName),
		OriginID:     new(albOriginID),
		CustomHeader: []cloudfront.CustomHeaderParameters{{Name: new(OriginVerifyHeader), Value: new(originVerify)}},
		CustomOriginConfig: &cloudfront.CustomOriginConfigParameters{
			HTTPPort:             f64(ListenerPort),
			HTTPSPort:            f64(HTTPSPort),
			OriginProtocolPolicy: new("http-only"),
			// Required by the API even for http-only origins.
			OriginSSLProtocols: []*string{new("TLSv1.2")},
		},
	}
}

// defaultCacheBehavior sends every method to the ALB, caches GET and HEAD as
// the AWS managed cache policy allows, and redirects HTTP viewers to HTTPS.
func defaultCacheBehavior(s *Spec) *cloudfront.DefaultCacheBehaviorParameters {
	return &cloudfront.DefaultCacheBehaviorParameters{
		TargetOriginID:        new(albOriginID),
		ViewerProtocolPolicy:  new("redirect-to-https"),
		AllowedMethods:        ptrList("GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"),
		CachedMethods:         ptrList("GET", "HEAD"),
		CachePolicyID:         new(s.CachePolicyID),
		OriginRequestPolicyID: new(s.OriginRequestPolicyID),
		Compress:              new(true),
	}
}
