package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Group, version and kind of the CatalogApi composite resource.
const (
	Group   = "catalog.example.org"
	Version = "v1alpha1"
	Kind    = "CatalogApi"
	// APIVersion is the apiVersion of a CatalogApi object.
	APIVersion = Group + "/" + Version
)

// GroupVersionKind of the CatalogApi composite resource.
func GroupVersionKind() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: Group, Version: Version, Kind: Kind}
}

// CatalogApiSpec is what an application team asks for. Only environmentSuffix
// and image are required; every other field defaults to the production stack.
// +kubebuilder:validation:XValidation:rule="!has(self.scaling) || !has(self.scaling.minTasks) || !has(self.scaling.maxTasks) || self.scaling.minTasks <= self.scaling.maxTasks",message="spec.scaling.minTasks must be less than or equal to spec.scaling.maxTasks"
// +kubebuilder:validation:XValidation:rule="!has(self.service) || !has(self.service.onDemandBaseTasks) || self.service.onDemandBaseTasks <= (has(self.scaling) && has(self.scaling.maxTasks) ? self.scaling.maxTasks : 10)",message="spec.service.onDemandBaseTasks must be less than or equal to spec.scaling.maxTasks"
type CatalogApiSpec struct {
	// EnvironmentSuffix is appended to every AWS resource name
	// (resource-type-{environmentSuffix}). Lowercase letters, digits and
	// single hyphens, starting with a letter; at most 20 characters so that
	// every derived name stays within its AWS limit (ALB and target group
	// names: 32 characters). It cannot be changed after creation.
	// +kubebuilder:validation:MinLength=2
	// +kubebuilder:validation:MaxLength=20
	// +kubebuilder:validation:Pattern=`^[a-z]([a-z0-9]|-[a-z0-9])*$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.environmentSuffix is immutable"
	EnvironmentSuffix string `json:"environmentSuffix"`

	// Image is the container image of the catalog API, for example
	// 123456789012.dkr.ecr.eu-north-1.amazonaws.com/catalog-api:1.4.2.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$`
	Image string `json:"image"`

	// Region is the AWS region of the whole stack: eu-north-1, eu-west-1,
	// eu-central-1, us-east-1, us-west-2, or a region the platform team added
	// in the Composition's Input (regions). It cannot be changed after
	// creation.
	// +kubebuilder:default="eu-north-1"
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-[a-z]+)+-[0-9]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.region is immutable"
	// +optional
	Region string `json:"region,omitempty"`

	// Network of the stack.
	// +kubebuilder:default={}
	// +optional
	Network *NetworkSpec `json:"network,omitempty"`

	// Service is the ECS Fargate service that runs the image.
	// +kubebuilder:default={}
	// +optional
	Service *ServiceSpec `json:"service,omitempty"`

	// Scaling of the service's task count.
	// +kubebuilder:default={}
	// +optional
	Scaling *ScalingSpec `json:"scaling,omitempty"`

	// Database is the Aurora PostgreSQL cluster.
	// +kubebuilder:default={}
	// +optional
	Database *DatabaseSpec `json:"database,omitempty"`

	// CDN is the CloudFront distribution in front of the API.
	// +kubebuilder:default={}
	// +optional
	CDN *CDNSpec `json:"cdn,omitempty"`

	// Domain serves the API over HTTPS on the team's own domain name: an
	// ACM certificate in us-east-1 validated by DNS in the given Route 53
	// hosted zone, the name as the distribution's alias, and A and AAAA
	// alias records to the distribution. status.url is then
	// https://<name>.
	// +optional
	Domain *DomainSpec `json:"domain,omitempty"`

	// Edge attaches existing edge protection to the distribution.
	// +optional
	Edge *EdgeSpec `json:"edge,omitempty"`

	// DefaultsRevision asks for a revision of the function's defaults (log
	// retention, NAT gateways, flow-log traffic type, CloudFront policies,
	// the engine version of a new cluster, ...). Unset, a stack keeps the
	// revision it was first rendered with, so that a new version of the
	// function changes no running stack; a new stack takes the newest.
	// Set it to a newer revision to take that revision's defaults
	// (preview it first: docs/day-2.md).
	// +kubebuilder:validation:Enum="2026-11";"2026-12"
	// +optional
	DefaultsRevision string `json:"defaultsRevision,omitempty"`
}

