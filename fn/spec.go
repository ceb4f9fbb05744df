package fn

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/function-sdk-go/resource/composite"

	"github.com/platform/function-catalog-api/apis/v1alpha1"
	"github.com/platform/function-catalog-api/input/v1beta1"
	"github.com/platform/function-catalog-api/internal/engine"
)

// Fixed properties of the product: the contract every CatalogApi gets.
const (
	DatabasePort        = 5432
	ListenerPort        = 80
	HTTPSPort           = 443
	HealthCheckInterval = 30
	UnhealthyThreshold  = 2
	ContainerName       = "catalog-api"
	CapacityProvider    = "FARGATE_SPOT"
	// OnDemandCapacityProvider runs spec.service.onDemandBaseTasks tasks.
	OnDemandCapacityProvider = "FARGATE"
	DatabaseEngine           = "aurora-postgresql"
)

// Defaults for everything a CatalogApi or the Input may leave out. They are
// the same values the XRD schema defaults to, so a render without --xrd gives
// the same stack as one with it.
const (
	DefaultRegion              = "eu-north-1"
	DefaultVpcCidr             = "10.0.0.0/16"
	DefaultMinTasks            = 2
	DefaultMaxTasks            = 10
	DefaultTargetCPU           = 70
	DefaultInstanceClass       = "db.t3.medium"
	DefaultDatabaseName        = "catalog"
	DefaultMasterUsername      = "catalog_admin"
	DefaultBackupRetentionDays = 7
	DefaultLogRetentionDays    = 30
	DefaultProviderConfigName  = "default"
	// DefaultContainerPort, DefaultHealthCheckPath, DefaultTaskCPU and
	// DefaultTaskMemory are the app's shape (spec.service) of the catalog
	// API itself.
	DefaultContainerPort   = 3000
	DefaultHealthCheckPath = "/health"
	DefaultTaskCPU         = 1024 // 1 vCPU
	DefaultTaskMemory      = 2048 // 2 GB
	// DefaultEngineVersion is the Aurora PostgreSQL version of a new
	// cluster: 16.8, the version AWS designates as the long-term-support
	// (LTS) minor of Aurora PostgreSQL 16 (Aurora user guide, "Using an Aurora
	// PostgreSQL long-term support (LTS) release"; AWS's
	// agent-toolkit-for-aws Aurora PostgreSQL upgrade reference lists the LTS
	// minors 17.7 and 16.8). An LTS minor stays available for new clusters
	// for at least three years; a regular minor for about one, which is why
	// the former default, 16.6 (released with the PostgreSQL community's
	// November 2024 minors), can no longer create a cluster in November
	// 2026. db.t3.medium supports Aurora PostgreSQL 14.3 and higher (Aurora
	// user guide, "Supported DB engines for DB instance classes"). Re-check
	// per region with `aws rds describe-db-engine-versions --engine
	// aurora-postgresql --engine-version 16.8` and `aws rds
	// describe-orderable-db-instance-options --engine aurora-postgresql
	// --engine-version 16.8 --db-instance-class db.t3.medium` (README,
	// "Facts and sources").
	DefaultEngineVersion = "16.8"
	// DefaultCachePolicyID is an AWS managed CloudFront policy, by its
	// fixed ID: UseOriginCacheControlHeaders-QueryStrings. The API decides
	// what is cacheable through Cache-Control, and query strings are in the
	// key.
	DefaultCachePolicyID = "4cc15a8a-d715-48a4-82b8-cc0b614638fe"
	// CachingDisabledPolicyID is the AWS managed CloudFront cache policy
	// CachingDisabled, by its fixed ID: the cache policy of a CatalogApi
	// without spec.cdn.caching. With caching disabled, the origin request
	// policy AllViewerExceptHostHeader forwards the Authorization header
	// too (AWS knowledge center, "cloudfront-authorization-header").
	CachingDisabledPolicyID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	// DefaultOriginRequestPolicyID is the AWS managed CloudFront policy
	// AllViewerExceptHostHeader, by its fixed ID: everything but Host
	// reaches the ALB.
	DefaultOriginRequestPolicyID = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
)

// NATMode says how many NAT gateways the network gets.
type NATMode string

// NAT modes.
const (
	NATPerAZ  NATMode = "PerAZ"
	NATSingle NATMode = "Single"
	// NATNone: no NAT gateway; the tasks reach AWS through the VPC
	// endpoints only (endpoints.go).
	NATNone NATMode = "None"
)

