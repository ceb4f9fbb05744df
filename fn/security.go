package fn

import (
	ec2 "github.com/upbound/provider-aws/v2/apis/namespaced/ec2/v1beta1"

	"github.com/platform/function-catalog-api/internal/engine"
)

// Keys of the security part: composition resource names, stable once released
// (a new key makes Crossplane delete the resource and create a new one).
const (
	KeySGLoadBalancer        = "security-group-alb"
	KeySGTasks               = "security-group-tasks"
	KeySGDatabase            = "security-group-database"
	KeyRuleALBFromCloudFront = "sg-rule-alb-ingress-cloudfront"
	KeyRuleALBToTasks        = "sg-rule-alb-egress-tasks"
	KeyRuleTasksFromALB      = "sg-rule-tasks-ingress-alb"
	KeyRuleTasksToDatabase   = "sg-rule-tasks-egress-database"
	KeyRuleTasksToHTTPS      = "sg-rule-tasks-egress-https"
	KeyRuleDatabaseFromTasks = "sg-rule-database-ingress-tasks"
)

// Protocols and CIDRs of the security group rules; anyIPv4 is also the
// destination of the default routes (network.go).
const (
	ruleProtocolTCP = "tcp"
	anyIPv4         = "0.0.0.0/0"
)

// buildSecurity renders the three least-privilege security groups (ALB,
// tasks, database) and every rule between them as its own
// SecurityGroupIngressRule or SecurityGroupEgressRule:
//
//	CloudFront prefix list -> ALB :ListenerPort
//	ALB   -> tasks    :spec.service.containerPort (egress on ALB, ingress on tasks)
//	tasks -> database :DatabasePort  (egress on tasks, ingress on database)
//	tasks -> 0.0.0.0/0 :443          (image pulls, logs, Secrets Manager via NAT)
//
// Nothing else: no ingress from 0.0.0.0/0 and no egress from the database.
// Security groups the provider creates have no egress rule at all, so every
// outbound path above must be stated. Everything here needs only the spec, so
// it renders on the first call.
func buildSecurity(s *Spec, _ engine.Observed) engine.Built {
	var b engine.Built
	b.Add(
		securityGroup(s, KeySGLoadBalancer, "security-group-alb",
			"Application load balancer of the catalog API: HTTP from CloudFront only"),
		securityGroup(s, KeySGTasks, "security-group-tasks",
			"ECS tasks of the catalog API: traffic from the load balancer only"),
		securityGroup(s, KeySGDatabase, "security-group-database",
			"Aurora PostgreSQL of the catalog API: PostgreSQL from the ECS tasks only"),
	)
	b.Add(
		albFromCloudFront(s),
		egressToGroup(s, KeyRuleALBToTasks, "sgr-alb-egress-tasks", KeySGLoadBalancer, KeySGTasks,
			s.App.ContainerPort, "To the ECS tasks on the container port"),
		ingressFromGroup(s, KeyRuleTasksFromALB, "sgr-tasks-ingress-alb", KeySGTasks, KeySGLoadBalancer,
			s.App.ContainerPort, "From the load balancer on the container port"),
		egressToGroup(s, KeyRuleTasksToDatabase, "sgr-tasks-egress-database", KeySGTasks, KeySGDatabase,
			DatabasePort, "To Aurora PostgreSQL"),
		tasksToHTTPS(s),
		ingressFromGroup(s, KeyRuleDatabaseFromTasks, "sgr-database-ingress-tasks", KeySGDatabase, KeySGTasks,
			DatabasePort, "From the ECS tasks on the PostgreSQL port"),
	)
	return b
}

// securityGroup is an empty security group in the stack's VPC; its rules are
// separate resources.
//
// The AWS name is "security-group-<role>-{suffix}" rather than
// "sg-<role>-{suffix}": EC2 rejects group names starting with "sg-"
// (CreateSecurityGroup, GroupName: "Can't start with sg-"). Name and
// description are replace-only, so neither may ever change.
func securityGroup(s *Spec, key, resourceType, description string) engine.Desired {
	name := s.Name(resourceType)
	sg := &ec2.SecurityGroup{
		Spec: ec2.SecurityGroupSpec{ForProvider: ec2.SecurityGroupParameters_2{
			Region:      new(s.Region),
			Tags:        s.Tags(name),
			Name:        new(name),
			Description: new(description),
			// The groups reference each other through rules. Revoking a
			// group's rules before deleting it keeps a deletion from
			// hanging on DependencyViolation while the rule resources of
			// the other groups are still being removed.
			RevokeRulesOnDelete: new(true),
		}},
	}
	s.setVPC(&sg.Spec.ForProvider.VPCID, &sg.Spec.ForProvider.VPCIDRef)
	return engine.Desired{Key: key, AWSName: name, Object: sg}
}