// DomainSpec is the team's own domain name for the API.
type DomainSpec struct {
	// Name is the fully qualified domain name, for example
	// api.catalog.example.com: lowercase labels of letters, digits and
	// hyphens, at least two, no trailing dot. It cannot be changed once
	// set (the certificate is issued for it).
	// +kubebuilder:validation:MinLength=4
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.domain.name is immutable"
	Name string `json:"name"`
	// HostedZoneID is the ID of the public Route 53 hosted zone that holds
	// Name, for example Z0123456789ABCDEFGHIJ.
	// +kubebuilder:validation:MinLength=2
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^Z[A-Z0-9]{1,31}$`
	HostedZoneID string `json:"hostedZoneId"`
}

// EdgeSpec is edge protection the platform runs outside this API.
type EdgeSpec struct {
	// WebACLArn is the ARN of an existing AWS WAF web ACL with scope
	// CLOUDFRONT (in us-east-1) to attach to the distribution, for example
	// arn:aws:wafv2:us-east-1:123456789012:global/webacl/catalog/0123abcd-....
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^arn:aws:wafv2:us-east-1:[0-9]{12}:global/webacl/[A-Za-z0-9_-]{1,128}/[a-f0-9-]{36}$`
	// +optional
	WebACLArn string `json:"webAclArn,omitempty"`
}

// CDNSpec configures the CloudFront distribution.
type CDNSpec struct {
	// Caching lets CloudFront cache GET and HEAD responses as the API's
	// Cache-Control headers allow (the platform's cache policy, by default
	// UseOriginCacheControlHeaders-QueryStrings). With caching on,
	// CloudFront does not forward the Authorization header to the API
	// unless the cache policy puts it in the cache key: turn it on only for
	// an API whose cacheable responses need no Authorization. false, the
	// default, forwards every request and every header but Host, the
	// Authorization header included, and caches nothing.
	// +kubebuilder:default=false
	// +optional
	Caching *bool `json:"caching,omitempty"`
}

// NetworkSpec configures the VPC.
// +kubebuilder:validation:XValidation:rule="has(self.existing) == has(oldSelf.existing)",message="spec.network.existing cannot be set or removed after creation: the stack would move to another network"
type NetworkSpec struct {
	// VpcCidr is the IPv4 range of the VPC, from /16 to /22. It is split
	// into four equal subnets: public and private in each of two AZs.
	// +kubebuilder:default="10.0.0.0/16"
	// +kubebuilder:validation:Pattern=`^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])/(1[6-9]|2[0-2])$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.network.vpcCidr is immutable"
	// +optional
	VpcCidr string `json:"vpcCidr,omitempty"`

	// Existing puts the stack into a network that already exists instead
	// of composing a VPC: no VPC, subnet, gateway, route or flow log is
	// created. The network must give the private subnets a route to the
	// internet or VPC endpoints for ECR, CloudWatch Logs, Secrets Manager
	// and S3, and the VPC must have DNS support and DNS hostnames on
	// (docs/stack.md, "An existing network"). It can be neither set nor
	// removed after creation.
	// +optional
	Existing *ExistingNetworkSpec `json:"existing,omitempty"`
}