// Spec is the validated and defaulted view of one CatalogApi and the
// function's Input: every builder reads from it and from nothing else.
type Spec struct {
	// XRName and XRNamespace identify the composite resource.
	XRName      string
	XRNamespace string
	// XRCreated is the XR's creationTimestamp (RFC 3339), "" if unset: it
	// ranks the claims on a suffix (see claim.go).
	XRCreated string
	// Claim is ClaimHeld when the CatalogApi holds its suffix and renders
	// its stack, ClaimPending while it renders only its VPC (see claim.go).
	// NewSpec leaves it empty; RunFunction decides it.
	Claim string

	Suffix string
	Image  string
	Region string
	// RegionFacts are the per-region facts (prefix list, ELB account, AZs).
	RegionFacts v1beta1.RegionSettings

	VpcCidr            string
	PublicSubnetCidrs  [2]string
	PrivateSubnetCidrs [2]string
	NAT                NATMode
	// VPCEndpoints is the Input's vpcEndpoints (endpoints.go).
	VPCEndpoints bool
	// FlowLogTrafficType is the Input's flowLogTrafficType (network.go).
	FlowLogTrafficType string

	Env []v1alpha1.EnvVar
	// App is the shape of the app (spec.service), defaulted (appshape.go).
	App AppShape
	// Existing is the network the stack goes into (spec.network.existing);
	// nil: the stack composes its own VPC (existingnetwork.go).
	Existing *v1alpha1.ExistingNetworkSpec
	// AskedEngineVersion is spec.database.engineVersion, "" if unset: the
	// cluster then keeps the version it runs (defaults.go).
	AskedEngineVersion string
	// OnDemandBaseTasks run on FARGATE before the others run on
	// FARGATE_SPOT; 0 runs every task on FARGATE_SPOT.
	OnDemandBaseTasks int
	MinTasks          int
	MaxTasks          int
	TargetCPU         int

	InstanceClass       string
	DatabaseName        string
	MasterUsername      string
	BackupRetentionDays int
	EngineVersion       string
	// FinalSnapshot and DeletionProtection are spec.database's
	// (database.go, "What deleting does to the data").
	FinalSnapshot      bool
	DeletionProtection bool

	LogRetentionDays int
	// Caching is spec.cdn.caching: the distribution caches with
	// CachePolicyID; otherwise with CachingDisabledPolicyID.
	Caching       bool
	CachePolicyID string
	// Domain and HostedZoneID are spec.domain's ("" without it);
	// WebACLArn is spec.edge.webAclArn (domain.go, cdn.go).
	Domain                string
	HostedZoneID          string
	WebACLArn             string
	OriginRequestPolicyID string
	ProviderConfigName    string

	// XRUID is the CatalogApi's UID, "" when rendered without one
	// (crossplane render of a file without metadata.uid).
	XRUID string

	// UniqueID is a short stable hash of namespace/name: it makes names
	// unique within an account without changing between renders.
	UniqueID string
	// LogBucket is the access-log bucket's globally unique name
	// (logBucketName).
	LogBucket string

	// Defaults are the revision of the function's defaults the stack is
	// rendered with (defaults.go): every Input setting left out takes its
	// value from them.
	Defaults Defaults
	// FirstRevision says Defaults are the oldest revision, which the
	// resources record by carrying no label (LabelDefaultsRevision).
	FirstRevision bool
}

// AZ returns the availability zone with index i (0 or 1).
func (s *Spec) AZ(i int) string { return s.RegionFacts.AvailabilityZones[i] }

// FieldError is a rejected input: it names the field, the value and the rule.
type FieldError struct {
	Field string
	Value any
	Rule  string
}

func (e FieldError) Error() string {
	return fmt.Sprintf("%s: invalid value %v: %s", e.Field, quoteIfString(e.Value), e.Rule)
}

func quoteIfString(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}

// ValidationError holds every FieldError of one input.
type ValidationError []FieldError

func (v ValidationError) Error() string {
	msgs := make([]string, len(v))
	for i, e := range v {
		msgs[i] = e.Error()
	}
	return "invalid CatalogApi: " + strings.Join(msgs, "; ")
}