// albFromCloudFront lets only CloudFront's origin-facing servers reach the
// ALB, through the AWS managed prefix list. That list counts as about 55
// entries against the 60-rule quota of the group, so it allows one port.
func albFromCloudFront(s *Spec) engine.Desired {
	name := s.Name("sgr-alb-ingress-cloudfront")
	return engine.Desired{
		Key: KeyRuleALBFromCloudFront, AWSName: name,
		Object: &ec2.SecurityGroupIngressRule{
			Spec: ec2.SecurityGroupIngressRuleSpec{ForProvider: ec2.SecurityGroupIngressRuleParameters{
				Region:             new(s.Region),
				Tags:               s.Tags(name),
				SecurityGroupIDRef: s.Ref(KeySGLoadBalancer),
				Description:        new("HTTP from CloudFront origin-facing servers"),
				IPProtocol:         new(ruleProtocolTCP),
				FromPort:           f64(ListenerPort),
				ToPort:             f64(ListenerPort),
				PrefixListID:       new(s.RegionFacts.CloudFrontPrefixListID),
			}},
		},
	}
}

// tasksToHTTPS lets the tasks reach AWS APIs and registries over HTTPS
// through the NAT gateways: ECR/Docker Hub image pulls, CloudWatch Logs and
// the Secrets Manager secret ECS injects at task start.
func tasksToHTTPS(s *Spec) engine.Desired {
	name := s.Name("sgr-tasks-egress-https")
	return engine.Desired{
		Key: KeyRuleTasksToHTTPS, AWSName: name,
		Object: &ec2.SecurityGroupEgressRule{
			Spec: ec2.SecurityGroupEgressRuleSpec{ForProvider: ec2.SecurityGroupEgressRuleParameters{
				Region:             new(s.Region),
				Tags:               s.Tags(name),
				SecurityGroupIDRef: s.Ref(KeySGTasks),
				Description:        new("HTTPS to AWS APIs and image registries"),
				IPProtocol:         new(ruleProtocolTCP),
				FromPort:           f64(HTTPSPort),
				ToPort:             f64(HTTPSPort),
				CidrIPv4:           new(anyIPv4),
			}},
		},
	}
}

// ingressFromGroup allows TCP port into group key from the security group
// peer.
func ingressFromGroup(s *Spec, key, resourceType, group, peer string, port int, description string) engine.Desired {
	name := s.Name(resourceType)
	return engine.Desired{Key: key, AWSName: name, Object: &ec2.SecurityGroupIngressRule{
		Spec: ec2.SecurityGroupIngressRuleSpec{ForProvider: ec2.SecurityGroupIngressRuleParameters{
			Region:                       new(s.Region),
			Tags:                         s.Tags(name),
			SecurityGroupIDRef:           s.Ref(group),
			Description:                  new(description),
			IPProtocol:                   new(ruleProtocolTCP),
			FromPort:                     f64(port),
			ToPort:                       f64(port),
			ReferencedSecurityGroupIDRef: s.Ref(peer),
		}},
	}}
}

// egressToGroup allows TCP port out of group key to the security group peer.
func egressToGroup(s *Spec, key, resourceType, group, peer string, port int, description string) engine.Desired {
	name := s.Name(resourceType)
	return engine.Desired{Key: key, AWSName: name, Object: &ec2.SecurityGroupEgressRule{
		Spec: ec2.SecurityGroupEgressRuleSpec{ForProvider: ec2.SecurityGroupEgressRuleParameters{
			Region:                       new(s.Region),
			Tags:                         s.Tags(name),
			SecurityGroupIDRef:           s.Ref(group),
			Description:                  new(description),
			IPProtocol:                   new(ruleProtocolTCP),
			FromPort:                     f64(port),
			ToPort:                       f64(port),
			ReferencedSecurityGroupIDRef: s.Ref(peer),
		}},
	}}
}
