package fn

import (
	"fmt"
	"regexp"
	"slices"

	ec2 "github.com/upbound/provider-aws/v2/apis/namespaced/ec2/v1beta1"
	ecs "github.com/upbound/provider-aws/v2/apis/namespaced/ecs/v1beta1"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"

	"github.com/platform/function-catalog-api/apis/v1alpha1"
	"github.com/platform/function-catalog-api/internal/engine"
)

// An existing network (spec.network.existing): the stack goes into a VPC
// and subnets it does not own. The network part then composes no VPC,
// subnet, gateway, route or flow log; every resource that needs the VPC or
// its subnets takes their IDs from the spec instead of a reference, through
// the helpers below.
//
// The claim marker of the suffix (claim.go) cannot be the VPC, which the
// CatalogApi does not own and which other stacks share: it is an empty
// security group of the CatalogApi's own, identified by its ID and named
// with the CatalogApi's UniqueID so that two CatalogApis never refuse
// each other's marker in one VPC.

// KeyClaimMarker is the claim marker of a stack in an existing network.
const KeyClaimMarker = "claim-marker"

// Limits of spec.network.existing, the same as the XRD's.
const (
	minExistingSubnets = zoneCount
	maxExistingSubnets = 6
)

var (
	vpcIDRe    = regexp.MustCompile(`^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`)
	subnetIDRe = regexp.MustCompile(`^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`)
)

// InExistingNetwork says whether the stack goes into an existing network.
func (s *Spec) InExistingNetwork() bool { return s.Existing != nil }

// applyExistingNetwork checks spec.network.existing. Subnet IDs do not say
// which AZ a subnet is in, and the function reads nothing from AWS: it
// requires at least two subnets of each kind, all different, and leaves
// the two-AZ rule to AWS, which refuses a load balancer and a DB subnet
// group whose subnets do not span two AZs (docs/stack.md).
func (s *Spec) applyExistingNetwork(n *v1alpha1.NetworkSpec, v *validator) {
	if n == nil || n.Existing == nil {
		return
	}
	e := n.Existing
	const field = "spec.network.existing"
	v.match(field+".vpcId", e.VpcID, vpcIDRe, "must be a VPC ID (vpc- and 8 or 17 hexadecimal digits)")
	seen := map[string]string{}
	checkSubnets(field+".privateSubnetIds", e.PrivateSubnetIDs, seen, v)
	checkSubnets(field+".publicSubnetIds", e.PublicSubnetIDs, seen, v)
	s.Existing = &v1alpha1.ExistingNetworkSpec{
		VpcID:            e.VpcID,
		PrivateSubnetIDs: slices.Clone(e.PrivateSubnetIDs),
		PublicSubnetIDs:  slices.Clone(e.PublicSubnetIDs),
	}
}

// checkSubnets checks one subnet list; seen maps every subnet ID met so far
// to its field, so that no subnet is listed twice, in one list or both.
func checkSubnets(field string, ids []string, seen map[string]string, v *validator) {
	if len(ids) < minExistingSubnets || len(ids) > maxExistingSubnets {
		v.fail(field, len(ids), fmt.Sprintf("must list %d to %d subnets, in at least two availability zones of spec.region", minExistingSubnets, maxExistingSubnets))
	}
	for i, id := range ids {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case !subnetIDRe.MatchString(id):
			v.fail(f, id, "must be a subnet ID (subnet- and 8 or 17 hexadecimal digits)")
		case seen[id] != "":
			v.fail(f, id, "must be listed once: "+seen[id]+" has it already")
		}
		seen[id] = f
	}
}

// claimMarkerKey is the key of the stack's claim marker.
func claimMarkerKey(s *Spec) string {
	if s.InExistingNetwork() {
		return KeyClaimMarker
	}
	return KeyVPC
}

// claimMarker is the stack's claim marker: its VPC, or in an existing
// network its marker security group.
func claimMarker(s *Spec) engine.Desired {
	if s.InExistingNetwork() {
		return existingNetworkMarker(s)
	}
	return vpc(s)
}

