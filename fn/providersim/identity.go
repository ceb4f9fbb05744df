package providersim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// object is one resource as the provider sees it.
type object struct {
	u    *unstructured.Unstructured
	key  string
	kind string // <short group>/<Kind>, e.g. ec2/VPC; "" for non-AWS kinds
	hash string // hex digest of the key, the source of fake IDs
	name string // the AWS name: forProvider.name, family or the external name

	externalName, id, arn string
	extra                 map[string]any // more status.atProvider fields
	err                   error          // why the provider cannot create it
}

func newObject(u *unstructured.Unstructured) *object {
	key := compositionResourceName(u)
	sum := sha256.Sum256([]byte(key))
	o := &object{u: u, key: key, hash: hex.EncodeToString(sum[:])}
	gvk := u.GroupVersionKind()
	if short, ok := strings.CutSuffix(gvk.Group, ".aws.m.upbound.io"); ok {
		o.kind = short + "/" + gvk.Kind
	}
	// Crossplane sets the external name to metadata.name when it is unset.
	o.externalName = u.GetName()
	if en := u.GetAnnotations()[annotationExternalName]; en != "" {
		o.externalName = en
	}
	o.name = o.externalName
	for _, f := range []string{"name", "family"} {
		if v := o.forProvider(f); v != "" {
			o.name = v
			break
		}
	}
	return o
}

// ec2IDs are the kinds whose ID AWS assigns (the provider records it as the
// external name): the ID prefix and the resource type in the ARN ("" when
// the kind has no ARN).
var ec2IDs = map[string][2]string{
	"VPC":                      {"vpc-", "vpc"},
	"Subnet":                   {"subnet-", "subnet"},
	"InternetGateway":          {"igw-", "internet-gateway"},
	"RouteTable":               {"rtb-", "route-table"},
	"RouteTableAssociation":    {"rtbassoc-", ""},
	"EIP":                      {"eipalloc-", "elastic-ip"},
	"NATGateway":               {"nat-", ""},
	"FlowLog":                  {"fl-", "vpc-flow-log"},
	"SecurityGroup":            {"sg-", "security-group"},
	"SecurityGroupIngressRule": {"sgr-", "security-group-rule"},
	"SecurityGroupEgressRule":  {"sgr-", "security-group-rule"},
}

