package fn

import (
	"maps"
	"slices"

	"google.golang.org/protobuf/types/known/structpb"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource/composed"
)

// Observed is read access to the observed composed resources. It reads the
// request's protobuf Structs in place: a render reads a few dozen values
// (conditions, a handful of status.atProvider strings, some spec fields) out
// of about 100 KiB of observed state, and converting all of it to maps up
// front cost a quarter of a render. It is the request's map, keyed by
// composition resource name; nil observes nothing.
type Observed map[string]*fnv1.Resource

// NewObserved reads these observed composed resources as the request
// carries them.
func NewObserved(resources map[string]*fnv1.Resource) Observed { return Observed(resources) }

// object is the observed resource with this key, or nil.
func (o Observed) object(key string) *structpb.Struct {
	return o[key].GetResource()
}

// Keys are the keys of the observed resources, sorted.
func (o Observed) Keys() []string { return slices.Sorted(maps.Keys(o)) }

// Exists reports whether the composed resource with this key exists.
func (o Observed) Exists(key string) bool {
	_, ok := o[key]
	return ok
}

// String returns a string field of an observed resource, or "".
func (o Observed) String(key, path string) string {
	return structString(o.object(key), path)
}

// Bool returns a boolean field of an observed resource, or false.
func (o Observed) Bool(key, path string) bool {
	return structValue(o.object(key), path).GetBoolValue()
}

// CreationTimestamp is when the observed resource was created (zero if it
// does not say).
func (o Observed) CreationTimestamp(key string) metav1.Time {
	var t metav1.Time
	if ts := o.String(key, "metadata.creationTimestamp"); ts != "" {
		_ = t.UnmarshalQueryParameter(ts) // A malformed time reads as zero, as in unstructured.
	}
	return t
}

// Resource is the whole observed resource with this key, converted to an
// unstructured object; nil if it is not observed. Only resources the
// function keeps without rendering them need it.
func (o Observed) Resource(key string) *composed.Unstructured {
	s := o.object(key)
	if s == nil {
		return nil
	}
	return &composed.Unstructured{Unstructured: unstructured.Unstructured{Object: s.AsMap()}}
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
// with the fields the function reads: type, status, reason and message,
// read in place.
func (o Observed) condition(key string, t xpv1.ConditionType) xpv1.Condition {
	status := o.object(key).GetFields()["status"].GetStructValue()
	for _, c := range status.GetFields()["conditions"].GetListValue().GetValues() {
		f := c.GetStructValue().GetFields()
		if f["type"].GetStringValue() != string(t) {
			continue
		}
		return xpv1.Condition{
			Type:    t,
			Status:  corev1.ConditionStatus(f["status"].GetStringValue()),
			Reason:  xpv1.ConditionReason(f["reason"].GetStringValue()),
			Message: f["message"].GetStringValue(),
		}
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
