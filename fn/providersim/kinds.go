package providersim

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// kindFacts is everything the simulator knows about one kind: a row of the
// table (kinds). The generic code (identify, report, resolveReferences,
// Teardown) looks the row up and plays it; a zero field is the common case.
type kindFacts struct {
	// Identity, as the provider reports it once the resource exists: each
	// function of the object runs after its references are resolved, in
	// this order, so that each can use what the one before set.

	// id is the ID AWS (or Terraform) assigns; nil: the external name.
	id func(o *object) string
	// arn is the ARN, from the object and its ID; nil: the kind has none.
	arn func(o *object) string
	// externalName is what the provider records as the external name;
	// nil: the external name the resource came with.
	externalName func(o *object) string
	// atProvider are the status.atProvider fields reported besides id and
	// arn; nil: none.
	atProvider func(o *object) map[string]any

	// arnRefs are the fields a reference populates with the target's ARN
	// although their name does not end in Arn (provider-aws's resolvers
	// for them use an ARN extractor).
	arnRefs []string
	// async: provider-aws runs the kind's Create and Update
	// asynchronously (UseAsync) and reports a LastAsyncOperation condition.
	async bool
	// usage: a Crossplane Usage, not an AWS resource. It gets no external
	// name or status.atProvider, and in a teardown it is not deleted but
	// holds back the deletion of what it protects until its user is gone.
	usage bool

	// Deletion, as AWS answers it (see Teardown).

	// deleteMinutes is roughly how long AWS takes to delete the kind; 0: a
	// moment (momentMinutes).
	deleteMinutes float64
	// refuseDelete says why AWS refuses to delete the resource with key k
	// now, or "".
	refuseDelete func(td *teardown, k string) string
	// writesLogGroups are the names of the log groups AWS writes to (and
	// creates if missing) on behalf of u.
	writesLogGroups func(td *teardown, u *unstructured.Unstructured) []string
	// accessLogsTo is the key of the bucket u writes access logs to, or "".
	accessLogsTo func(td *teardown, u *unstructured.Unstructured) string
	// recreatedByWriter: a log group, which a writer that still exists
	// creates again after its deletion (leaking it).
	recreatedByWriter bool
}