// NewSpec decodes, defaults and validates the observed XR and the Input.
// What is observed decides the stack's defaults revision and the values it
// keeps from AWS (defaults.go); nil is a stack with nothing observed yet.
func NewSpec(xr *composite.Unstructured, in *v1beta1.Input, o engine.Observed) (*Spec, error) {
	return newSpec(xr, in, o, BuiltinRevisions())
}

// newSpec is NewSpec with these revisions of the function's defaults.
func newSpec(xr *composite.Unstructured, in *v1beta1.Input, o engine.Observed, revisions Revisions) (*Spec, error) {
	api := &v1alpha1.CatalogApi{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(xr.UnstructuredContent(), api); err != nil {
		return nil, fmt.Errorf("cannot decode the CatalogApi: %w", err)
	}
	v := &validator{}
	s := &Spec{XRName: xr.GetName(), XRNamespace: xr.GetNamespace(), XRCreated: rfc3339(&xr.Unstructured), XRUID: string(xr.GetUID())}
	s.UniqueID = shortHash(s.XRNamespace + "/" + s.XRName)
	s.Defaults = revisions.choose(api.Spec.DefaultsRevision, o, v)
	s.FirstRevision = s.Defaults.Revision == revisions.first().Revision
	s.applyInput(in, v)
	s.applyAPI(&api.Spec, in, v)
	s.LogBucket = s.logBucketName(o)
	if len(v.errs) > 0 {
		return nil, v.errs
	}
	return s, nil
}

type validator struct{ errs ValidationError }

func (v *validator) fail(field string, value any, rule string) {
	v.errs = append(v.errs, FieldError{Field: field, Value: value, Rule: rule})
}

// intIn checks lo <= n <= hi.
func (v *validator) intIn(field string, n, lo, hi int) {
	if n < lo || n > hi {
		v.fail(field, n, fmt.Sprintf("must be between %d and %d", lo, hi))
	}
}

// match checks a value against a pattern, with a rule a person can read.
func (v *validator) match(field, value string, re *regexp.Regexp, rule string) {
	if !re.MatchString(value) {
		v.fail(field, value, rule)
	}
}

var (
	suffixRe   = regexp.MustCompile(`^[a-z]([a-z0-9]|-[a-z0-9])*$`)
	imageRe    = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$`)
	dbNameRe   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	dbUserRe   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,15}$`)
	envNameRe  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	policyIDRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// MaxSuffixLength keeps every derived AWS name within its limit: the longest
// name with a 32-character limit is the target group's "tg-{suffix}".
const MaxSuffixLength = 20

// AllowedInstanceClasses returns the db.t3.medium and larger classes that
// Aurora PostgreSQL supports, in the order error messages list them. Each
// call returns a fresh slice.
func AllowedInstanceClasses() []string {
	return []string{
		"db.t3.medium", "db.t3.large", "db.t4g.medium", "db.t4g.large",
		"db.r6g.large", "db.r6g.xlarge", "db.r7g.large", "db.r7g.xlarge",
	}
}

// ValidLogRetentionDays returns the values CloudWatch Logs accepts, in
// ascending order. Each call returns a fresh slice.
func ValidLogRetentionDays() []int {
	return []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
}

func (s *Spec) applyAPI(a *v1alpha1.CatalogApiSpec, in *v1beta1.Input, v *validator) {
	s.Suffix = a.EnvironmentSuffix
	switch {
	case s.Suffix == "":
		v.fail("spec.environmentSuffix", s.Suffix, "is required")
	case len(s.Suffix) < 2 || len(s.Suffix) > MaxSuffixLength:
		v.fail("spec.environmentSuffix", s.Suffix, fmt.Sprintf("must be 2 to %d characters long", MaxSuffixLength))
	default:
		v.match("spec.environmentSuffix", s.Suffix, suffixRe, "must be lowercase letters, digits and single hyphens, start with a letter and end with a letter or digit")
	}
	s.Image = a.Image
	if s.Image == "" {
		v.fail("spec.image", s.Image, "is required")
	} else if len(s.Image) > 255 || !imageRe.MatchString(s.Image) {
		v.fail("spec.image", s.Image, "must be a container image reference such as registry/repository:tag or repository@sha256:digest")
	}
	s.applyRegion(a.Region, in, v)
	s.applyNetwork(a.Network, v)
	s.applyExistingNetwork(a.Network, v)
	s.applyService(a.Service, v)
	s.applyAppShape(a.Service, v)
	s.applyScaling(a.Scaling, v)
	s.checkOnDemandBaseTasks(v)
	s.applyDatabase(a.Database, v)
	s.checkImageWithoutNAT(v)
	s.applyCDN(a.CDN)
	s.applyDomain(a.Domain, v)
	s.applyEdge(a.Edge, v)
}

var (
	domainRe    = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)
	zoneIDRe    = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	webACLArnRe = regexp.MustCompile(`^arn:aws:wafv2:us-east-1:[0-9]{12}:global/webacl/[A-Za-z0-9_-]{1,128}/[a-f0-9-]{36}$`)
)