// existingNetworkMarker is an empty security group in the existing VPC:
// no rules, nothing uses it, it costs nothing. Name and description are
// replace-only and never change; a changed vpcId is refused (Immutable).
func existingNetworkMarker(s *Spec) engine.Desired {
	name := s.Name("security-group-claim") + "-" + s.UniqueID
	labels, annotations := claimMetadata(s)
	return engine.Desired{
		Key: KeyClaimMarker, AWSName: name, Labels: labels, Annotations: annotations,
		Immutable: []engine.Immutable{
			{Field: "spec.region", Path: "spec.forProvider.region", Why: "resources cannot move between regions"},
			{Field: "spec.network.existing.vpcId", Path: "spec.forProvider.vpcId", Why: "the stack's security groups, load balancer, database and service cannot move to another VPC"},
		},
		Object: &ec2.SecurityGroup{Spec: ec2.SecurityGroupSpec{ForProvider: ec2.SecurityGroupParameters_2{
			Region:              new(s.Region),
			Tags:                s.Tags(name),
			Name:                new(name),
			Description:         new("Marks the CatalogApi that holds this environment suffix; it has no rules and nothing uses it"),
			VPCID:               new(s.Existing.VpcID),
			RevokeRulesOnDelete: new(true),
		}}},
	}
}

// buildExistingNetwork is the network part in an existing network: the
// claim marker alone.
func buildExistingNetwork(s *Spec) engine.Built {
	var b engine.Built
	b.Add(existingNetworkMarker(s))
	return b
}

// setVPC points a resource at the stack's VPC: a reference to the composed
// VPC, or the existing VPC's ID.
func (s *Spec) setVPC(id **string, ref **xpv1.NamespacedReference) {
	if s.InExistingNetwork() {
		*id = new(s.Existing.VpcID)
		return
	}
	*ref = s.Ref(KeyVPC)
}

// setSubnets points a resource at the stack's private (or public) subnets:
// references to the composed subnets, or the existing subnets' IDs.
func (s *Spec) setSubnets(public bool, ids *[]*string, refs *[]xpv1.NamespacedReference) {
	switch {
	case s.InExistingNetwork() && public:
		*ids = ptrList(s.Existing.PublicSubnetIDs...)
	case s.InExistingNetwork():
		*ids = ptrList(s.Existing.PrivateSubnetIDs...)
	case public:
		*refs = s.Refs(KeyPublicSubnet(0), KeyPublicSubnet(1))
	default:
		*refs = s.Refs(KeyPrivateSubnet(0), KeyPrivateSubnet(1))
	}
}

// instanceAZ is the AZ an Aurora instance is pinned to. In an existing
// network the function does not know the subnets' AZs: RDS places the
// instance in one of the DB subnet group's AZs.
func (s *Spec) instanceAZ(i int) *string {
	if s.InExistingNetwork() {
		return nil
	}
	return new(s.AZ(i))
}

// refuseNetworkMove refuses a render that would move a stack between its
// own network and an existing one: every resource in the network would be
// replaced, the database with it.
func refuseNetworkMove(s *Spec, o engine.Observed) error {
	switch {
	case s.InExistingNetwork() && o.Exists(KeyVPC):
		return ValidationError{{
			Field: "spec.network.existing", Value: s.Existing.VpcID,
			Rule: "cannot be set after creation: the stack has its own VPC " + s.ObjectName(KeyVPC) + ", and moving to another network would replace every resource in it, the database included",
		}}
	case !s.InExistingNetwork() && o.Exists(KeyClaimMarker):
		return ValidationError{{
			Field: "spec.network.existing", Value: "",
			Rule: "cannot be removed after creation: the stack is in an existing network, and moving to a network of its own would replace every resource in it, the database included",
		}}
	}
	return nil
}

// inSubnets puts the ECS service's tasks into the stack's private subnets.
func inSubnets(d engine.Desired, s *Spec) engine.Desired {
	if svc, ok := d.Object.(*ecs.Service); ok && svc.Spec.ForProvider.NetworkConfiguration != nil {
		nc := svc.Spec.ForProvider.NetworkConfiguration
		s.setSubnets(false, &nc.Subnets, &nc.SubnetRefs)
	}
	return d
}
