package fn

import (
	"slices"
	"strings"
)

// TeardownPart is the part of the Usages: they order the stack's deletion
// and belong to no part's condition.
const TeardownPart = "Teardown"

// partKeys lists each part's composed resource keys; partPrefixes the
// families of keys (per AZ, per task definition). The function does not need
// this (each builder returns its own keys); tools that read a rendered stack
// do (catalogapi diagram). TestPartOf checks it against a converged render.
// Built on each call: PartOf serves tools, not the render path.
func partKeys() map[string][]string {
	return map[string][]string{
		networkPartName: {
			KeyVPC, KeyInternetGateway, KeyPublicRouteTable, KeyPublicDefaultRoute,
			KeyFlowLog, KeyFlowLogRole, KeyFlowLogRolePolicy, KeyFlowLogGroup,
		},
		"Security": {
			KeySGLoadBalancer, KeySGTasks, KeySGDatabase, KeyRuleALBFromCloudFront, KeyRuleALBToTasks,
			KeyRuleTasksFromALB, KeyRuleTasksToDatabase, KeyRuleTasksToHTTPS, KeyRuleDatabaseFromTasks,
		},
		"Logging": {
			KeyAppLogGroup, KeyDBLogGroup, KeyInsightsLogGroup, KeyLogBucket, KeyLogBucketLifecycle,
			KeyLogBucketPublicAccess, KeyLogBucketEncryption, KeyLogBucketOwnership, KeyLogBucketPolicy,
		},
		"LoadBalancer": {KeyLoadBalancer, KeyTargetGroup, KeyListener, KeyListenerRule},
		"Database":     {KeyDBSubnetGroup, KeyDBCluster, KeyDBWriter, KeyDBReader},
		"Service": {
			KeyECSCluster, KeyCapacityProviders, KeyExecutionRole, KeyTaskRole,
			KeyExecutionRolePolicy, KeyService,
		},
		"Rotation": {
			KeyRotationEventsRole, KeyRotationEventsPolicy, KeyRotationRedeployRole,
			KeyRotationRedeployPolicy, KeyRotationStateMachine, KeyRotationRule, KeyRotationTarget,
		},
		"Scaling": {KeyScalingTarget, KeyScalingPolicy},
		"CDN":     {KeyDistribution},
	}
}

func partPrefixes() map[string]string {
	return map[string]string{
		keyPublicSubnetPrefix: networkPartName, keyPrivateSubnetPrefix: networkPartName, keyEIPPrefix: networkPartName,
		keyNATPrefix: networkPartName, keyPrivateRTPrefix: networkPartName, keyPrivateRoutePrefix: networkPartName,
		keyPublicRTAPrefix: networkPartName, keyPrivateRTAPrefix: networkPartName,
		keyTaskDefinitionPrefix: "Service",
		"usage-":                TeardownPart,
	}
}

// PartOf returns the part (the name of its XR condition without "Ready")
// that renders the composed resource with this key, TeardownPart for a
// Usage, or "" for a key the function never renders.
func PartOf(key string) string {
	for part, keys := range partKeys() {
		if slices.Contains(keys, key) {
			return part
		}
	}
	// The longest matching prefix wins: route-table-private- is also
	// route-table-.
	best, part := "", ""
	for prefix, p := range partPrefixes() {
		if strings.HasPrefix(key, prefix) && len(prefix) > len(best) {
			best, part = prefix, p
		}
	}
	return part
}