// applyDomain reads spec.domain: both fields are required when it is given.
func (s *Spec) applyDomain(d *v1alpha1.DomainSpec, v *validator) {
	if d == nil {
		return
	}
	s.Domain, s.HostedZoneID = d.Name, d.HostedZoneID
	if len(s.Domain) < 4 || len(s.Domain) > 253 || !domainRe.MatchString(s.Domain) {
		v.fail("spec.domain.name", s.Domain, "is required with spec.domain and must be a lowercase fully qualified domain name such as api.example.com")
	}
	v.match("spec.domain.hostedZoneId", s.HostedZoneID, zoneIDRe, "is required with spec.domain and must be a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ")
}

// applyEdge reads spec.edge.
func (s *Spec) applyEdge(e *v1alpha1.EdgeSpec, v *validator) {
	if e == nil || e.WebACLArn == "" {
		return
	}
	s.WebACLArn = e.WebACLArn
	v.match("spec.edge.webAclArn", s.WebACLArn, webACLArnRe, "must be the ARN of a WAFv2 web ACL with scope CLOUDFRONT (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>)")
}

// applyCDN reads spec.cdn; a bool needs no check of the function's own.
func (s *Spec) applyCDN(c *v1alpha1.CDNSpec) {
	if c == nil {
		c = &v1alpha1.CDNSpec{}
	}
	s.Caching = boolOrDefault(c.Caching, false)
}

func (s *Spec) applyRegion(region string, in *v1beta1.Input, v *validator) {
	s.Region = orDefault(region, DefaultRegion)
	facts, ok := in.Regions[s.Region]
	if !ok {
		facts, ok = KnownRegions()[s.Region]
	}
	if !ok {
		v.fail("spec.region", s.Region, "must be one of "+strings.Join(regionNames(in), ", "))
		return
	}
	s.RegionFacts = facts
	if len(facts.AvailabilityZones) != 2 || facts.CloudFrontPrefixListID == "" || facts.ELBAccountID == "" {
		v.fail("input.regions["+s.Region+"]", s.Region, "needs cloudFrontPrefixListId, elbAccountId and exactly two availabilityZones")
	}
}

func regionNames(in *v1beta1.Input) []string {
	seen := map[string]bool{}
	for r := range KnownRegions() {
		seen[r] = true
	}
	for r := range in.Regions {
		seen[r] = true
	}
	names := make([]string, 0, len(seen))
	for r := range seen {
		names = append(names, r)
	}
	sort.Strings(names)
	return names
}

func (s *Spec) applyNetwork(n *v1alpha1.NetworkSpec, v *validator) {
	cidr := DefaultVpcCidr
	if n != nil && n.VpcCidr != "" {
		cidr = n.VpcCidr
	}
	p, err := netip.ParsePrefix(cidr)
	switch {
	case err != nil || !p.Addr().Is4():
		v.fail("spec.network.vpcCidr", cidr, "must be an IPv4 CIDR such as 10.0.0.0/16")
		return
	case p.Masked() != p:
		v.fail("spec.network.vpcCidr", cidr, "must be a network address (host bits zero), e.g. "+p.Masked().String())
		return
	case p.Bits() < 16 || p.Bits() > 22:
		v.fail("spec.network.vpcCidr", cidr, "prefix length must be between /16 and /22 so that four subnets of at least /24 fit")
		return
	}
	s.VpcCidr = cidr
	quarters := splitCidr(p, subnetCount)
	s.PublicSubnetCidrs = [2]string{quarters[0], quarters[1]}
	s.PrivateSubnetCidrs = [2]string{quarters[2], quarters[3]}
}

// subnetCount is the number of subnets the VPC's CIDR is split into: a
// public and a private one in each of the two AZs.
const subnetCount = 2 * zoneCount