// kinds is the table: the facts of every kind the function renders, keyed
// by kindOf. Adding a kind to the stack adds its row here and nowhere else
// in the package; a kind without a row cannot be simulated (factsOf).
//
// It is built once per process and never changed: sync.OnceValue is the
// package-level state the linter allows.
var kinds = sync.OnceValue(func() map[string]kindFacts {
	// A bucket's configurations are identified by their bucket.
	bucketConfiguration := kindFacts{id: configuredBucket, externalName: theID}
	return map[string]kindFacts{
		// EC2 assigns the ID (a prefix and 17 hex digits), which the
		// provider records as the external name.
		"ec2/VPC":                   {id: ec2ID("vpc-"), externalName: theID, arn: ec2ARN("vpc"), atProvider: ownerStatus, refuseDelete: vpcInUse},
		"ec2/Subnet":                {id: ec2ID("subnet-"), externalName: theID, arn: ec2ARN("subnet"), refuseDelete: (*teardown).subnetInUse},
		"ec2/InternetGateway":       {id: ec2ID("igw-"), externalName: theID, arn: ec2ARN("internet-gateway"), refuseDelete: (*teardown).gatewayInUse},
		"ec2/RouteTable":            {id: ec2ID("rtb-"), externalName: theID, arn: ec2ARN("route-table"), refuseDelete: routeTableInUse},
		"ec2/RouteTableAssociation": {id: ec2ID("rtbassoc-"), externalName: theID},
		"ec2/EIP":                   {id: ec2ID("eipalloc-"), externalName: theID, arn: ec2ARN("elastic-ip"), atProvider: eipStatus, refuseDelete: (*teardown).addressInUse},
		"ec2/NATGateway":            {id: ec2ID("nat-"), externalName: theID, deleteMinutes: natGatewayMinutes},
		"ec2/FlowLog":               {id: ec2ID("fl-"), externalName: theID, arn: ec2ARN("vpc-flow-log"), arnRefs: []string{"logDestination"}, deleteMinutes: flowLogDeliveryMinutes, writesLogGroups: (*teardown).flowLogGroups},
		"ec2/SecurityGroup":         {id: ec2ID("sg-"), externalName: theID, arn: ec2ARN("security-group"), atProvider: ownerStatus, refuseDelete: securityGroupInUse},
		// Terraform's aws_default_security_group adopts the group AWS
		// made with the VPC (its ID is the external name) and deletes
		// nothing: deleting it only forgets the group, at once, and the
		// group goes with the VPC, which it does not hold (vpcInUse).
		"ec2/DefaultSecurityGroup":     {id: ec2ID("sg-"), externalName: theID, arn: ec2ARN("security-group"), atProvider: ownerStatus},
		"ec2/SecurityGroupIngressRule": {id: ec2ID("sgr-"), externalName: theID, arn: ec2ARN("security-group-rule")},
		"ec2/SecurityGroupEgressRule":  {id: ec2ID("sgr-"), externalName: theID, arn: ec2ARN("security-group-rule")},
		"ec2/Route":                    {id: routeID, externalName: theID},
		"ec2/VPCEndpoint":              {id: ec2ID("vpce-"), externalName: theID, arn: ec2ARN("vpc-endpoint")},
		// Terraform's IDs of the endpoint associations (provider-aws's
		// external names): <endpoint>/<subnet> and <endpoint>/<route
		// table>; a security group association's ID is generated.
		"ec2/VPCEndpointSubnetAssociation":        {id: joined("vpcEndpointId", "subnetId"), externalName: theID},
		"ec2/VPCEndpointRouteTableAssociation":    {id: joined("vpcEndpointId", "routeTableId"), externalName: theID},
		"ec2/VPCEndpointSecurityGroupAssociation": {id: ec2ID("vpce-sg-"), externalName: theID},

		// ELBv2 identifies everything by ARN.
		"elbv2/LB":            {id: loadBalancerARN, arn: theID, externalName: theID, atProvider: loadBalancerStatus, deleteMinutes: loadBalancerMinutes, accessLogsTo: (*teardown).loadBalancerLogBucket},
		"elbv2/LBTargetGroup": {id: targetGroupARN, arn: theID, externalName: theID, atProvider: targetGroupStatus, refuseDelete: targetGroupInUse},
		"elbv2/LBListener":    {id: extendedARN("loadBalancerArn", ":loadbalancer/", ":listener/"), arn: theID, externalName: theID},

		"rds/SubnetGroup":     {arn: named("rds", "subgrp:"), refuseDelete: inUseBy("InvalidDBSubnetGroupStateFault: the subnet group is in use", anyRef("rds/Cluster"))},
		"rds/Cluster":         {arn: named("rds", "cluster:"), atProvider: dbClusterStatus, deleteMinutes: dbClusterMinutes, refuseDelete: inUseBy("InvalidDBClusterStateFault: the cluster still contains DB instances", anyRef("rds/ClusterInstance"))},
		"rds/ClusterInstance": {arn: named("rds", "db:"), atProvider: dbInstanceStatus, deleteMinutes: dbInstanceMinutes, writesLogGroups: (*teardown).exportedLogGroups},

		"ecs/Cluster":                  {id: named("ecs", "cluster/"), arn: theID, writesLogGroups: clusterInsightsLogGroups, refuseDelete: inUseBy("ClusterContainsServicesException", anyRef("ecs/Service"))},
		"ecs/ClusterCapacityProviders": {id: parameter("clusterName"), externalName: theID, refuseDelete: (*teardown).capacityProvidersInUse},
		"ecs/Service":                  {id: serviceARN, arn: theID, atProvider: serviceStatus, arnRefs: []string{"taskDefinition"}, async: true, deleteMinutes: serviceMinutes, writesLogGroups: (*teardown).serviceInsightsLogGroups},
		"ecs/TaskDefinition":           {id: theName, externalName: theID, arn: taskDefinitionARN, atProvider: taskDefinitionStatus},

		"iam/Role":       {arn: roleARN, refuseDelete: inUseBy("DeleteConflict: the role has policies", anyRef("iam/RolePolicy"), anyRef("iam/RolePolicyAttachment"))},
		"iam/RolePolicy": {id: rolePolicyID},
		// Terraform's ID of a managed policy attachment: the role name, a
		// hyphen and a unique suffix; the provider records it.
		"iam/RolePolicyAttachment": {id: policyAttachmentID, externalName: theID},

		"cloudwatchlogs/Group":    {arn: named("logs", "log-group:"), recreatedByWriter: true},
		"cloudwatchevents/Rule":   {arn: named("events", "rule/"), refuseDelete: (*teardown).ruleHasTargets},
		"cloudwatchevents/Target": {id: eventTargetID, externalName: theID},
		"sfn/StateMachine":        {id: named("states", "stateMachine:"), arn: theID, externalName: theName},
		// A metric alarm is named by its external name (alarm_name).
		"cloudwatch/MetricAlarm": {arn: named("cloudwatch", "alarm:")},

		"appautoscaling/Target": {id: parameter("resourceId"), externalName: theID, arn: scalableTargetARN},
		"appautoscaling/Policy": {arn: scalingPolicyARN},

		"s3/Bucket":                                  {arn: bucketARN, atProvider: bucketStatus, refuseDelete: (*teardown).bucketReceivesLogs},
		"s3/BucketLifecycleConfiguration":            bucketConfiguration,
		"s3/BucketOwnershipControls":                 bucketConfiguration,
		"s3/BucketPolicy":                            bucketConfiguration,
		"s3/BucketPublicAccessBlock":                 bucketConfiguration,
		"s3/BucketServerSideEncryptionConfiguration": bucketConfiguration,

		// A VPC origin's endpoint ARN is set by a reference to the LB.
		"cloudfront/VPCOrigin": {id: vpcOriginID, externalName: theID, arn: vpcOriginARN, arnRefs: []string{"arn"}, deleteMinutes: vpcOriginMinutes, refuseDelete: (*teardown).vpcOriginInUse},
		// ACM certificates are identified by ARN; the validation by its
		// certificate's ARN; Route 53 records by zone, name and type.
		"acm/Certificate":           {id: certificateARN, arn: theID, externalName: theID, atProvider: certificateStatus},
		"acm/CertificateValidation": {id: parameter("certificateArn"), externalName: theID},
		"route53/Record":            {id: recordID, externalName: theID},
		"cloudfront/Distribution":   {id: distributionID, externalName: theID, arn: distributionARN, atProvider: distributionStatus, deleteMinutes: distributionMinutes, accessLogsTo: (*teardown).distributionLogBucket},

		"protection.crossplane.io/Usage": {usage: true},
	}
})

// awsGroupSuffix ends the API group of every namespaced provider-aws kind.
const awsGroupSuffix = ".aws.m.upbound.io"

// kindOf is the key of u's kind in the table: <short group>/<Kind> for
// provider-aws (ec2/VPC), <group>/<Kind> for any other API group
// (protection.crossplane.io/Usage).
func kindOf(u *unstructured.Unstructured) string {
	gvk := u.GroupVersionKind()
	return strings.TrimSuffix(gvk.Group, awsGroupSuffix) + "/" + gvk.Kind
}

// errUnknownKind: the table has no row for a kind. The simulator plays no
// default for it: a guess would pass tests that AWS would fail.
var errUnknownKind = errors.New("the simulated provider has no facts for")

// factsOf is the row of u's kind, or why there is none.
func factsOf(u *unstructured.Unstructured) (kindFacts, error) {
	f, ok := kinds()[kindOf(u)]
	if !ok {
		return kindFacts{}, fmt.Errorf("%w apiVersion %s, kind %s: add its row to the table in fn/providersim/kinds.go", errUnknownKind, u.GetAPIVersion(), u.GetKind())
	}
	return f, nil
}