// identify sets the external name, ID, ARN and other status values AWS
// reports for this kind.
func (o *object) identify() {
	if o.kind == "" {
		return
	}
	region := o.forProvider("region")
	if region == "" {
		region = Region
	}
	arn := func(service, resource string) string {
		return "arn:aws:" + service + ":" + region + ":" + Account + ":" + resource
	}
	o.id, o.arn, o.extra = o.externalName, "", map[string]any{}
	group, kind, _ := strings.Cut(o.kind, "/")
	if ids, ok := ec2IDs[kind]; ok && group == "ec2" {
		o.id = ids[0] + o.hex(17)
		o.externalName = o.id
		if ids[1] != "" {
			o.arn = arn("ec2", ids[1]+"/"+o.id)
		}
		if kind == "VPC" {
			o.extra["ownerId"] = Account
		}
		if kind == "EIP" {
			o.extra["allocationId"] = o.id
			o.extra["publicIp"] = fmt.Sprintf("13.48.%d.%d", o.number(256), o.number(253)+1)
		}
		return
	}
	switch o.kind {
	case "ec2/Route":
		o.id = "r-" + o.forProvider("routeTableId") + o.digits(10)
		o.externalName = o.id
	case "iam/Role":
		o.arn = "arn:aws:iam::" + Account + ":role/" + o.name
	case "iam/RolePolicy":
		o.id = o.forProvider("role") + ":" + o.name
	case "cloudwatchlogs/Group":
		o.arn = arn("logs", "log-group:"+o.name)
	case "elbv2/LB":
		suffix := "app/" + o.name + "/" + o.hex(16)
		o.setARNIdentity(arn("elasticloadbalancing", "loadbalancer/"+suffix))
		o.extra["name"] = o.name
		o.extra["arnSuffix"] = suffix
		o.extra["dnsName"] = o.name + "-" + o.digits(10) + "." + region + ".elb.amazonaws.com"
	case "elbv2/LBTargetGroup":
		suffix := "targetgroup/" + o.name + "/" + o.hex(16)
		o.setARNIdentity(arn("elasticloadbalancing", suffix))
		o.extra["name"] = o.name
		o.extra["arnSuffix"] = suffix
	case "elbv2/LBListener":
		// AWS derives a listener's ARN from its load balancer's.
		lb := strings.Replace(o.forProvider("loadBalancerArn"), ":loadbalancer/", ":listener/", 1)
		o.setARNIdentity(lb + "/" + o.hex(16))
	case "elbv2/LBListenerRule":
		// And a rule's ARN extends its listener's.
		l := strings.Replace(o.forProvider("listenerArn"), ":listener/", ":listener-rule/", 1)
		o.setARNIdentity(l + "/" + o.hex(16))
	case "rds/SubnetGroup":
		o.arn = arn("rds", "subgrp:"+o.name)
	case "rds/Cluster":
		o.arn = arn("rds", "cluster:"+o.name)
		host := "." + region + ".rds.amazonaws.com"
		o.extra["endpoint"] = o.name + ".cluster-" + o.hex(12) + host
		o.extra["readerEndpoint"] = o.name + ".cluster-ro-" + o.hex(12) + host
		o.extra["port"] = o.databasePort()
		o.extra["masterUserSecret"] = []any{map[string]any{
			"secretArn":    arn("secretsmanager", "secret:rds!cluster-"+o.uuid()+"-"+o.hex(6)),
			"secretStatus": "active",
			"kmsKeyId":     arn("kms", "alias/aws/secretsmanager"),
		}}
	case "rds/ClusterInstance":
		o.arn = arn("rds", "db:"+o.name)
		o.extra["endpoint"] = o.name + "." + o.hex(12) + "." + region + ".rds.amazonaws.com"
		o.extra["port"] = o.databasePort()
	case "ecs/Cluster":
		o.arn = arn("ecs", "cluster/"+o.name)
		o.id = o.arn
	case "ecs/ClusterCapacityProviders":
		o.id = o.forProvider("clusterName")
		o.externalName = o.id
	case "ecs/Service":
		o.identifyService(arn("ecs", "service/"+o.forProvider("cluster")+"/"+o.name))
	case "ecs/TaskDefinition":
		o.identifyTaskDefinition(arn("ecs", "task-definition/"+o.name))
	case "sfn/StateMachine":
		o.setARNIdentity(arn("states", "stateMachine:"+o.name))
		o.externalName = o.name
	case "cloudwatchevents/Rule":
		o.arn = arn("events", "rule/"+o.name)
	case "cloudwatchevents/Target":
		o.id = o.forProvider("rule") + "-" + o.forProvider("targetId")
		o.externalName = o.id
	case "cloudfront/Distribution":
		o.id = "E" + strings.ToUpper(o.hex(13))
		o.externalName = o.id
		o.arn = "arn:aws:cloudfront::" + Account + ":distribution/" + o.id
		o.extra["domainName"] = "d" + o.hex(13) + ".cloudfront.net"
		o.extra["status"] = "Deployed"
		o.extra["hostedZoneId"] = "Z2FDTNDATAQYW2" // CloudFront's, in every account
	case "appautoscaling/Target":
		o.id = o.forProvider("resourceId")
		o.externalName = o.id
		o.arn = arn("application-autoscaling", "scalable-target/"+o.hex(36))
	case "appautoscaling/Policy":
		o.arn = arn("autoscaling", "scalingPolicy:"+o.uuid()+":resource/"+o.forProvider("resourceId")+":policyName/"+o.name)
	case "s3/Bucket":
		o.arn = "arn:aws:s3:::" + o.name
		o.extra["bucketDomainName"] = o.name + ".s3.amazonaws.com"
		o.extra["bucketRegionalDomainName"] = o.name + ".s3." + region + ".amazonaws.com"
	default:
		// S3 bucket configurations are identified by their bucket.
		if b := o.forProvider("bucket"); strings.HasPrefix(o.kind, "s3/Bucket") && b != "" {
			o.id, o.externalName = b, b
		}
	}
}

// setARNIdentity is for kinds whose ID and external name are their ARN.
func (o *object) setARNIdentity(arn string) {
	o.id, o.arn, o.externalName = arn, arn, arn
}

// identifyTaskDefinition identifies a revision of a task definition family.
// The provider's ID and external name are the family (Terraform's ID for
// aws_ecs_task_definition), shared by every revision; the ARN names the
// revision. AWS numbers the revisions of a family in registration order;
// the simulator keeps no history, so the revision derives from the key:
// the revisions of a family get different ARNs, as they do in AWS.
func (o *object) identifyTaskDefinition(arnWithoutRevision string) {
	revision := o.number(1000) + 1
	o.id, o.externalName = o.name, o.name
	o.arn = fmt.Sprintf("%s:%d", arnWithoutRevision, revision)
	o.extra["arnWithoutRevision"] = arnWithoutRevision
	o.extra["family"] = o.name
	o.extra["revision"] = float64(revision)
}

// databasePort is the port of an RDS cluster or instance: the one set, or
// the engine's default.
func (o *object) databasePort() float64 {
	port, _, _ := unstructured.NestedFieldNoCopy(o.u.Object, "spec", "forProvider", "port")
	switch p := port.(type) {
	case float64:
		return p
	case int64:
		return float64(p)
	}
	if strings.Contains(o.forProvider("engine"), "postgres") {
		return 5432
	}
	return 3306
}

func (o *object) forProvider(field string) string {
	v, _, _ := unstructured.NestedString(o.u.Object, "spec", "forProvider", field)
	return v
}

// hex returns n hex digits derived from the key.
func (o *object) hex(n int) string { return o.hash[:n] }

// digits returns n decimal digits derived from the key.
func (o *object) digits(n int) string {
	v, _ := new(big.Int).SetString(o.hash, 16)
	s := v.String()
	return s[len(s)-n:]
}

// number returns a number in [0, n) derived from the key.
func (o *object) number(n int) int {
	v, _ := new(big.Int).SetString(o.hash[:8], 16)
	return int(v.Int64() % int64(n))
}

// uuid returns a UUID-shaped string derived from the key.
func (o *object) uuid() string {
	h := o.hash
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
