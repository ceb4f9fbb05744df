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
	u     *unstructured.Unstructured
	key   string
	facts kindFacts // the row of its kind in the table
	hash  string    // hex digest of the key, the source of fake IDs
	name  string    // the AWS name: forProvider.name, family or the external name

	externalName, id, arn string
	extra                 map[string]any // more status.atProvider fields
	err                   error          // why the provider cannot create it
}

func newObject(u *unstructured.Unstructured) *object {
	key := compositionResourceName(u)
	sum := sha256.Sum256([]byte(key))
	o := &object{u: u, key: key, hash: hex.EncodeToString(sum[:])}
	// A kind without a row cannot be created: the error says so.
	o.facts, o.err = factsOf(u)
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
	// acmLabelHexDigits: ACM's validation record labels are "_" and 32
	// hex digits.
	acmLabelHexDigits = 32
	// vpcOriginIDHexDigits: VPC origin IDs are "vo_" and 22 characters.
	vpcOriginIDHexDigits = 22
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

// identify sets the ID, ARN, external name and other status.atProvider
// values the provider reports for this kind, as its row says.
func (o *object) identify() {
	f := o.facts
	if f.usage {
		return
	}
	o.id, o.arn, o.extra = o.externalName, "", nil
	if f.id != nil {
		o.id = f.id(o)
	}
	if f.arn != nil {
		o.arn = f.arn(o)
	}
	if f.externalName != nil {
		o.externalName = f.externalName(o)
	}
	if f.atProvider != nil {
		o.extra = f.atProvider(o)
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

// The identities the table's rows share.

// theID is the ID, for kinds whose ARN or external name is their ID.
func theID(o *object) string { return o.id }

// theName is the AWS name, for kinds identified by it.
func theName(o *object) string { return o.name }

// named is the ARN of a resource AWS identifies by its name (with this
// prefix) in this service.
func named(service, prefix string) func(*object) string {
	return func(o *object) string { return o.arnOf(service, prefix+o.name) }
}

// parameter is the ID of a kind identified by one of its parameters.
func parameter(field string) func(*object) string {
	return func(o *object) string { return o.forProvider(field) }
}

// ec2ID is an ID EC2 assigns: the kind's prefix and 17 hex digits.
func ec2ID(prefix string) func(*object) string {
	return func(o *object) string { return prefix + o.hex(ec2IDHexDigits) }
}

// ec2ARN is the ARN of an EC2 resource of this type, named by its ID.
func ec2ARN(resourceType string) func(*object) string {
	return func(o *object) string { return o.arnOf("ec2", resourceType+"/"+o.id) }
}

// The identities and status of single kinds, in the table's order.

// ownerStatus: the VPC and the security groups report their owner, the
// account (owner_id in Terraform's schema of each).
func ownerStatus(*object) map[string]any { return map[string]any{"ownerId": Account} }

// eipStatus: an Elastic IP's allocation ID is its ID; its address is drawn
// from the key.
func eipStatus(o *object) map[string]any {
	return map[string]any{
		"allocationId": o.id,
		"publicIp":     fmt.Sprintf("13.48.%d.%d", o.number(eipOctets), o.number(eipHostOctets)+1),
	}
}

// routeID is Terraform's ID of a route: "r-", the route table's ID and a
// hash of the destination.
func routeID(o *object) string {
	return "r-" + o.forProvider("routeTableId") + o.digits(routeIDDigits)
}

// loadBalancerSuffix is the end of a load balancer's ARN, which CloudWatch
// metrics name it by.
func loadBalancerSuffix(o *object) string { return "app/" + o.name + "/" + o.hex(elbIDHexDigits) }

func loadBalancerARN(o *object) string {
	return o.arnOf("elasticloadbalancing", "loadbalancer/"+loadBalancerSuffix(o))
}

// loadBalancerStatus: an internal load balancer's DNS name starts with
// "internal-".
func loadBalancerStatus(o *object) map[string]any {
	dns := o.name + "-" + o.digits(elbDNSDigits) + "." + o.region() + ".elb.amazonaws.com"
	if internal, _, _ := unstructured.NestedBool(o.u.Object, "spec", "forProvider", "internal"); internal {
		dns = "internal-" + dns
	}
	return map[string]any{
		"name":      o.name,
		"arnSuffix": loadBalancerSuffix(o),
		"dnsName":   dns,
	}
}

// targetGroupSuffix is the end of a target group's ARN.
func targetGroupSuffix(o *object) string {
	return "targetgroup/" + o.name + "/" + o.hex(elbIDHexDigits)
}

func targetGroupARN(o *object) string { return o.arnOf("elasticloadbalancing", targetGroupSuffix(o)) }

func targetGroupStatus(o *object) map[string]any {
	return map[string]any{"name": o.name, "arnSuffix": targetGroupSuffix(o)}
}

// extendedARN is the ARN of a kind AWS derives from the ARN its parent
// field holds: a listener's from its load balancer's, a rule's from its
// listener's (the resource type replaced, an ID appended).
func extendedARN(parentField, parentType, resourceType string) func(*object) string {
	return func(o *object) string {
		return strings.Replace(o.forProvider(parentField), parentType, resourceType, 1) + "/" + o.hex(elbIDHexDigits)
	}
}

// rdsHost ends the endpoints of RDS in the object's region.
func (o *object) rdsHost() string { return "." + o.region() + ".rds.amazonaws.com" }

// dbClusterStatus: an Aurora cluster's endpoints, port and the master user
// secret RDS manages.
func dbClusterStatus(o *object) map[string]any {
	return map[string]any{
		"endpoint":       o.name + ".cluster-" + o.hex(rdsHostHexDigits) + o.rdsHost(),
		"readerEndpoint": o.name + ".cluster-ro-" + o.hex(rdsHostHexDigits) + o.rdsHost(),
		"port":           o.databasePort(),
		"masterUserSecret": []any{map[string]any{
			"secretArn":    o.arnOf("secretsmanager", "secret:rds!cluster-"+o.uuid()+"-"+o.hex(secretSuffixLength)),
			"secretStatus": "active",
			"kmsKeyId":     o.arnOf("kms", "alias/aws/secretsmanager"),
		}},
	}
}

// dbInstanceStatus: an instance's endpoint and port.
func dbInstanceStatus(o *object) map[string]any {
	return map[string]any{
		"endpoint": o.name + "." + o.hex(rdsHostHexDigits) + o.rdsHost(),
		"port":     o.databasePort(),
	}
}

func roleARN(o *object) string { return "arn:aws:iam::" + Account + ":role/" + o.name }

// rolePolicyID is Terraform's ID of an inline policy: <role>:<name>.
func rolePolicyID(o *object) string { return o.forProvider("role") + ":" + o.name }

// joined is the ID of an association: two of its parameters, joined by /.
func joined(a, b string) func(*object) string {
	return func(o *object) string { return o.forProvider(a) + "/" + o.forProvider(b) }
}

// policyAttachmentID is Terraform's ID of a role's managed policy
// attachment: <role>-<unique suffix>.
func policyAttachmentID(o *object) string { return o.forProvider("role") + "-" + o.hex(ec2IDHexDigits) }

// eventTargetID is Terraform's ID of an EventBridge target: <rule>-<target ID>.
func eventTargetID(o *object) string { return o.forProvider("rule") + "-" + o.forProvider("targetId") }

func scalableTargetARN(o *object) string {
	return o.arnOf("application-autoscaling", "scalable-target/"+o.hex(scalableTargetIDLength))
}

func scalingPolicyARN(o *object) string {
	return o.arnOf("autoscaling", "scalingPolicy:"+o.uuid()+":resource/"+o.forProvider("resourceId")+":policyName/"+o.name)
}

func bucketARN(o *object) string { return "arn:aws:s3:::" + o.name }

func bucketStatus(o *object) map[string]any {
	return map[string]any{
		"bucketDomainName":         o.name + ".s3.amazonaws.com",
		"bucketRegionalDomainName": o.name + ".s3." + o.region() + ".amazonaws.com",
	}
}

// configuredBucket identifies a bucket's configuration: its bucket, once
// the reference has set it.
func configuredBucket(o *object) string {
	if b := o.forProvider("bucket"); b != "" {
		return b
	}
	return o.externalName
}

// distributionID is a CloudFront distribution ID: "E" and 13 characters.
func distributionID(o *object) string { return "E" + strings.ToUpper(o.hex(cloudFrontIDHexDigits)) }

// vpcOriginID is a CloudFront VPC origin ID: "vo_" and 22 characters.
func vpcOriginID(o *object) string { return "vo_" + o.hex(vpcOriginIDHexDigits) }

// vpcOriginARN: CloudFront is global, its ARNs have no region.
func vpcOriginARN(o *object) string {
	return "arn:aws:cloudfront::" + Account + ":vpcorigin/" + o.id
}

// distributionARN: CloudFront is global, its ARNs have no region.
func distributionARN(o *object) string {
	return "arn:aws:cloudfront::" + Account + ":distribution/" + o.id
}

func distributionStatus(o *object) map[string]any {
	return map[string]any{
		"domainName":   "d" + o.hex(cloudFrontIDHexDigits) + ".cloudfront.net",
		"status":       "Deployed",
		"hostedZoneId": "Z2FDTNDATAQYW2", // CloudFront's, in every account
	}
}

// The task definitions of a family are its revisions. The provider's ID
// and external name are the family (Terraform's ID for
// aws_ecs_task_definition), shared by every revision; the ARN names the
// revision. AWS numbers the revisions of a family in registration order;
// the simulator keeps no history, so the revision derives from the key:
// the revisions of a family get different ARNs, as they do in AWS.

func taskDefinitionRevision(o *object) int { return o.number(maxTaskDefinitionRevision) + 1 }

func taskDefinitionARN(o *object) string {
	return fmt.Sprintf("%s:%d", named("ecs", "task-definition/")(o), taskDefinitionRevision(o))
}

func taskDefinitionStatus(o *object) map[string]any {
	return map[string]any{
		"arnWithoutRevision": named("ecs", "task-definition/")(o),
		"family":             o.name,
		"revision":           float64(taskDefinitionRevision(o)),
	}
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

// certificateARN is an ACM certificate's ARN: a UUID in the certificate's
// region.
func certificateARN(o *object) string { return o.arnOf("acm", "certificate/"+o.uuid()) }

// certificateStatus: ACM asks for one CNAME per name (an underscore label
// of 32 hex digits) and issues the certificate once it resolves.
func certificateStatus(o *object) map[string]any {
	domain := o.forProvider("domainName")
	label := "_" + o.hex(acmLabelHexDigits)
	return map[string]any{
		"status": "ISSUED",
		"domainValidationOptions": []any{map[string]any{
			"domainName":          domain,
			"resourceRecordName":  label + "." + domain + ".",
			"resourceRecordType":  "CNAME",
			"resourceRecordValue": label + ".acm-validations.aws.",
		}},
	}
}

// recordID is Terraform's ID of a Route 53 record: zone, name and type.
func recordID(o *object) string {
	return o.forProvider("zoneId") + "_" + o.forProvider("name") + "_" + o.forProvider("type")
}
