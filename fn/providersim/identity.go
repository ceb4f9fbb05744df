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

// Lengths and ranges of the identifiers AWS assigns, as they appear in AWS's
// documentation and in real resources; the simulator derives them from the
// key's hash so that they look, and sort, like the real ones.
const (
	// ec2IDHexDigits: EC2's long resource IDs (vpc-, subnet-, sg-, ...) are
	// the prefix and 17 hex digits.
	ec2IDHexDigits = 17
	// eipOctets and eipHostOctets draw the last two octets of an Elastic
	// IP: any third octet, a fourth of 1 to 253.
	eipOctets     = 256
	eipHostOctets = 253
	// routeIDDigits: Terraform's route ID is "r-", the route table's ID and
	// a 10-digit hash of the destination.
	routeIDDigits = 10
	// elbDNSDigits: a load balancer's DNS name is <name>-<10 digits>.<region>.elb.amazonaws.com.
	elbDNSDigits = 10
	// elbIDHexDigits: ELBv2 ARNs (load balancer, target group, listener,
	// rule) end in a 16-hex-digit ID.
	elbIDHexDigits = 16
	// rdsHostHexDigits: RDS endpoints carry a 12-character cluster
	// identifier (<name>.cluster-<12>.<region>.rds.amazonaws.com).
	rdsHostHexDigits = 12
	// secretSuffixLength: Secrets Manager appends "-" and 6 random
	// characters to a secret's name in its ARN.
	secretSuffixLength = 6
	// cloudFrontIDHexDigits: distribution IDs are "E" and 13 characters,
	// domain names "d" and 13 characters.
	cloudFrontIDHexDigits = 13
	// scalableTargetIDLength: Application Auto Scaling's scalable target
	// ARNs end in a 36-character ID.
	scalableTargetIDLength = 36
	// maxTaskDefinitionRevision bounds the simulated revision numbers.
	maxTaskDefinitionRevision = 1000
	// postgresPort and mysqlPort are the engines' default ports.
	postgresPort = 5432
	mysqlPort    = 3306
	// hexBase is the base of the key's hash.
	hexBase = 16
)

