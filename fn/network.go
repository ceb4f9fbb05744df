package fn

import (
	ec2 "github.com/upbound/provider-aws/v2/apis/namespaced/ec2/v1beta1"

	xpv2 "github.com/crossplane/crossplane-runtime/v2/apis/common/v2"

	"github.com/platform/function-catalog-api/internal/engine"
)

// Keys of the network part: composition resource names, stable once released
// (a new key makes Crossplane delete the resource and create a new one).
const (
	KeyVPC                 = "vpc"
	KeyInternetGateway     = "internet-gateway"
	KeyPublicRouteTable    = "route-table-public"
	KeyPublicDefaultRoute  = "route-public-default"
	KeyFlowLog             = "flow-log"
	KeyFlowLogRole         = "role-flow-logs"
	KeyFlowLogRolePolicy   = "role-policy-flow-logs"
	KeyFlowLogGroup        = "log-group-flow-logs"
	KeyDefaultSG           = "security-group-default"
	keyPublicSubnetPrefix  = "subnet-public-"
	keyPrivateSubnetPrefix = "subnet-private-"
	keyEIPPrefix           = "eip-nat-"
	keyNATPrefix           = "nat-gateway-"
	keyPrivateRTPrefix     = "route-table-private-"
	keyPrivateRoutePrefix  = "route-private-default-"
	keyPublicRTAPrefix     = "route-table-association-public-"
	keyPrivateRTAPrefix    = "route-table-association-private-"
)

// zoneCount is the number of AZs the stack spans; zone(i) is the suffix of
// the i-th AZ's keys, in AZ order.
const zoneCount = 2

// zone is the suffix of the i-th AZ's keys and names.
func zone(i int) string { return [zoneCount]string{"a", "b"}[i] }

// KeyPublicSubnet and the functions below are the per-AZ keys.
func KeyPublicSubnet(i int) string  { return keyPublicSubnetPrefix + zone(i) }
func KeyPrivateSubnet(i int) string { return keyPrivateSubnetPrefix + zone(i) }
func KeyEIP(i int) string           { return keyEIPPrefix + zone(i) }
func KeyNATGateway(i int) string    { return keyNATPrefix + zone(i) }
func KeyPrivateRouteTable(i int) string {
	return keyPrivateRTPrefix + zone(i)
}
func KeyPrivateDefaultRoute(i int) string { return keyPrivateRoutePrefix + zone(i) }
func KeyPublicRTA(i int) string           { return keyPublicRTAPrefix + zone(i) }
func KeyPrivateRTA(i int) string          { return keyPrivateRTAPrefix + zone(i) }

// buildNetwork renders the VPC over two AZs: a public and a private subnet
// in each, an internet gateway, NAT gateway(s) with Elastic IPs, route
// tables, and VPC flow logs to CloudWatch.
func buildNetwork(s *Spec, o engine.Observed) engine.Built {
	if s.InExistingNetwork() {
		return buildExistingNetwork(s)
	}
	var b engine.Built
	b.Add(vpc(s))
	if s.Defaults.RestrictDefaultSecurityGroup {
		b.Add(defaultSecurityGroup(s))
	}
	b.Add(internetGateway(s), publicRouteTable(s), publicDefaultRoute(s))
	for i := range zoneCount {
		b.Add(subnet(s, i, true), subnet(s, i, false), routeTableAssociation(s, i, true))
		b.Add(privateRouteTable(s, i), routeTableAssociation(s, i, false))
		if s.NAT != NATNone {
			b.Add(privateDefaultRoute(s, i))
		}
		if i < natGateways(s) {
			b.Add(natEIP(s, i), natGateway(s, i))
		}
	}
	b.Retire(unneededNAT(s, o)...)
	endpoints := buildEndpoints(s)
	b.Add(endpoints...)
	b.Retire(unneededEndpoints(o, endpoints)...)
	b.Add(flowLogGroup(s))
	role, ok := serviceRole(s, o, KeyFlowLogRole, s.Name("role-flow-logs"), flowLogsService, func(account string) string {
		return "arn:aws:ec2:" + s.Region + ":" + account + ":vpc-flow-log/*"
	})
	if !ok {
		b.Waitf("%s%s", waitingForAccount, KeyFlowLogRole)
		return b
	}
	b.Add(role, flowLogRolePolicy(s), flowLog(s))
	return b
}

