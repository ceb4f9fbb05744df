package providersim

import (
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Deletions AWS refuses while something else still uses the resource. The
// stack declares no Usage for these (Crossplane would only repeat what AWS
// enforces): provider-aws's delete fails and is retried until the user is
// gone, which this simulator plays as a refusal and a retry (Teardown).

// holder is a kind whose remaining resources keep a resource from being
// deleted while they reference it: through the reference field, or any
// reference when field is "".
type holder struct{ kind, field string }

// anyRef holds through any reference.
func anyRef(kind string) holder { return holder{kind: kind} }

// inUseBy refuses a deletion with AWS's error code while a remaining
// resource of one of the holders references the resource.
func inUseBy(code string, holders ...holder) func(td *teardown, k string) string {
	return func(td *teardown, k string) string {
		if u := td.holderOf(k, holders); u != nil {
			return code + ": in use by " + compositionResourceName(u)
		}
		return ""
	}
}

// holderOf is the first remaining resource, in key order, of the holders
// that references k, or nil.
func (td *teardown) holderOf(k string, holders []holder) *unstructured.Unstructured {
	name := td.remaining[k].GetName()
	return td.firstRemaining(func(o *unstructured.Unstructured) bool {
		for _, h := range holders {
			if h.kind == kindOf(o) && slices.Contains(referencedNames(o, h.field), name) {
				return true
			}
		}
		return false
	})
}

// subnetInUse: EC2 refuses to delete a subnet while network interfaces are
// in it: the load balancer's, the tasks', a NAT gateway's, and the Aurora
// instances' (in the subnets of their cluster's subnet group, which RDS
// keeps while the cluster exists).
func (td *teardown) subnetInUse(k string) string {
	const code = "DependencyViolation: the subnet has dependencies and cannot be deleted"
	if why := inUseBy(code, anyRef("elbv2/LB"), anyRef("ecs/Service"), anyRef("ec2/NATGateway"))(td, k); why != "" {
		return why
	}
	for _, group := range td.remainingOfKind("rds/SubnetGroup") {
		if !slices.Contains(referencedNames(group, ""), td.remaining[k].GetName()) {
			continue
		}
		if cluster := td.holderOf(compositionResourceName(group), []holder{anyRef("rds/Cluster")}); cluster != nil {
			return code + ": network interfaces of " + compositionResourceName(cluster) + "'s instances"
		}
	}
	return ""
}

// gatewayInUse: EC2 refuses to detach an internet gateway while public
// addresses are mapped in its VPC: a NAT gateway's Elastic IP, an
// internet-facing load balancer's.
func (td *teardown) gatewayInUse(_ string) string {
	if u := td.firstRemaining(func(o *unstructured.Unstructured) bool {
		internal, _, _ := unstructured.NestedBool(o.Object, "spec", "forProvider", "internal")
		return kindOf(o) == "ec2/NATGateway" || (kindOf(o) == "elbv2/LB" && !internal)
	}); u != nil {
		return "DependencyViolation: the VPC has mapped public addresses (" + compositionResourceName(u) + ")"
	}
	return ""
}

// capacityProvidersInUse: ECS refuses to remove a cluster's capacity
// providers while a service of that cluster uses them.
func (td *teardown) capacityProvidersInUse(k string) string {
	cluster := refName(td.remaining[k], "clusterNameRef")
	if u := td.firstRemaining(func(o *unstructured.Unstructured) bool {
		return kindOf(o) == "ecs/Service" && refName(o, "clusterRef") == cluster
	}); u != nil {
		return "ResourceInUseException: the capacity provider is in use by " + compositionResourceName(u)
	}
	return ""
}

// remainingOfKind are the remaining resources of a kind, in key order.
func (td *teardown) remainingOfKind(kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range td.sortedRemaining() {
		if kindOf(o) == kind {
			out = append(out, o)
		}
	}
	return out
}

// referencedNames are the names u's spec.forProvider references, at any
// depth: through the reference field (xRef or xRefs) or, for "", any.
func referencedNames(u *unstructured.Unstructured, field string) []string {
	fp, _, _ := unstructured.NestedMap(u.Object, "spec", "forProvider")
	var out []string
	collectRefs(fp, field, &out)
	return out
}

func collectRefs(v any, field string, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			isRef := strings.HasSuffix(k, "Ref") || strings.HasSuffix(k, "Refs")
			if isRef && (field == "" || k == field) {
				*out = append(*out, refNames(v[k])...)
				continue
			}
			collectRefs(v[k], field, out)
		}
	case []any:
		for _, e := range v {
			collectRefs(e, field, out)
		}
	}
}

// refNames are the names of a reference ({name}) or a list of them.
func refNames(v any) []string {
	if m, ok := v.(map[string]any); ok {
		name, _ := m["name"].(string)
		return []string{name}
	}
	var out []string
	refs, _ := v.([]any)
	for _, r := range refs {
		out = append(out, refNames(r)...)
	}
	return out
}

// vpcInUse: EC2 refuses to delete a VPC with subnets, security groups,
// route tables, an attached gateway or endpoints in it.
func vpcInUse(td *teardown, k string) string {
	return inUseBy("DependencyViolation: the VPC has dependencies",
		anyRef("ec2/Subnet"), anyRef("ec2/SecurityGroup"), anyRef("ec2/RouteTable"), anyRef("ec2/InternetGateway"), anyRef("ec2/VPCEndpoint"))(td, k)
}

// routeTableInUse: EC2 refuses to delete a route table with subnets
// associated; its routes go with it.
func routeTableInUse(td *teardown, k string) string {
	return inUseBy("DependencyViolation: the route table has associations", anyRef("ec2/RouteTableAssociation"))(td, k)
}

// securityGroupInUse: EC2 refuses to delete a security group that network
// interfaces use (a load balancer's, the tasks', the Aurora cluster's, an
// endpoint's) or that another group's rule references; its own rules go
// with it.
func securityGroupInUse(td *teardown, k string) string {
	return inUseBy("DependencyViolation: the security group is in use",
		anyRef("elbv2/LB"), anyRef("ecs/Service"), anyRef("rds/Cluster"), anyRef("ec2/VPCEndpoint"),
		holder{kind: "ec2/SecurityGroupIngressRule", field: "referencedSecurityGroupIdRef"},
		holder{kind: "ec2/SecurityGroupEgressRule", field: "referencedSecurityGroupIdRef"})(td, k)
}

// targetGroupInUse: ELB refuses to delete a target group a listener or a
// rule forwards to; a load balancer's listeners go with it.
func targetGroupInUse(td *teardown, k string) string {
	return inUseBy("ResourceInUse: the target group is in use", anyRef("elbv2/LBListener"), anyRef("elbv2/LBListenerRule"))(td, k)
}