// ec2IDs are the kinds whose ID AWS assigns (the provider records it as the
// external name): the ID prefix and the resource type in the ARN ("" when
// the kind has no ARN).
func ec2IDs() map[string][2]string {
	return map[string][2]string{
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
}

// identify sets the external name, ID, ARN and other status values AWS
// reports for this kind.
func (o *object) identify() {
	if o.kind == "" {
		return
	}
	o.id, o.arn, o.extra = o.externalName, "", map[string]any{}
	group, kind, _ := strings.Cut(o.kind, "/")
	switch group {
	case "ec2":
		o.identifyEC2(kind)
	case "elbv2":
		o.identifyELB()
	case "rds":
		o.identifyRDS()
	case "ecs":
		o.identifyECS()
	case "cloudfront":
		o.identifyDistribution()
	case "appautoscaling":
		o.identifyScaling()
	case "s3":
		o.identifyS3()
	default:
		o.identifyOther()
	}
}

// region is the object's region, or the simulator's.
func (o *object) region() string {
	if r := o.forProvider("region"); r != "" {
		return r
	}
	return Region
}

// arnOf is the ARN of a resource of this service in the object's region and
// the simulator's account.
func (o *object) arnOf(service, resource string) string {
	return "arn:aws:" + service + ":" + o.region() + ":" + Account + ":" + resource
}

// identifyEC2 identifies a kind whose ID EC2 assigns; a route, whose ID
// Terraform makes up, is identified with the other kinds.
func (o *object) identifyEC2(kind string) {
	ids, ok := ec2IDs()[kind]
	if !ok {
		o.identifyOther()
		return
	}
	prefix, arnType := ids[0], ids[1]
	o.id = prefix + o.hex(ec2IDHexDigits)
	o.externalName = o.id
	if arnType != "" {
		o.arn = o.arnOf("ec2", arnType+"/"+o.id)
	}
	if kind == "VPC" {
		o.extra["ownerId"] = Account
	}
	if kind == "EIP" {
		o.extra["allocationId"] = o.id
		o.extra["publicIp"] = fmt.Sprintf("13.48.%d.%d", o.number(eipOctets), o.number(eipHostOctets)+1)
	}
}

// identifyELB identifies the ELBv2 kinds.
func (o *object) identifyELB() {
	switch o.kind {
	case "elbv2/LB":
		suffix := "app/" + o.name + "/" + o.hex(elbIDHexDigits)
		o.setARNIdentity(o.arnOf("elasticloadbalancing", "loadbalancer/"+suffix))
		o.extra["name"] = o.name
		o.extra["arnSuffix"] = suffix
		o.extra["dnsName"] = o.name + "-" + o.digits(elbDNSDigits) + "." + o.region() + ".elb.amazonaws.com"
	case "elbv2/LBTargetGroup":
		suffix := "targetgroup/" + o.name + "/" + o.hex(elbIDHexDigits)
		o.setARNIdentity(o.arnOf("elasticloadbalancing", suffix))
		o.extra["name"] = o.name
		o.extra["arnSuffix"] = suffix
	case "elbv2/LBListener":
		// AWS derives a listener's ARN from its load balancer's.
		lb := strings.Replace(o.forProvider("loadBalancerArn"), ":loadbalancer/", ":listener/", 1)
		o.setARNIdentity(lb + "/" + o.hex(elbIDHexDigits))
	case "elbv2/LBListenerRule":
		// And a rule's ARN extends its listener's.
		l := strings.Replace(o.forProvider("listenerArn"), ":listener/", ":listener-rule/", 1)
		o.setARNIdentity(l + "/" + o.hex(elbIDHexDigits))
	}
}

// identifyRDS identifies the RDS kinds.
func (o *object) identifyRDS() {
	host := "." + o.region() + ".rds.amazonaws.com"
	switch o.kind {
	case "rds/SubnetGroup":
		o.arn = o.arnOf("rds", "subgrp:"+o.name)
	case "rds/Cluster":
		o.arn = o.arnOf("rds", "cluster:"+o.name)
		o.extra["endpoint"] = o.name + ".cluster-" + o.hex(rdsHostHexDigits) + host
		o.extra["readerEndpoint"] = o.name + ".cluster-ro-" + o.hex(rdsHostHexDigits) + host
		o.extra["port"] = o.databasePort()
		o.extra["masterUserSecret"] = []any{map[string]any{
			"secretArn":    o.arnOf("secretsmanager", "secret:rds!cluster-"+o.uuid()+"-"+o.hex(secretSuffixLength)),
			"secretStatus": "active",
			"kmsKeyId":     o.arnOf("kms", "alias/aws/secretsmanager"),
		}}
	case "rds/ClusterInstance":
		o.arn = o.arnOf("rds", "db:"+o.name)
		o.extra["endpoint"] = o.name + "." + o.hex(rdsHostHexDigits) + host
		o.extra["port"] = o.databasePort()
	}
}

// identifyECS identifies the ECS kinds.
func (o *object) identifyECS() {
	switch o.kind {
	case "ecs/Cluster":
		o.arn = o.arnOf("ecs", "cluster/"+o.name)
		o.id = o.arn
	case "ecs/ClusterCapacityProviders":
		o.id = o.forProvider("clusterName")
		o.externalName = o.id
	case "ecs/Service":
		o.identifyService(o.arnOf("ecs", "service/"+o.forProvider("cluster")+"/"+o.name))
	case "ecs/TaskDefinition":
		o.identifyTaskDefinition(o.arnOf("ecs", "task-definition/"+o.name))
	}
}

// identifyOther identifies the kinds of the remaining services (EC2 routes,
// IAM, CloudWatch Logs and Events, Step Functions).
func (o *object) identifyOther() {
	switch o.kind {
	case "ec2/Route":
		o.id = "r-" + o.forProvider("routeTableId") + o.digits(routeIDDigits)
		o.externalName = o.id
	case "iam/Role":
		o.arn = "arn:aws:iam::" + Account + ":role/" + o.name
	case "iam/RolePolicy":
		o.id = o.forProvider("role") + ":" + o.name
	case "cloudwatchlogs/Group":
		o.arn = o.arnOf("logs", "log-group:"+o.name)
	case "sfn/StateMachine":
		o.setARNIdentity(o.arnOf("states", "stateMachine:"+o.name))
		o.externalName = o.name
	case "cloudwatchevents/Rule":
		o.arn = o.arnOf("events", "rule/"+o.name)
	case "cloudwatchevents/Target":
		o.id = o.forProvider("rule") + "-" + o.forProvider("targetId")
		o.externalName = o.id
	}
}

// identifyScaling identifies the Application Auto Scaling kinds.
func (o *object) identifyScaling() {
	switch o.kind {
	case "appautoscaling/Target":
		o.id = o.forProvider("resourceId")
		o.externalName = o.id
		o.arn = o.arnOf("application-autoscaling", "scalable-target/"+o.hex(scalableTargetIDLength))
	case "appautoscaling/Policy":
		o.arn = o.arnOf("autoscaling", "scalingPolicy:"+o.uuid()+":resource/"+o.forProvider("resourceId")+":policyName/"+o.name)
	}
}

// identifyS3 identifies a bucket, and a bucket's configurations by their
// bucket.
func (o *object) identifyS3() {
	if o.kind == "s3/Bucket" {
		o.arn = "arn:aws:s3:::" + o.name
		o.extra["bucketDomainName"] = o.name + ".s3.amazonaws.com"
		o.extra["bucketRegionalDomainName"] = o.name + ".s3." + o.region() + ".amazonaws.com"
		return
	}
	if b := o.forProvider("bucket"); strings.HasPrefix(o.kind, "s3/Bucket") && b != "" {
		o.id, o.externalName = b, b
	}
}

// identifyDistribution identifies a CloudFront distribution.
func (o *object) identifyDistribution() {
	if o.kind != "cloudfront/Distribution" {
		return
	}
	o.id = "E" + strings.ToUpper(o.hex(cloudFrontIDHexDigits))
	o.externalName = o.id
	o.arn = "arn:aws:cloudfront::" + Account + ":distribution/" + o.id
	o.extra["domainName"] = "d" + o.hex(cloudFrontIDHexDigits) + ".cloudfront.net"
	o.extra["status"] = "Deployed"
	o.extra["hostedZoneId"] = "Z2FDTNDATAQYW2" // CloudFront's, in every account
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
	revision := o.number(maxTaskDefinitionRevision) + 1
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
		return postgresPort
	}
	return mysqlPort
}

func (o *object) forProvider(field string) string {
	v, _, _ := unstructured.NestedString(o.u.Object, "spec", "forProvider", field)
	return v
}

// hex returns n hex digits derived from the key.
func (o *object) hex(n int) string { return o.hash[:n] }

// digits returns n decimal digits derived from the key.
func (o *object) digits(n int) string {
	v, _ := new(big.Int).SetString(o.hash, hexBase)
	s := v.String()
	return s[len(s)-n:]
}

// number returns a number in [0, n) derived from the key.
func (o *object) number(n int) int {
	v, _ := new(big.Int).SetString(o.hash[:8], hexBase)
	return int(v.Int64() % int64(n))
}

// uuid returns a UUID-shaped string derived from the key.
func (o *object) uuid() string {
	h := o.hash
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
