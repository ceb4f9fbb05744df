package fn

// Composition resource names: the stable key of every composed resource. A
// key never changes once released (Crossplane would delete the resource and
// create a new one), except where a new key is the point (task definitions).
const (
	// Network.
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

	// Security groups and their rules.
	KeySGLoadBalancer        = "security-group-alb"
	KeySGTasks               = "security-group-tasks"
	KeySGDatabase            = "security-group-database"
	KeyRuleALBFromCloudFront = "sg-rule-alb-ingress-cloudfront"
	KeyRuleALBToTasks        = "sg-rule-alb-egress-tasks"
	KeyRuleTasksFromALB      = "sg-rule-tasks-ingress-alb"
	KeyRuleTasksToDatabase   = "sg-rule-tasks-egress-database"
	KeyRuleTasksToHTTPS      = "sg-rule-tasks-egress-https"
	KeyRuleDatabaseFromTasks = "sg-rule-database-ingress-tasks"

	// Load balancing.
	KeyLoadBalancer = "load-balancer"
	KeyTargetGroup  = "target-group"
	KeyListener     = "listener"
	KeyListenerRule = "listener-rule-origin-verify"

	// Database.
	KeyDBSubnetGroup = "db-subnet-group"
	KeyDBCluster     = "aurora-cluster"
	KeyDBWriter      = "aurora-writer"
	KeyDBReader      = "aurora-reader"
	KeyDBLogGroup    = "log-group-database"

	// ECS service.
	KeyECSCluster          = "ecs-cluster"
	KeyCapacityProviders   = "ecs-capacity-providers"
	KeyService             = "ecs-service"
	KeyAppLogGroup         = "log-group-app"
	KeyInsightsLogGroup    = "log-group-container-insights"
	KeyExecutionRole       = "role-task-execution"
	KeyExecutionRolePolicy = "role-policy-task-execution"
	KeyTaskRole            = "role-task"
	// Task definition keys are the rollout's (rollout.go).

	// CDN.
	KeyDistribution = "cloudfront-distribution"

	// Scaling.
	KeyScalingTarget = "autoscaling-target"
	KeyScalingPolicy = "autoscaling-policy-cpu"

	// Access logs.
	KeyLogBucket             = "bucket-access-logs"
	KeyLogBucketLifecycle    = "bucket-access-logs-lifecycle"
	KeyLogBucketPublicAccess = "bucket-access-logs-public-access-block"
	KeyLogBucketEncryption   = "bucket-access-logs-encryption"
	KeyLogBucketOwnership    = "bucket-access-logs-ownership"
	KeyLogBucketPolicy       = "bucket-access-logs-policy"
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
