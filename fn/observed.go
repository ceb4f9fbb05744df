package fn

import (
	corev1 "k8s.io/api/core/v1"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
)

// Observed is typed read access to the observed composed resources.
type Observed map[resource.Name]resource.ObservedComposed

// Exists reports whether the composed resource with this key exists.
func (o Observed) Exists(key string) bool {
	_, ok := o[resource.Name(key)]
	return ok
}

// String returns a string field of an observed resource, or "".
func (o Observed) String(key, path string) string {
	oc, ok := o[resource.Name(key)]
	if !ok || oc.Resource == nil {
		return ""
	}
	v, err := oc.Resource.GetString(path)
	if err != nil {
		return ""
	}
	return v
}

// Bool returns a boolean field of an observed resource, or false.
func (o Observed) Bool(key, path string) bool {
	oc, ok := o[resource.Name(key)]
	if !ok || oc.Resource == nil {
		return false
	}
	v, err := oc.Resource.GetBool(path)
	return err == nil && v
}

// ConditionTrue reports whether the observed resource has the condition of
// this type with status True.
func (o Observed) ConditionTrue(key string, t xpv1.ConditionType) bool {
	return o.condition(key, t).Status == corev1.ConditionTrue
}

// Ready reports whether the provider says the resource is Ready.
func (o Observed) Ready(key string) bool {
	return o.condition(key, xpv1.TypeReady).Status == corev1.ConditionTrue
}

// condition returns a condition of an observed resource (Unknown if absent)
// with the fields the function reads: type, status, reason and message. It
// reads status.conditions in place: the SDK's GetCondition round-trips the
// whole status, atProvider included, through JSON, which cost a quarter of
// a render.
func (o Observed) condition(key string, t xpv1.ConditionType) xpv1.Condition {
	oc, ok := o[resource.Name(key)]
	if !ok || oc.Resource == nil {
		return xpv1.Condition{Type: t, Status: corev1.ConditionUnknown}
	}
	status, _ := oc.Resource.Object["status"].(map[string]any)
	conditions, _ := status["conditions"].([]any)
	for _, c := range conditions {
		m, _ := c.(map[string]any)
		if m["type"] != string(t) {
			continue
		}
		s, _ := m["status"].(string)
		reason, _ := m["reason"].(string)
		message, _ := m["message"].(string)
		return xpv1.Condition{Type: t, Status: corev1.ConditionStatus(s), Reason: xpv1.ConditionReason(reason), Message: message}
	}
	return xpv1.Condition{Type: t, Status: corev1.ConditionUnknown}
}

// Observed values other parts depend on, each read from one place.

// LoadBalancerDNSName is the ALB's DNS name (known after creation).
func (o Observed) LoadBalancerDNSName() string {
	return o.String(KeyLoadBalancer, "status.atProvider.dnsName")
}

// DatabaseEndpoint is the Aurora cluster's writer endpoint.
func (o Observed) DatabaseEndpoint() string {
	return o.String(KeyDBCluster, "status.atProvider.endpoint")
}

// DatabaseReaderEndpoint is the Aurora cluster's reader endpoint.
func (o Observed) DatabaseReaderEndpoint() string {
	return o.String(KeyDBCluster, "status.atProvider.readerEndpoint")
}

// DatabaseSecretARN is the ARN of the master user secret RDS manages.
func (o Observed) DatabaseSecretARN() string {
	return o.String(KeyDBCluster, "status.atProvider.masterUserSecret[0].secretArn")
}

// AccountID is the AWS account the stack lives in, as AWS reports it for
// the VPC: the function knows it only once the VPC exists.
func (o Observed) AccountID() string {
	return o.String(KeyVPC, "status.atProvider.ownerId")
}

// DistributionDomainName is the CloudFront distribution's domain name.
func (o Observed) DistributionDomainName() string {
	return o.String(KeyDistribution, "status.atProvider.domainName")
}