// Limits of the XRD (apis/v1alpha1, the kubebuilder Minimum/Maximum
// markers), checked again here for callers that bypass the API server.
const (
	// MaxTasksLimit bounds spec.scaling.minTasks and maxTasks.
	MaxTasksLimit = 50
	// MinTargetCPU and MaxTargetCPU bound spec.scaling.targetCpuUtilization.
	MinTargetCPU = 10
	MaxTargetCPU = 90
	// MaxBackupRetentionDays is Aurora's maximum backup retention period
	// (RDS: 1 to 35 days).
	MaxBackupRetentionDays = 35
)

// splitCidr divides p into n equal consecutive subnets (n a power of two).
func splitCidr(p netip.Prefix, n int) []string {
	extra := 0
	for 1<<extra < n {
		extra++
	}
	size := uint32(1) << (32 - p.Bits() - extra)
	base := p.Addr().As4()
	start := binary.BigEndian.Uint32(base[:])
	out := make([]string, n)
	for i := range n {
		var a [4]byte
		binary.BigEndian.PutUint32(a[:], start+uint32(i)*size)
		out[i] = netip.PrefixFrom(netip.AddrFrom4(a), p.Bits()+extra).String()
	}
	return out
}

func (s *Spec) applyService(svc *v1alpha1.ServiceSpec, v *validator) {
	if svc == nil {
		return
	}
	s.OnDemandBaseTasks = int32OrDefault(svc.OnDemandBaseTasks, 0)
	seen := map[string]bool{}
	for i, e := range svc.Env {
		field := fmt.Sprintf("spec.service.env[%d].name", i)
		switch {
		case !envNameRe.MatchString(e.Name):
			v.fail(field, e.Name, "must be a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)")
		case strings.HasPrefix(e.Name, "DB_"):
			v.fail(field, e.Name, "names starting with DB_ are reserved for the database connection")
		case seen[e.Name]:
			v.fail(field, e.Name, "must be unique")
		}
		seen[e.Name] = true
	}
	s.Env = append([]v1alpha1.EnvVar(nil), svc.Env...)
}

func (s *Spec) applyScaling(sc *v1alpha1.ScalingSpec, v *validator) {
	if sc == nil {
		sc = &v1alpha1.ScalingSpec{}
	}
	s.MinTasks = int32OrDefault(sc.MinTasks, DefaultMinTasks)
	s.MaxTasks = int32OrDefault(sc.MaxTasks, DefaultMaxTasks)
	s.TargetCPU = int32OrDefault(sc.TargetCPUUtilization, DefaultTargetCPU)
	v.intIn("spec.scaling.minTasks", s.MinTasks, 1, MaxTasksLimit)
	v.intIn("spec.scaling.maxTasks", s.MaxTasks, 1, MaxTasksLimit)
	v.intIn("spec.scaling.targetCpuUtilization", s.TargetCPU, MinTargetCPU, MaxTargetCPU)
	if s.MinTasks > s.MaxTasks {
		v.fail("spec.scaling.minTasks", s.MinTasks, fmt.Sprintf("must be less than or equal to spec.scaling.maxTasks (%d)", s.MaxTasks))
	}
}

// MaxOnDemandBaseTasks is the XRD's bound of spec.service.onDemandBaseTasks,
// the same as spec.scaling.maxTasks's.
const MaxOnDemandBaseTasks = 50

// checkOnDemandBaseTasks runs after the scaling bounds are known: more tasks
// on FARGATE than the service can ever run would be a strategy that never
// reaches FARGATE_SPOT and a cost nobody asked for.
func (s *Spec) checkOnDemandBaseTasks(v *validator) {
	const field = "spec.service.onDemandBaseTasks"
	v.intIn(field, s.OnDemandBaseTasks, 0, MaxOnDemandBaseTasks)
	if s.OnDemandBaseTasks > s.MaxTasks {
		v.fail(field, s.OnDemandBaseTasks, fmt.Sprintf("must be less than or equal to spec.scaling.maxTasks (%d)", s.MaxTasks))
	}
}