// ExistingNetworkSpec names a VPC and its subnets. Subnet IDs do not say
// which AZ a subnet is in: AWS refuses a load balancer, and RDS a DB subnet
// group, whose subnets do not span at least two AZs, so at least two
// subnets of each kind are required here and the two-AZ rule is AWS's.
// +kubebuilder:validation:XValidation:rule="self.privateSubnetIds.all(p, !(p in self.publicSubnetIds))",message="spec.network.existing: a subnet cannot be both private and public"
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.network.existing is immutable"
type ExistingNetworkSpec struct {
	// VpcID is the ID of the VPC, vpc- and 8 or 17 hex digits.
	// +kubebuilder:validation:Pattern=`^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`
	VpcID string `json:"vpcId"`
	// PrivateSubnetIDs hold the ECS tasks and the database: at least two,
	// in at least two AZs of spec.region.
	// +kubebuilder:validation:MinItems=2
	// +kubebuilder:validation:MaxItems=6
	// +kubebuilder:validation:items:Pattern=`^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`
	// +listType=set
	PrivateSubnetIDs []string `json:"privateSubnetIds"`
	// PublicSubnetIDs hold the load balancer: at least two, in at least
	// two AZs of spec.region.
	// +kubebuilder:validation:MinItems=2
	// +kubebuilder:validation:MaxItems=6
	// +kubebuilder:validation:items:Pattern=`^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`
	// +listType=set
	PublicSubnetIDs []string `json:"publicSubnetIds"`
}

// EnvVar is a plain environment variable of the container. Secrets do not
// belong here: spec.service.secrets injects them from Secrets Manager or
// SSM Parameter Store.
type EnvVar struct {
	// Name of the variable.
	// +kubebuilder:validation:Pattern=`^[A-Za-z_][A-Za-z0-9_]*$`
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:XValidation:rule="!self.startsWith('DB_')",message="names starting with DB_ are reserved for the database connection"
	Name string `json:"name"`
	// Value of the variable.
	// +kubebuilder:validation:MaxLength=4096
	Value string `json:"value"`
}

// SecretVar is an environment variable ECS fills from Secrets Manager or
// SSM Parameter Store when a task starts; the task definition holds only
// the reference.
type SecretVar struct {
	// Name of the variable.
	// +kubebuilder:validation:Pattern=`^[A-Za-z_][A-Za-z0-9_]*$`
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:XValidation:rule="!self.startsWith('DB_')",message="names starting with DB_ are reserved for the database connection"
	Name string `json:"name"`
	// ValueFrom is the full ARN of a Secrets Manager secret in
	// spec.region (with its six-character suffix), optionally followed by
	// :json-key:: to inject one key of its JSON, or the ARN of an SSM
	// parameter in spec.region. The task execution role may read exactly
	// these ARNs.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^arn:aws:(secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+(:[A-Za-z0-9_.-]*:[A-Za-z0-9_.-]*:[A-Za-z0-9_.-]*)?|ssm:[a-z0-9-]+:[0-9]{12}:parameter/[A-Za-z0-9_./-]+)$`
	ValueFrom string `json:"valueFrom"`
}

