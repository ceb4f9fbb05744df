package fn

import (
	"strings"

	ec2 "github.com/upbound/provider-aws/v2/apis/namespaced/ec2/v1beta1"

	"github.com/platform/function-catalog-api/internal/engine"
)

// VPC endpoints (Input vpcEndpoints), part of the network part: the AWS
// services the tasks call are reached inside the VPC instead of through
// the NAT gateways. The ECS agent of a Fargate task pulls the image
// (ECR api and dkr; the layers come from S3), sends the logs (CloudWatch
// Logs) and reads the secrets (Secrets Manager, SSM) through the task's
// network interface; ECS Exec's agent talks to SSM Messages. Fargate needs
// no ECS endpoint: its agent is AWS's.
//
// provider-aws sets an endpoint's subnets, security groups and route
// tables only through association resources; the endpoint itself is
// created without them. No deletion edge is declared: EC2 refuses to
// delete a subnet or a security group while an endpoint's interface is in
// it, and the provider retries until the endpoint is gone, so the wrong
// order only takes longer.

// Keys of the endpoints.
const (
	KeySGEndpoints           = "security-group-endpoints"
	KeyRuleEndpointsFromTask = "sg-rule-endpoints-ingress-tasks"
	KeyS3Endpoint            = "vpc-endpoint-s3"
	keyEndpointPrefix        = "vpc-endpoint-"
)

// interfaceEndpointServices are the interface endpoints of the stack, by
// the service's short name (com.amazonaws.<region>.<name>).
func interfaceEndpointServices(s *Spec) []string {
	out := []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager"}
	if _, params := secretARNs(s.App.Secrets); len(params) > 0 {
		out = append(out, "ssm")
	}
	if s.App.ExecuteCommand {
		out = append(out, "ssmmessages")
	}
	return out
}

// hasEndpoints says whether the stack composes VPC endpoints: asked by the
// Input, in a network of its own.
func hasEndpoints(s *Spec) bool { return s.VPCEndpoints && !s.InExistingNetwork() }

// keyEndpoint is the key of the endpoint of a service ("ecr.api" ->
// vpc-endpoint-ecr-api).
func keyEndpoint(service string) string {
	return keyEndpointPrefix + strings.ReplaceAll(service, ".", "-")
}

// buildEndpoints renders the endpoints, their security group and its rule.
func buildEndpoints(s *Spec) []engine.Desired {
	if !hasEndpoints(s) {
		return nil
	}
	// The group, its rule, the S3 endpoint and its route table associations.
	const fixed = 3
	out := make([]engine.Desired, 0, fixed+zoneCount)
	out = append(out,
		securityGroup(s, KeySGEndpoints, "security-group-endpoints", "VPC endpoints of the catalog API: HTTPS from the ECS tasks only"),
		ingressFromGroup(s, KeyRuleEndpointsFromTask, "sgr-endpoints-ingress-tasks", KeySGEndpoints, KeySGTasks, HTTPSPort, "HTTPS from the ECS tasks"),
		vpcEndpoint(s, KeyS3Endpoint, "s3", "Gateway"),
	)
	for i := range zoneCount {
		out = append(out, engine.Desired{Key: KeyS3Endpoint + "-" + KeyPrivateRouteTable(i), Object: &ec2.VPCEndpointRouteTableAssociation{
			Spec: ec2.VPCEndpointRouteTableAssociationSpec{ForProvider: ec2.VPCEndpointRouteTableAssociationParameters{
				Region:           new(s.Region),
				VPCEndpointIDRef: s.Ref(KeyS3Endpoint),
				RouteTableIDRef:  s.Ref(KeyPrivateRouteTable(i)),
			}},
		}})
	}
	for _, svc := range interfaceEndpointServices(s) {
		out = append(out, interfaceEndpoint(s, svc)...)
	}
	return out
}

// unneededEndpoints are the observed endpoint resources the stack no
// longer renders (the Input turned vpcEndpoints off, or the app no longer
// injects SSM parameters or uses ECS Exec): they are let go rather than
// kept at their hourly cost. With the endpoint gone, private DNS resolves
// the service's public name again, which the tasks reach through NAT.
func unneededEndpoints(o engine.Observed, rendered []engine.Desired) []string {
	keep := map[string]bool{}
	for _, d := range rendered {
		keep[d.Key] = true
	}
	var out []string
	for _, k := range o.Keys() {
		if isEndpointKey(k) && !keep[k] {
			out = append(out, k)
		}
	}
	return out
}