func (s *Spec) applyDatabase(db *v1alpha1.DatabaseSpec, v *validator) {
	if db == nil {
		db = &v1alpha1.DatabaseSpec{}
	}
	s.InstanceClass = orDefault(db.InstanceClass, DefaultInstanceClass)
	if classes := AllowedInstanceClasses(); !slices.Contains(classes, s.InstanceClass) {
		v.fail("spec.database.instanceClass", s.InstanceClass, "must be db.t3.medium or larger, one of "+strings.Join(classes, ", "))
	}
	s.DatabaseName = orDefault(db.Name, DefaultDatabaseName)
	v.match("spec.database.name", s.DatabaseName, dbNameRe, "must start with a lowercase letter and hold at most 63 lowercase letters, digits and underscores")
	s.MasterUsername = orDefault(db.MasterUsername, DefaultMasterUsername)
	v.match("spec.database.masterUsername", s.MasterUsername, dbUserRe, "must start with a lowercase letter and hold at most 16 lowercase letters, digits and underscores")
	if isReservedDBUser(s.MasterUsername) {
		v.fail("spec.database.masterUsername", s.MasterUsername, "is reserved by PostgreSQL or RDS")
	}
	s.BackupRetentionDays = int32OrDefault(db.BackupRetentionDays, DefaultBackupRetentionDays)
	v.intIn("spec.database.backupRetentionDays", s.BackupRetentionDays, 1, MaxBackupRetentionDays)
	s.applyEngineVersion(db.EngineVersion, v)
	s.applyDeletion(db, v)
}

// applyDeletion reads what deleting the CatalogApi does to the data: a
// final snapshot by default, deletion protection on request, never both
// protection and no snapshot.
func (s *Spec) applyDeletion(db *v1alpha1.DatabaseSpec, v *validator) {
	s.FinalSnapshot = boolOrDefault(db.FinalSnapshot, true)
	s.DeletionProtection = boolOrDefault(db.DeletionProtection, false)
	if s.DeletionProtection && !s.FinalSnapshot {
		v.fail("spec.database.deletionProtection", true, "requires spec.database.finalSnapshot: a protected database is not a throwaway one")
	}
}

func boolOrDefault(v *bool, def bool) bool {
	if v == nil {
		return def
	}
	return *v
}

func isReservedDBUser(u string) bool {
	return u == "postgres" || u == "admin" || u == "rdsadmin" || strings.HasPrefix(u, "pg_") || strings.HasPrefix(u, "rds")
}

func (s *Spec) applyInput(in *v1beta1.Input, v *validator) {
	d := s.Defaults
	s.NAT = NATMode(orDefault(in.NATGateways, string(d.NAT)))
	s.VPCEndpoints = boolOrDefault(in.VPCEndpoints, d.VPCEndpoints)
	s.checkNATMode(in.NATGateways, v)
	s.FlowLogTrafficType = orDefault(in.FlowLogTrafficType, d.FlowLogTrafficType)
	if s.FlowLogTrafficType != "ALL" && s.FlowLogTrafficType != "REJECT" {
		v.fail("input.flowLogTrafficType", in.FlowLogTrafficType, "must be ALL or REJECT (Security Hub EC2.6 requires at least REJECT)")
	}
	s.EngineVersion = orDefault(in.EngineVersion, d.EngineVersion)
	s.LogRetentionDays = int32OrDefault(in.LogRetentionDays, d.LogRetentionDays)
	if !slices.Contains(ValidLogRetentionDays(), s.LogRetentionDays) {
		v.fail("input.logRetentionDays", s.LogRetentionDays, "must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)")
	}
	s.CachePolicyID = orDefault(in.CachePolicyID, d.CachePolicyID)
	v.match("input.cachePolicyId", s.CachePolicyID, policyIDRe, "must be a CloudFront policy ID (a UUID)")
	s.OriginRequestPolicyID = orDefault(in.OriginRequestPolicyID, d.OriginRequestPolicyID)
	v.match("input.originRequestPolicyId", s.OriginRequestPolicyID, policyIDRe, "must be a CloudFront policy ID (a UUID)")
	s.ProviderConfigName = orDefault(in.ProviderConfigName, DefaultProviderConfigName)
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:8]
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func int32OrDefault(v *int32, def int) int {
	if v == nil {
		return def
	}
	return int(*v)
}

// A Spec is not changed once built: what a render learns after validation
// (the suffix claim) makes a copy.

// Claimed is a copy of the spec with the CatalogApi's suffix claim.
func (s *Spec) Claimed(claim string) *Spec {
	c := *s
	c.Claim = claim
	return &c
}