// unneededNAT are the observed NAT gateways, their Elastic IPs and the
// private default routes that fewer NAT gateways (natGateways: Single or
// None, asked in the Input or by a newer defaults revision) no longer
// need: they are let go rather than kept, because a kept NAT gateway costs
// what it did. The private route table of the AZ whose NAT gateway goes
// routes through the one that stays in the same render; AWS refuses to
// release an Elastic IP while the NAT gateway holds it, and provider-aws
// retries until the gateway is gone.
func unneededNAT(s *Spec, o engine.Observed) []string {
	var keys []string
	for i := natGateways(s); i < zoneCount; i++ {
		keys = append(keys, KeyNATGateway(i), KeyEIP(i))
	}
	if s.NAT == NATNone {
		for i := range zoneCount {
			keys = append(keys, KeyPrivateDefaultRoute(i))
		}
	}
	return append(observedKeys(o, keys), usagesOf(o, keys)...)
}

// defaultSecurityGroup restricts the VPC's default security group: no
// ingress and no egress rule (Security Hub EC2.2). AWS creates the group
// with the VPC, allowing all traffic between its members and all egress;
// nothing of the stack uses it (every network interface gets one of the
// stack's own groups; an interface endpoint holds the default group only
// until its association replaces it). provider-aws runs Terraform's
// aws_default_security_group: it does not create the group but adopts the
// VPC's, removes every rule at once and then keeps exactly the rules of
// the spec (none); deleting it only forgets the group, which goes with the
// VPC. Its external name is the group's ID, which the provider sets
// (IdentifierFromProvider in provider-aws's config/externalname.go), so the
// function sets none. Without late-initialization: ingress and egress are
// absent from the spec, and the provider must not copy a rule someone adds
// into it, which would keep that rule; it removes it instead. Only in the
// stack's own VPC: an existing network's default group is its owner's.
func defaultSecurityGroup(s *Spec) engine.Desired {
	name := s.Name("security-group-default")
	return engine.Desired{Key: KeyDefaultSG, AWSName: name, Object: &ec2.DefaultSecurityGroup{
		Spec: ec2.DefaultSecurityGroupSpec{
			ManagedResourceSpec: xpv2.ManagedResourceSpec{ManagementPolicies: withoutLateInitialize()},
			ForProvider: ec2.DefaultSecurityGroupParameters{
				Region:   new(s.Region),
				Tags:     s.Tags(name),
				VPCIDRef: s.Ref(KeyVPC),
			},
		},
	}}
}

// natGateways is the number of NAT gateways: one per AZ, or one for the
// stack (Input natGateways: Single), or none in an existing network.
func natGateways(s *Spec) int {
	switch {
	case s.InExistingNetwork() || s.NAT == NATNone:
		return 0
	case s.NAT == NATSingle:
		return 1
	}
	return zoneCount
}

// networkCost prices the NAT gateways and their Elastic IPs; the VPC, its
// subnets, routes and flow logs have no hourly charge.
func networkCost(s *Spec) []engine.CostLine {
	if s.InExistingNetwork() {
		return nil // The existing network's NAT gateways are not the stack's.
	}
	return append([]engine.CostLine{
		{Item: "NAT gateways", Unit: "gateway-hour", Quantity: count(natGateways(s)), Price: PriceNATGatewayHour, Hourly: true},
		publicIPv4Cost(natGateways(s)),
	}, endpointsCost(s)...)
}

// publicIPv4Cost prices n public IPv4 addresses. AWS charges every public
// address alike, so the parts that hold one (the NAT gateways' Elastic IPs,
// the ALB) declare it with this line and the estimate adds them up.
func publicIPv4Cost(n int) engine.CostLine {
	return engine.CostLine{Item: "Public IPv4 addresses", Unit: "address-hour", Quantity: count(n), Price: PricePublicIPv4Hour, Hourly: true}
}

// vpc is also the claim marker of the suffix (see claim.go).
func vpc(s *Spec) engine.Desired {
	name := s.Name("vpc")
	labels, annotations := claimMetadata(s)
	return engine.Desired{Key: KeyVPC, AWSName: name, Immutable: vpcImmutable(), Labels: labels, Annotations: annotations, Object: &ec2.VPC{
		Spec: ec2.VPCSpec{ForProvider: ec2.VPCParameters_2{
			Region:             new(s.Region),
			Tags:               s.Tags(name),
			CidrBlock:          new(s.VpcCidr),
			EnableDNSHostnames: new(true),
			EnableDNSSupport:   new(true),
		}},
	}}
}