// isEndpointKey says whether a key is one of the endpoint resources: an
// endpoint, its associations, or the endpoints' security group and rule.
func isEndpointKey(k string) bool {
	return strings.HasPrefix(k, keyEndpointPrefix) || k == KeySGEndpoints || k == KeyRuleEndpointsFromTask
}

// vpcEndpoint is an endpoint of the AWS service com.amazonaws.<region>.<name>.
// An interface endpoint has private DNS on: the service's usual name
// resolves to the endpoint inside the VPC, so nothing in the tasks changes.
func vpcEndpoint(s *Spec, key, service, kind string) engine.Desired {
	name := s.Name(key)
	p := ec2.VPCEndpointParameters_2{
		Region:          new(s.Region),
		Tags:            s.Tags(name),
		ServiceName:     new("com.amazonaws." + s.Region + "." + service),
		VPCEndpointType: new(kind),
		VPCIDRef:        s.Ref(KeyVPC),
	}
	if kind == "Interface" {
		p.PrivateDNSEnabled = new(true)
	}
	return engine.Desired{Key: key, AWSName: name, Object: &ec2.VPCEndpoint{Spec: ec2.VPCEndpointSpec{ForProvider: p}}}
}

// interfaceEndpoint is an interface endpoint with an interface in each
// private subnet and the endpoints' security group instead of the VPC's
// default one.
func interfaceEndpoint(s *Spec, service string) []engine.Desired {
	key := keyEndpoint(service)
	// The endpoint, its security group association, a subnet association
	// per AZ.
	const fixed = 2
	out := make([]engine.Desired, 0, fixed+zoneCount)
	out = append(out,
		vpcEndpoint(s, key, service, "Interface"),
		engine.Desired{Key: key + "-sg", Object: &ec2.VPCEndpointSecurityGroupAssociation{
			Spec: ec2.VPCEndpointSecurityGroupAssociationSpec{ForProvider: ec2.VPCEndpointSecurityGroupAssociationParameters{
				Region:                    new(s.Region),
				VPCEndpointIDRef:          s.Ref(key),
				SecurityGroupIDRef:        s.Ref(KeySGEndpoints),
				ReplaceDefaultAssociation: new(true),
			}},
		}},
	)
	for i := range zoneCount {
		out = append(out, engine.Desired{Key: key + "-" + KeyPrivateSubnet(i), Object: &ec2.VPCEndpointSubnetAssociation{
			Spec: ec2.VPCEndpointSubnetAssociationSpec{ForProvider: ec2.VPCEndpointSubnetAssociationParameters{
				Region:           new(s.Region),
				VPCEndpointIDRef: s.Ref(key),
				SubnetIDRef:      s.Ref(KeyPrivateSubnet(i)),
			}},
		}})
	}
	return out
}

// endpointsCost prices the interface endpoints: one hourly charge per
// endpoint and AZ. The S3 gateway endpoint is free; data processing is not
// priced.
func endpointsCost(s *Spec) []engine.CostLine {
	if !hasEndpoints(s) {
		return nil
	}
	return []engine.CostLine{{
		Item: "VPC interface endpoints", Unit: "endpoint-AZ-hour",
		Quantity: count(len(interfaceEndpointServices(s)) * zoneCount), Price: PriceVPCEndpointAZHour, Hourly: true,
	}}
}

// checkNATMode checks the Input's natGateways: None needs the endpoints.
func (s *Spec) checkNATMode(given string, v *validator) {
	switch s.NAT {
	case NATPerAZ, NATSingle:
	case NATNone:
		if !s.VPCEndpoints {
			v.fail("input.natGateways", given, "None needs input.vpcEndpoints: true, or the tasks could reach neither the image registry nor CloudWatch Logs nor Secrets Manager")
		}
	default:
		v.fail("input.natGateways", given, "must be PerAZ, Single or None")
	}
}

// checkImageWithoutNAT refuses, without NAT gateways, an image the tasks
// cannot pull: only a private ECR repository of the stack's region is
// reachable through the endpoints.
func (s *Spec) checkImageWithoutNAT(v *validator) {
	if s.NAT != NATNone || s.InExistingNetwork() || s.Image == "" {
		return
	}
	m := ecrImageRe.FindStringSubmatch(s.Image)
	if len(m) < 3 || m[2] != s.Region {
		v.fail("spec.image", s.Image, "must be in a private ECR repository of spec.region ("+s.Region+"): the Composition's input.natGateways is None, so the tasks reach ECR through VPC endpoints only")
	}
}
