// Package v1beta1 holds the Input of function-catalog-api: the settings a
// platform team fixes once in the Composition rather than in every CatalogApi.
// +kubebuilder:object:generate=true
// +groupName=catalogapi.fn.example.org
// +versionName=v1beta1
package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Input configures function-catalog-api. Every field is optional: the
// function's built-in defaults give the production stack.
// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:resource:categories=crossplane
type Input struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Regions holds the per-region facts the stack needs. Entries here
	// override or extend the built-in table.
	// +optional
	Regions map[string]RegionSettings `json:"regions,omitempty"`

	// NATGateways is "PerAZ" (one NAT gateway per availability zone, the
	// default: an AZ outage does not cut the other AZ off), "Single", or
	// "None" (only with vpcEndpoints, and only for CatalogApis whose image
	// is in a private ECR repository of their region: the tasks then have
	// no route to the internet).
	// +kubebuilder:validation:Enum=PerAZ;Single;None
	// +optional
	NATGateways string `json:"natGateways,omitempty"`

	// VPCEndpoints gives every stack with a network of its own (not
	// spec.network.existing) an S3 gateway endpoint and interface
	// endpoints for ECR (api, dkr), CloudWatch Logs and Secrets Manager,
	// plus SSM when a stack injects SSM parameters and SSM Messages when it
	// turns ECS Exec on, in its private subnets with their own security
	// group. The tasks then reach these AWS services without a NAT
	// gateway, and natGateways can be Single or None. Default false.
	// +optional
	VPCEndpoints *bool `json:"vpcEndpoints,omitempty"`
	// FlowLogTrafficType is what the VPC flow log records: ALL (the
	// default), or REJECT, the least Security Hub EC2.6 requires, which
	// ingests less into CloudWatch Logs.
	// +kubebuilder:validation:Enum=ALL;REJECT
	// +optional
	FlowLogTrafficType string `json:"flowLogTrafficType,omitempty"`

	// EngineVersion of Aurora PostgreSQL. It must support the db.t3.medium
	// instance class.
	// +optional
	EngineVersion string `json:"engineVersion,omitempty"`

	// LogRetentionDays of every CloudWatch log group; one of the values
	// CloudWatch Logs accepts.
	// +optional
	LogRetentionDays *int32 `json:"logRetentionDays,omitempty"`

	// CachePolicyID is the CloudFront cache policy of the default cache
	// behaviour of a CatalogApi with spec.cdn.caching; without it,
	// caching is off (the AWS managed CachingDisabled policy).
	// +optional
	CachePolicyID string `json:"cachePolicyId,omitempty"`

	// OriginRequestPolicyID is the AWS managed CloudFront origin request
	// policy of the default cache behaviour.
	// +optional
	OriginRequestPolicyID string `json:"originRequestPolicyId,omitempty"`

	// ProviderConfigName is the ClusterProviderConfig every composed
	// resource uses.
	// +optional
	ProviderConfigName string `json:"providerConfigName,omitempty"`
}

// RegionSettings are the facts of one AWS region.
type RegionSettings struct {
	// CloudFrontPrefixListID is the ID of the AWS managed prefix list
	// com.amazonaws.global.cloudfront.origin-facing in this region.
	CloudFrontPrefixListID string `json:"cloudFrontPrefixListId"`
	// ELBAccountID is the Elastic Load Balancing account that writes ALB
	// access logs in this region.
	ELBAccountID string `json:"elbAccountId"`
	// AvailabilityZones are the two zones the stack spreads over.
	// +kubebuilder:validation:MinItems=2
	// +kubebuilder:validation:MaxItems=2
	AvailabilityZones []string `json:"availabilityZones"`
}
