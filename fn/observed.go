package fn

import "github.com/platform/function-catalog-api/internal/engine"

// Observed values that more than one part (or the status) depends on, each
// read from one place.

// LoadBalancerDNSName is the ALB's DNS name (known after creation).
func LoadBalancerDNSName(o engine.Observed) string {
	return o.GetString(KeyLoadBalancer, "status.atProvider.dnsName")
}

// DatabaseEndpoint is the Aurora cluster's writer endpoint.
func DatabaseEndpoint(o engine.Observed) string {
	return o.GetString(KeyDBCluster, "status.atProvider.endpoint")
}

// DatabaseReaderEndpoint is the Aurora cluster's reader endpoint.
func DatabaseReaderEndpoint(o engine.Observed) string {
	return o.GetString(KeyDBCluster, "status.atProvider.readerEndpoint")
}

// DatabaseSecretARN is the ARN of the master user secret RDS manages.
func DatabaseSecretARN(o engine.Observed) string {
	return o.GetString(KeyDBCluster, "status.atProvider.masterUserSecret[0].secretArn")
}

// AccountID is the AWS account the stack lives in, as AWS reports it for
// the VPC, or in an existing network for the claim marker security group:
// the function knows it only once the marker exists.
func AccountID(o engine.Observed) string {
	if id := o.GetString(KeyVPC, "status.atProvider.ownerId"); id != "" {
		return id
	}
	return o.GetString(KeyClaimMarker, "status.atProvider.ownerId")
}

// DistributionDomainName is the CloudFront distribution's domain name.
func DistributionDomainName(o engine.Observed) string {
	return o.GetString(KeyDistribution, "status.atProvider.domainName")
}