// vpcImmutable are the CatalogApi fields the VPC carries that can never
// change.
func vpcImmutable() []engine.Immutable {
	return []engine.Immutable{
		{Field: "spec.region", Path: "spec.forProvider.region", Why: "resources cannot move between regions"},
		{Field: "spec.network.vpcCidr", Path: "spec.forProvider.cidrBlock", Why: "a VPC's primary CIDR cannot change; the VPC and everything in it would be replaced"},
	}
}

func subnet(s *Spec, i int, public bool) engine.Desired {
	key, kind, cidr := KeyPrivateSubnet(i), "private", s.PrivateSubnetCidrs[i]
	if public {
		key, kind, cidr = KeyPublicSubnet(i), "public", s.PublicSubnetCidrs[i]
	}
	name := s.Name("subnet-" + kind + "-" + zone(i))
	return engine.Desired{Key: key, AWSName: name, Object: &ec2.Subnet{
		Spec: ec2.SubnetSpec{ForProvider: ec2.SubnetParameters_2{
			Region:           new(s.Region),
			Tags:             s.Tags(name),
			VPCIDRef:         s.Ref(KeyVPC),
			AvailabilityZone: new(s.AZ(i)),
			CidrBlock:        new(cidr),
			// Only the ALB and NAT gateways live in public subnets; nothing
			// there needs an automatic public IP.
			MapPublicIPOnLaunch: new(false),
		}},
	}}
}

func internetGateway(s *Spec) engine.Desired {
	name := s.Name("igw")
	return engine.Desired{Key: KeyInternetGateway, AWSName: name, Object: &ec2.InternetGateway{
		Spec: ec2.InternetGatewaySpec{ForProvider: ec2.InternetGatewayParameters_2{
			Region:   new(s.Region),
			Tags:     s.Tags(name),
			VPCIDRef: s.Ref(KeyVPC),
		}},
	}}
}

// natEIP is the Elastic IP of AZ i's NAT gateway, which uses it: an address
// in use cannot be released.
func natEIP(s *Spec, i int) engine.Desired {
	name := s.Name("eip-nat-" + zone(i))
	return engine.Desired{Key: KeyEIP(i), AWSName: name, Object: &ec2.EIP{
		Spec: ec2.EIPSpec{ForProvider: ec2.EIPParameters{
			Region: new(s.Region),
			Tags:   s.Tags(name),
			Domain: new("vpc"),
		}},
	}}
}

// natGateway is the NAT gateway of AZ i. Its public address keeps the
// internet gateway from being detached (DependencyViolation), and EC2
// refuses to release its Elastic IP while it exists: both outlive it
// without a Usage, as provider-aws retries the refused deletions.
func natGateway(s *Spec, i int) engine.Desired {
	name := s.Name("nat-" + zone(i))
	return engine.Desired{
		Key: KeyNATGateway(i), AWSName: name,
		Readiness: engine.Readiness{Hint: "a NAT gateway usually becomes available within 2 to 5 minutes"},
		Object: &ec2.NATGateway{Spec: ec2.NATGatewaySpec{ForProvider: ec2.NATGatewayParameters_2{
			Region:          new(s.Region),
			Tags:            s.Tags(name),
			AllocationIDRef: s.Ref(KeyEIP(i)),
			SubnetIDRef:     s.Ref(KeyPublicSubnet(i)),
		}}},
	}
}

func publicRouteTable(s *Spec) engine.Desired {
	return routeTable(s, KeyPublicRouteTable, s.Name("rtb-public"))
}

func privateRouteTable(s *Spec, i int) engine.Desired {
	return routeTable(s, KeyPrivateRouteTable(i), s.Name("rtb-private-"+zone(i)))
}

func routeTable(s *Spec, key, name string) engine.Desired {
	return engine.Desired{Key: key, AWSName: name, Object: &ec2.RouteTable{
		Spec: ec2.RouteTableSpec{ForProvider: ec2.RouteTableParameters_2{
			Region:   new(s.Region),
			Tags:     s.Tags(name),
			VPCIDRef: s.Ref(KeyVPC),
		}},
	}}
}

