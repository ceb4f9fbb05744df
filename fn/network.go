package fn

import (
	ec2 "github.com/upbound/provider-aws/v2/apis/namespaced/ec2/v1beta1"
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
	keyPublicSubnetPrefix  = "subnet-public-"
	keyPrivateSubnetPrefix = "subnet-private-"
	keyEIPPrefix           = "eip-nat-"
	keyNATPrefix           = "nat-gateway-"
	keyPrivateRTPrefix     = "route-table-private-"
	keyPrivateRoutePrefix  = "route-private-default-"
	keyPublicRTAPrefix     = "route-table-association-public-"
	keyPrivateRTAPrefix    = "route-table-association-private-"
)

// zones are the suffixes of the per-AZ keys, in AZ order.
var zones = [2]string{"a", "b"}

// Per-AZ keys.
func KeyPublicSubnet(i int) string  { return keyPublicSubnetPrefix + zones[i] }
func KeyPrivateSubnet(i int) string { return keyPrivateSubnetPrefix + zones[i] }
func KeyEIP(i int) string           { return keyEIPPrefix + zones[i] }
func KeyNATGateway(i int) string    { return keyNATPrefix + zones[i] }
func KeyPrivateRouteTable(i int) string {
	return keyPrivateRTPrefix + zones[i]
}
func KeyPrivateDefaultRoute(i int) string { return keyPrivateRoutePrefix + zones[i] }
func KeyPublicRTA(i int) string           { return keyPublicRTAPrefix + zones[i] }
func KeyPrivateRTA(i int) string          { return keyPrivateRTAPrefix + zones[i] }

// buildNetwork renders the VPC over two AZs: a public and a private subnet
// in each, an internet gateway, NAT gateway(s) with Elastic IPs, route
// tables, and VPC flow logs to CloudWatch.
func buildNetwork(s *Spec, _ Observed) Built {
	var b Built
	b.Add(vpc(s), internetGateway(s), publicRouteTable(s), publicDefaultRoute(s))
	for i := range zones {
		b.Add(subnet(s, i, true), subnet(s, i, false), routeTableAssociation(s, i, true))
		b.Add(privateRouteTable(s, i), privateDefaultRoute(s, i), routeTableAssociation(s, i, false))
		if i == 0 || s.NAT == NATPerAZ {
			b.Add(natEIP(s, i), natGateway(s, i))
		}
	}
	b.Add(flowLogGroup(s), flowLogRole(s), flowLogRolePolicy(s), flowLog(s))
	return b
}

func vpc(s *Spec) Desired {
	name := s.Name("vpc")
	return Desired{Key: KeyVPC, AWSName: name, Immutable: vpcImmutable(), Object: &ec2.VPC{
		Spec: ec2.VPCSpec{ForProvider: ec2.VPCParameters_2{
			Region:             ptr(s.Region),
			Tags:               s.Tags(name),
			CidrBlock:          ptr(s.VpcCidr),
			EnableDNSHostnames: ptr(true),
			EnableDNSSupport:   ptr(true),
		}},
	}}
}

// vpcImmutable are the CatalogApi fields the VPC carries that can never
// change.
func vpcImmutable() []Immutable {
	return []Immutable{
		{Field: "spec.region", Path: "spec.forProvider.region", Why: "resources cannot move between regions"},
		{Field: "spec.network.vpcCidr", Path: "spec.forProvider.cidrBlock", Why: "a VPC's primary CIDR cannot change; the VPC and everything in it would be replaced"},
	}
}

func subnet(s *Spec, i int, public bool) Desired {
	key, kind, cidr := KeyPrivateSubnet(i), "private", s.PrivateSubnetCidrs[i]
	if public {
		key, kind, cidr = KeyPublicSubnet(i), "public", s.PublicSubnetCidrs[i]
	}
	name := s.Name("subnet-" + kind + "-" + zones[i])
	return Desired{Key: key, AWSName: name, Object: &ec2.Subnet{
		Spec: ec2.SubnetSpec{ForProvider: ec2.SubnetParameters_2{
			Region:           ptr(s.Region),
			Tags:             s.Tags(name),
			VPCIDRef:         s.Ref(KeyVPC),
			AvailabilityZone: ptr(s.AZ(i)),
			CidrBlock:        ptr(cidr),
			// Only the ALB and NAT gateways live in public subnets; nothing
			// there needs an automatic public IP.
			MapPublicIPOnLaunch: ptr(false),
		}},
	}}
}

func internetGateway(s *Spec) Desired {
	name := s.Name("igw")
	return Desired{Key: KeyInternetGateway, AWSName: name, Object: &ec2.InternetGateway{
		Spec: ec2.InternetGatewaySpec{ForProvider: ec2.InternetGatewayParameters_2{
			Region:   ptr(s.Region),
			Tags:     s.Tags(name),
			VPCIDRef: s.Ref(KeyVPC),
		}},
	}}
}

func natEIP(s *Spec, i int) Desired {
	name := s.Name("eip-nat-" + zones[i])
	return Desired{Key: KeyEIP(i), AWSName: name, Object: &ec2.EIP{
		Spec: ec2.EIPSpec{ForProvider: ec2.EIPParameters{
			Region: ptr(s.Region),
			Tags:   s.Tags(name),
			Domain: ptr("vpc"),
		}},
	}}
}