// ServiceSpec configures the ECS service and the shape of its app: the
// port it listens on, its health check, its size, its command, variables
// and secrets, and the AWS permissions of its task role. Every field
// defaults to the catalog API's own shape.
// +kubebuilder:validation:XValidation:rule="!has(self.cpu) || !has(self.memory) || (self.cpu == 256 && self.memory in [512, 1024, 2048]) || (self.cpu == 512 && self.memory >= 1024 && self.memory <= 4096 && self.memory % 1024 == 0) || (self.cpu == 1024 && self.memory >= 2048 && self.memory <= 8192 && self.memory % 1024 == 0) || (self.cpu == 2048 && self.memory >= 4096 && self.memory <= 16384 && self.memory % 1024 == 0) || (self.cpu == 4096 && self.memory >= 8192 && self.memory <= 30720 && self.memory % 1024 == 0) || (self.cpu == 8192 && self.memory >= 16384 && self.memory <= 61440 && self.memory % 4096 == 0) || (self.cpu == 16384 && self.memory >= 32768 && self.memory <= 122880 && self.memory % 8192 == 0)",message="spec.service.cpu and spec.service.memory must be a pair Fargate accepts (docs/stack.md lists them)"
// +kubebuilder:validation:XValidation:rule="!has(self.env) || !has(self.secrets) || self.env.all(e, self.secrets.all(x, x.name != e.name))",message="spec.service: a name cannot be both in env and in secrets"
type ServiceSpec struct {
	// ContainerPort is the TCP port the app listens on. The target group,
	// the security group rules, the task definition and the service follow
	// it; changing it is a rolling deployment.
	// +kubebuilder:default=3000
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +optional
	ContainerPort *int32 `json:"containerPort,omitempty"`
	// HealthCheckPath is the path the load balancer checks; the app must
	// answer it with 200.
	// +kubebuilder:default="/health"
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^/[A-Za-z0-9/._~%!$&'()*+,;=:@-]*$`
	// +optional
	HealthCheckPath string `json:"healthCheckPath,omitempty"`
	// CPU of a task in CPU units (1024 = 1 vCPU): 256, 512, 1024, 2048,
	// 4096, 8192 or 16384. Changing it is a rolling deployment.
	// +kubebuilder:default=1024
	// +kubebuilder:validation:Enum=256;512;1024;2048;4096;8192;16384
	// +optional
	CPU *int32 `json:"cpu,omitempty"`
	// Memory of a task in MiB, one Fargate accepts with spec.service.cpu.
	// Changing it is a rolling deployment.
	// +kubebuilder:default=2048
	// +kubebuilder:validation:Minimum=512
	// +kubebuilder:validation:Maximum=122880
	// +optional
	Memory *int32 `json:"memory,omitempty"`
	// Command replaces the image's CMD.
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=4096
	// +listType=atomic
	// +optional
	Command []string `json:"command,omitempty"`
	// Secrets are environment variables injected from Secrets Manager or
	// SSM Parameter Store. Names starting with DB_ are reserved for the
	// database connection.
	// +kubebuilder:validation:MaxItems=50
	// +listType=map
	// +listMapKey=name
	// +optional
	Secrets []SecretVar `json:"secrets,omitempty"`
	// TaskRolePolicyArns are IAM managed policies attached to the task
	// role, the role the app's own AWS calls use. None by default.
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:items:Pattern=`^arn:aws:iam::([0-9]{12}|aws):policy/[A-Za-z0-9+=,.@_/-]+$`
	// +listType=set
	// +optional
	TaskRolePolicyArns []string `json:"taskRolePolicyArns,omitempty"`
	// EnableExecuteCommand turns ECS Exec on: `aws ecs execute-command`
	// opens a shell in a running task. The task role then gets the SSM
	// messages permissions ECS Exec needs. Tasks started before the change
	// do not have it; the change is a rolling deployment.
	// +kubebuilder:default=false
	// +optional
	EnableExecuteCommand *bool `json:"enableExecuteCommand,omitempty"`
	// Env holds extra plain environment variables. Names starting with DB_
	// are reserved for the database connection.
	// +kubebuilder:validation:MaxItems=50
	// +listType=map
	// +listMapKey=name
	// +optional
	Env []EnvVar `json:"env,omitempty"`
	// OnDemandBaseTasks is how many tasks run on FARGATE (on-demand
	// capacity) before the others run on FARGATE_SPOT: a Spot capacity
	// shortage then never leaves fewer than this many tasks. 0, the
	// default, runs every task on FARGATE_SPOT. At most
	// spec.scaling.maxTasks. Changing it makes ECS start a new deployment.
	// +kubebuilder:default=0
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=50
	// +optional
	OnDemandBaseTasks *int32 `json:"onDemandBaseTasks,omitempty"`
}

// ScalingSpec configures Application Auto Scaling of the service.
type ScalingSpec struct {
	// MinTasks is the lowest number of running tasks.
	// +kubebuilder:default=2
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=50
	// +optional
	MinTasks *int32 `json:"minTasks,omitempty"`
	// MaxTasks is the highest number of running tasks.
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=50
	// +optional
	MaxTasks *int32 `json:"maxTasks,omitempty"`
	// TargetCPUUtilization is the average CPU utilization, in percent, that
	// target tracking keeps the service at.
	// +kubebuilder:default=70
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=90
	// +optional
	TargetCPUUtilization *int32 `json:"targetCpuUtilization,omitempty"`
}

// DatabaseSpec configures the Aurora PostgreSQL cluster.
// +kubebuilder:validation:XValidation:rule="!has(self.deletionProtection) || !self.deletionProtection || !has(self.finalSnapshot) || self.finalSnapshot",message="spec.database.deletionProtection requires spec.database.finalSnapshot: a protected database is not a throwaway one"
type DatabaseSpec struct {
	// InstanceClass of the writer and the reader.
	// +kubebuilder:default="db.t3.medium"
	// +kubebuilder:validation:Enum=db.t3.medium;db.t3.large;db.t4g.medium;db.t4g.large;db.r6g.large;db.r6g.xlarge;db.r7g.large;db.r7g.xlarge
	// +optional
	InstanceClass string `json:"instanceClass,omitempty"`
	// Name of the database the API connects to.
	// +kubebuilder:default="catalog"
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9_]{0,62}$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.database.name is immutable"
	// +optional
	Name string `json:"name,omitempty"`
	// MasterUsername of the cluster. Its password is generated and kept in
	// Secrets Manager by RDS; it never appears in the API.
	// +kubebuilder:default="catalog_admin"
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9_]{0,15}$`
	// +kubebuilder:validation:XValidation:rule="!(self in ['postgres', 'admin', 'rdsadmin']) && !self.startsWith('pg_') && !self.startsWith('rds')",message="spec.database.masterUsername is reserved by PostgreSQL or RDS"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.database.masterUsername is immutable"
	// +optional
	MasterUsername string `json:"masterUsername,omitempty"`
	// BackupRetentionDays is how long automatic backups are kept.
	// +kubebuilder:default=7
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=35
	// +optional
	BackupRetentionDays *int32 `json:"backupRetentionDays,omitempty"`
	// EngineVersion of Aurora PostgreSQL, such as 16.8. Unset, a new
	// cluster gets the function's default and keeps the version it was
	// created with when a later function changes the default; set it to
	// upgrade (applied at once, an in-place upgrade with downtime). The
	// function refuses a version below the one the cluster runs.
	// +kubebuilder:validation:Pattern=`^[0-9]+\.[0-9]+$`
	// +optional
	EngineVersion string `json:"engineVersion,omitempty"`

	// FinalSnapshot takes a final snapshot of the cluster when the
	// CatalogApi is deleted, named <cluster>-final-<id from the
	// CatalogApi's UID>, and keeps the automated backups until their
	// retention expires. The snapshot is not part of the stack: it stays
	// (and is billed) until someone deletes it. false deletes the database
	// with no snapshot and its automated backups with it: for throwaway
	// stacks only.
	// +kubebuilder:default=true
	// +optional
	FinalSnapshot *bool `json:"finalSnapshot,omitempty"`
	// DeletionProtection makes RDS refuse to delete the cluster. Deleting
	// the CatalogApi then leaves the cluster's managed resource, and with it
	// the stack's teardown, waiting until deletionProtection is set back to
	// false (docs/day-2.md, "Deleting a protected database").
	// +kubebuilder:default=false
	// +optional
	DeletionProtection *bool `json:"deletionProtection,omitempty"`
}

// CatalogApiStatus is what the function reports back.
type CatalogApiStatus struct {
	// URL is the public HTTPS address of the API (CloudFront).
	// +optional
	URL string `json:"url,omitempty"`
	// LoadBalancerDNSName is the DNS name of the Application Load Balancer.
	// +optional
	LoadBalancerDNSName string `json:"loadBalancerDnsName,omitempty"`
	// Region the stack runs in.
	// +optional
	Region string `json:"region,omitempty"`
	// Database connection facts (never the password).
	// +optional
	Database *DatabaseStatus `json:"database,omitempty"`
	// Service facts.
	// +optional
	Service *ServiceStatus `json:"service,omitempty"`
	// LogGroups are the CloudWatch log groups of the stack.
	// +optional
	LogGroups []string `json:"logGroups,omitempty"`
	// AccessLogBucket is the S3 bucket holding ALB and CloudFront access logs.
	// +optional
	AccessLogBucket string `json:"accessLogBucket,omitempty"`
	// DefaultsRevision is the revision of the function's defaults the
	// stack is rendered with (spec.defaultsRevision).
	// +optional
	DefaultsRevision string `json:"defaultsRevision,omitempty"`
	// EstimatedMonthlyCost is the function's estimate of what the stack
	// costs per month at AWS list prices, from a price table built into the
	// function (no network at render time).
	// +optional
	EstimatedMonthlyCost *CostEstimate `json:"estimatedMonthlyCost,omitempty"`
}

// CostEstimate is a monthly cost estimate with its breakdown and the
// assumptions it rests on. Amounts are decimal strings (exact, not floats).
type CostEstimate struct {
	// TotalUSD is the exact sum of the items, rounded to cents (it may
	// differ by a cent from the sum of the rounded items).
	TotalUSD string `json:"totalUSD"`
	// Currency of every amount: USD.
	Currency string `json:"currency"`
	// PriceDate is the date of the price table the estimate uses.
	PriceDate string `json:"priceDate"`
	// Region whose list prices are used.
	Region string `json:"region"`
	// Items are the priced line items.
	// +optional
	Items []CostItem `json:"items,omitempty"`
	// Assumptions the estimate rests on, and what it leaves out.
	// +optional
	Assumptions []string `json:"assumptions,omitempty"`
}

// CostItem is one line of a cost estimate.
type CostItem struct {
	// Item names what is priced.
	Item string `json:"item"`
	// Quantity of units, as a decimal string.
	Quantity string `json:"quantity"`
	// Unit the unit price is per (for example vCPU-hour, GB-month).
	Unit string `json:"unit"`
	// UnitPriceUSD is the list price per unit.
	UnitPriceUSD string `json:"unitPriceUSD"`
	// MonthlyUSD is quantity x unit price (x hours per month for hourly
	// units), rounded to cents.
	MonthlyUSD string `json:"monthlyUSD"`
}

// DatabaseStatus holds the database's observed connection facts.
type DatabaseStatus struct {
	// Endpoint of the writer.
	// +optional
	Endpoint string `json:"endpoint,omitempty"`
	// ReaderEndpoint of the cluster.
	// +optional
	ReaderEndpoint string `json:"readerEndpoint,omitempty"`
	// SecretArn of the RDS-managed master user secret.
	// +optional
	SecretArn string `json:"secretArn,omitempty"`
}

// ServiceStatus holds the ECS names.
type ServiceStatus struct {
	// ClusterName of the ECS cluster.
	// +optional
	ClusterName string `json:"clusterName,omitempty"`
	// ServiceName of the ECS service.
	// +optional
	ServiceName string `json:"serviceName,omitempty"`
	// TaskDefinition is the ARN of the task definition revision the service
	// is set to run.
	// +optional
	TaskDefinition string `json:"taskDefinition,omitempty"`
}

// CatalogApi is one application team's catalog API stack.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,composite}
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="URL",type="string",JSONPath=".status.url"
// +kubebuilder:printcolumn:name="COST/MONTH",type="string",JSONPath=".status.estimatedMonthlyCost.totalUSD",description="Estimated monthly cost in USD at list prices"
type CatalogApi struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   CatalogApiSpec   `json:"spec"`
	Status CatalogApiStatus `json:"status,omitempty"`
}