func publicDefaultRoute(s *Spec) engine.Desired {
	return engine.Desired{Key: KeyPublicDefaultRoute, Object: &ec2.Route{
		Spec: ec2.RouteSpec{ForProvider: ec2.RouteParameters_2{
			Region:               new(s.Region),
			RouteTableIDRef:      s.Ref(KeyPublicRouteTable),
			DestinationCidrBlock: new(anyIPv4),
			GatewayIDRef:         s.Ref(KeyInternetGateway),
		}},
	}}
}

// privateDefaultRoute sends a private subnet's traffic to the NAT gateway of
// its own AZ, or to the single NAT gateway.
func privateDefaultRoute(s *Spec, i int) engine.Desired {
	nat := 0
	if s.NAT == NATPerAZ {
		nat = i
	}
	return engine.Desired{Key: KeyPrivateDefaultRoute(i), Object: &ec2.Route{
		Spec: ec2.RouteSpec{ForProvider: ec2.RouteParameters_2{
			Region:               new(s.Region),
			RouteTableIDRef:      s.Ref(KeyPrivateRouteTable(i)),
			DestinationCidrBlock: new(anyIPv4),
			NATGatewayIDRef:      s.Ref(KeyNATGateway(nat)),
		}},
	}}
}

func routeTableAssociation(s *Spec, i int, public bool) engine.Desired {
	key, rt, sn := KeyPrivateRTA(i), KeyPrivateRouteTable(i), KeyPrivateSubnet(i)
	if public {
		key, rt, sn = KeyPublicRTA(i), KeyPublicRouteTable, KeyPublicSubnet(i)
	}
	return engine.Desired{Key: key, Object: &ec2.RouteTableAssociation{
		Spec: ec2.RouteTableAssociationSpec{ForProvider: ec2.RouteTableAssociationParameters{
			Region:          new(s.Region),
			RouteTableIDRef: s.Ref(rt),
			SubnetIDRef:     s.Ref(sn),
		}},
	}}
}

func flowLogGroup(s *Spec) engine.Desired {
	return logGroup(s, KeyFlowLogGroup, FlowLogGroupName(s))
}

// flowLogsService is the service principal that delivers VPC flow logs.
const flowLogsService = "vpc-flow-logs.amazonaws.com"

// The flow-log role (serviceRole) lets only VPC Flow Logs assume it, and
// only for flow logs of this account in this region: the conditions the
// Amazon VPC user guide recommends ("IAM role for publishing flow logs to
// CloudWatch Logs"). Without the account nothing of the flow log renders.

// flowLogRolePolicy grants what the Amazon VPC user guide lists for
// publishing flow logs to CloudWatch Logs, on the stack's flow-log group
// only, except DescribeLogGroups: a list action, granted on the region's
// log groups. CreateLogGroup lets delivery recreate a deleted group; the
// flow log's Uses keep the group until the flow log is gone.
func flowLogRolePolicy(s *Spec) engine.Desired {
	group := logGroupARN(s, FlowLogGroupName(s))
	doc := policyDocument(
		allow(
			[]string{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
			group, group+":log-stream:*"),
		allow([]string{"logs:DescribeLogGroups"}, logGroupARN(s, "*")),
	)
	return inlinePolicy(s, KeyFlowLogRolePolicy, KeyFlowLogRole, s.Name("policy-flow-logs"), doc)
}

// flowLog delivers the VPC's flow logs to its log group, which must outlive
// it: delivery creates a missing group again, with no retention.
func flowLog(s *Spec) engine.Desired {
	name := s.Name("flow-log")
	return engine.Desired{Key: KeyFlowLog, AWSName: name, Uses: []string{KeyFlowLogGroup}, Object: &ec2.FlowLog{
		Spec: ec2.FlowLogSpec{ForProvider: ec2.FlowLogParameters{
			Region:             new(s.Region),
			Tags:               s.Tags(name),
			VPCIDRef:           s.Ref(KeyVPC),
			TrafficType:        new(s.FlowLogTrafficType),
			LogDestinationType: new("cloud-watch-logs"),
			LogDestinationRef:  s.Ref(KeyFlowLogGroup),
			IAMRoleArnRef:      s.Ref(KeyFlowLogRole),
		}},
	}}
}