// natGateway is the NAT gateway of AZ i. Its public address keeps the
// internet gateway from being detached, so the internet gateway must
// outlive it.
func natGateway(s *Spec, i int) Desired {
	name := s.Name("nat-" + zones[i])
	return Desired{Key: KeyNATGateway(i), AWSName: name,
		Uses: []string{KeyInternetGateway},
		Hint: "a NAT gateway usually becomes available within 2 to 5 minutes",
		Object: &ec2.NATGateway{Spec: ec2.NATGatewaySpec{ForProvider: ec2.NATGatewayParameters_2{
			Region:          ptr(s.Region),
			Tags:            s.Tags(name),
			AllocationIDRef: s.Ref(KeyEIP(i)),
			SubnetIDRef:     s.Ref(KeyPublicSubnet(i)),
		}}},
	}
}

func publicRouteTable(s *Spec) Desired {
	return routeTable(s, KeyPublicRouteTable, s.Name("rtb-public"))
}

func privateRouteTable(s *Spec, i int) Desired {
	return routeTable(s, KeyPrivateRouteTable(i), s.Name("rtb-private-"+zones[i]))
}

func routeTable(s *Spec, key, name string) Desired {
	return Desired{Key: key, AWSName: name, Object: &ec2.RouteTable{
		Spec: ec2.RouteTableSpec{ForProvider: ec2.RouteTableParameters_2{
			Region:   ptr(s.Region),
			Tags:     s.Tags(name),
			VPCIDRef: s.Ref(KeyVPC),
		}},
	}}
}

func publicDefaultRoute(s *Spec) Desired {
	return Desired{Key: KeyPublicDefaultRoute, Object: &ec2.Route{
		Spec: ec2.RouteSpec{ForProvider: ec2.RouteParameters_2{
			Region:               ptr(s.Region),
			RouteTableIDRef:      s.Ref(KeyPublicRouteTable),
			DestinationCidrBlock: ptr("0.0.0.0/0"),
			GatewayIDRef:         s.Ref(KeyInternetGateway),
		}},
	}}
}

// privateDefaultRoute sends a private subnet's traffic to the NAT gateway of
// its own AZ, or to the single NAT gateway.
func privateDefaultRoute(s *Spec, i int) Desired {
	nat := 0
	if s.NAT == NATPerAZ {
		nat = i
	}
	return Desired{Key: KeyPrivateDefaultRoute(i), Object: &ec2.Route{
		Spec: ec2.RouteSpec{ForProvider: ec2.RouteParameters_2{
			Region:               ptr(s.Region),
			RouteTableIDRef:      s.Ref(KeyPrivateRouteTable(i)),
			DestinationCidrBlock: ptr("0.0.0.0/0"),
			NATGatewayIDRef:      s.Ref(KeyNATGateway(nat)),
		}},
	}}
}

func routeTableAssociation(s *Spec, i int, public bool) Desired {
	key, rt, sn := KeyPrivateRTA(i), KeyPrivateRouteTable(i), KeyPrivateSubnet(i)
	if public {
		key, rt, sn = KeyPublicRTA(i), KeyPublicRouteTable, KeyPublicSubnet(i)
	}
	return Desired{Key: key, Object: &ec2.RouteTableAssociation{
		Spec: ec2.RouteTableAssociationSpec{ForProvider: ec2.RouteTableAssociationParameters{
			Region:          ptr(s.Region),
			RouteTableIDRef: s.Ref(rt),
			SubnetIDRef:     s.Ref(sn),
		}},
	}}
}

func flowLogGroup(s *Spec) Desired {
	return logGroup(s, KeyFlowLogGroup, FlowLogGroupName(s))
}

func flowLogRole(s *Spec) Desired {
	return serviceRole(s, KeyFlowLogRole, s.Name("role-flow-logs"), "vpc-flow-logs.amazonaws.com")
}

// flowLogRolePolicy lets the VPC flow logs service write to its own log
// group only.
func flowLogRolePolicy(s *Spec) Desired {
	doc := policyDocument(statement("Allow",
		[]string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
		logGroupARN(s, FlowLogGroupName(s)), logGroupARN(s, FlowLogGroupName(s))+":log-stream:*"))
	return inlinePolicy(s, KeyFlowLogRolePolicy, KeyFlowLogRole, s.Name("policy-flow-logs"), doc)
}

func flowLog(s *Spec) Desired {
	name := s.Name("flow-log")
	return Desired{Key: KeyFlowLog, AWSName: name, Object: &ec2.FlowLog{
		Spec: ec2.FlowLogSpec{ForProvider: ec2.FlowLogParameters{
			Region:             ptr(s.Region),
			Tags:               s.Tags(name),
			VPCIDRef:           s.Ref(KeyVPC),
			TrafficType:        ptr("ALL"),
			LogDestinationType: ptr("cloud-watch-logs"),
			LogDestinationRef:  s.Ref(KeyFlowLogGroup),
			IAMRoleArnRef:      s.Ref(KeyFlowLogRole),
		}},
	}}
}
