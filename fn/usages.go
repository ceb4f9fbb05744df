package fn

import (
	"fmt"
	"strings"

	"github.com/crossplane/function-sdk-go/resource/composed"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Usage is a Crossplane v2 protection.crossplane.io/v1beta1 Usage: while it
// exists, Crossplane refuses to delete the resource in Of. Teardown thereby
// runs in an order AWS accepts: the user goes first, what it uses after.
type Usage struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              UsageSpec `json:"spec"`
}

// UsageSpec says which resource is used by which.
type UsageSpec struct {
	Of UsageResource `json:"of"`
	By UsageResource `json:"by"`
	// ReplayDeletion replays the blocked deletion of Of as soon as the
	// Usage is gone, so teardown does not wait for the next backoff.
	ReplayDeletion bool `json:"replayDeletion"`
}

// UsageResource names one resource of a Usage.
type UsageResource struct {
	APIVersion  string      `json:"apiVersion"`
	Kind        string      `json:"kind"`
	ResourceRef ResourceRef `json:"resourceRef"`
}

// ResourceRef references a resource in the Usage's namespace by name.
type ResourceRef struct {
	Name string `json:"name"`
}

// dependency says: By uses Of, so Of must outlive By.
type dependency struct{ of, by string }

// dependencies lists the deletion orders AWS insists on, each for a reason.
func dependencies(s *Spec, taskDefinitionKey string) []dependency {
	d := []dependency{
		// ECS refuses to delete a cluster with services, and a capacity
		// provider association that a service still uses.
		{KeyECSCluster, KeyService},
		{KeyCapacityProviders, KeyService},
		// Deregistering the target group fails while the service or the
		// listener still points at it.
		{KeyTargetGroup, KeyService},
		{KeyTargetGroup, KeyListenerRule},
		{KeyListener, KeyListenerRule},
		{KeyListenerRule, KeyService},
		// Tasks hold network interfaces in the private subnets and the tasks
		// security group until the service is gone.
		{KeySGTasks, KeyService},
		// RDS deletes a cluster only after its instances.
		{KeyDBCluster, KeyDBWriter},
		{KeyDBCluster, KeyDBReader},
		{KeyDBSubnetGroup, KeyDBCluster},
		{KeySGDatabase, KeyDBCluster},
		// The ALB holds addresses in the public subnets; the internet gateway
		// cannot be detached while public addresses are mapped.
		{KeySGLoadBalancer, KeyLoadBalancer},
		{KeyInternetGateway, KeyLoadBalancer},
		{KeyLogBucket, KeyLoadBalancer},
		// Autoscaling targets the service.
		{KeyService, KeyScalingTarget},
		// Log groups that AWS writes to on the stack's behalf outlive the
		// writer: RDS log export and Container Insights create a deleted
		// group again, with no retention and no owner, and it outlives the
		// stack. VPC flow logs do the same (the role may create groups).
		{KeyDBLogGroup, KeyDBWriter},
		{KeyDBLogGroup, KeyDBReader},
		{KeyInsightsLogGroup, KeyECSCluster},
		{KeyInsightsLogGroup, KeyService},
		{KeyFlowLogGroup, KeyFlowLog},
		// A disabled distribution keeps writing access logs for up to 15
		// minutes: objects that arrive while force destroy empties the
		// bucket make its deletion fail.
		{KeyLogBucket, KeyDistribution},
	}
	if taskDefinitionKey != "" {
		d = append(d, dependency{taskDefinitionKey, KeyService}, dependency{KeyExecutionRole, KeyService})
	}
	for i := range zones {
		d = append(d,
			dependency{KeyPrivateSubnet(i), KeyService},
			dependency{KeyPrivateSubnet(i), KeyDBSubnetGroup},
			dependency{KeyPublicSubnet(i), KeyLoadBalancer},
			dependency{KeyInternetGateway, KeyNATGateway(i)},
			// An address a NAT gateway uses cannot be released.
			dependency{KeyEIP(i), KeyNATGateway(i)},
		)
	}
	return d
}

// usages renders a Usage for every dependency whose two ends are rendered.
func usages(s *Spec, rendered map[string]Desired) []Desired {
	var out []Desired
	for _, dep := range dependencies(s, currentTaskDefinitionKey(rendered)) {
		of, okOf := rendered[dep.of]
		by, okBy := rendered[dep.by]
		if !okOf || !okBy {
			continue
		}
		out = append(out, usage(s, of, by))
	}
	return out
}

// UsageKey is the key of the Usage that keeps of until by is gone.
func UsageKey(of, by string) string { return "usage-" + of + "-by-" + by }

func usage(s *Spec, of, by Desired) Desired {
	u := &Usage{
		TypeMeta: metav1.TypeMeta{APIVersion: "protection.crossplane.io/v1beta1", Kind: "Usage"},
		Spec: UsageSpec{
			Of:             usageResource(s, of),
			By:             usageResource(s, by),
			ReplayDeletion: true,
		},
	}
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(u)
	if err != nil {
		panic(err) // Usage is a plain struct; it always converts.
	}
	// A Usage has no AWS side: it is ready as soon as it exists.
	return Desired{Key: UsageKey(of.Key, by.Key), Object: &composed.Unstructured{Unstructured: unstructured.Unstructured{Object: obj}}, Ready: existsIsReady}
}

func usageResource(s *Spec, d Desired) UsageResource {
	gvk := gvkOf(d.Object)
	return UsageResource{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, ResourceRef: ResourceRef{Name: s.ObjectName(d.Key)}}
}

// gvkOf returns the kind of a typed provider object from composed.Scheme.
func gvkOf(o runtime.Object) schema.GroupVersionKind {
	if gvk := o.GetObjectKind().GroupVersionKind(); !gvk.Empty() {
		return gvk
	}
	gvks, _, err := composed.Scheme.ObjectKinds(o)
	if err != nil || len(gvks) == 0 {
		panic(fmt.Sprintf("type %T is not registered in composed.Scheme", o)) // A programming error.
	}
	return gvks[0]
}

// currentTaskDefinitionKey is the key of the task definition the parts
// rendered this time, or "".
func currentTaskDefinitionKey(rendered map[string]Desired) string {
	for k := range rendered {
		if strings.HasPrefix(k, keyTaskDefinitionPrefix) {
			return k
		}
	}
	return ""
}

func existsIsReady(o Observed, key string) bool { return o.Exists(key) }
