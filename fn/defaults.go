package fn

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/platform/function-catalog-api/internal/engine"
)

// Defaults that reach AWS and that a later function version may change are
// recorded per stack, in two ways:
//
//   - Revisions. The function's Input-level defaults and the constants a
//     new version may move (Defaults) are grouped into dated revisions
//     that never change once released (TestDefaultsRevisionsAreFrozen). A
//     stack records the revision it was first rendered with on every
//     composed resource (LabelDefaultsRevision) and keeps it from the
//     observed resources afterwards; a new stack takes the newest. A stack
//     takes a newer revision only when spec.defaultsRevision asks for it.
//   - Values kept from AWS. The Aurora engine version a cluster was
//     created with is read back from the observed cluster (engineVersion),
//     because AWS itself moves it on; the access-log bucket's name from
//     the observed bucket (logBucketName).
//
// The app's shape (spec.service) and every other spec default are recorded
// by the API server itself, which writes the XRD's defaults into the
// CatalogApi when it is created.
//
// A new function version therefore changes no running stack unless its
// spec changes: `catalogapi preview` of a live stack against the new
// version shows nothing to do (docs/day-2.md, "Upgrading the function").

// Defaults are one revision of the function's own defaults: what a stack
// gets for every Input setting the platform team leaves out, and the
// constants a later version may move.
type Defaults struct {
	// Revision names the revision: the month it was released, YYYY-MM.
	Revision           string  `json:"revision"`
	NAT                NATMode `json:"natGateways"`
	VPCEndpoints       bool    `json:"vpcEndpoints"`
	FlowLogTrafficType string  `json:"flowLogTrafficType"`
	// EngineVersion is the Aurora version of a new cluster; an existing
	// cluster keeps its own (engineVersion).
	EngineVersion         string `json:"engineVersion"`
	LogRetentionDays      int    `json:"logRetentionDays"`
	CachePolicyID         string `json:"cachePolicyId"`
	OriginRequestPolicyID string `json:"originRequestPolicyId"`
	// ViewerMinimumProtocol is the distribution's security policy with a
	// custom domain; PriceClass its price class.
	ViewerMinimumProtocol string `json:"viewerMinimumProtocol"`
	PriceClass            string `json:"priceClass"`

	// Hardening a revision brings to a stack that takes it: a running
	// stack of an earlier revision gets none of it unasked.

	// ServiceRoleConditions: the trust policies of the ECS, EventBridge
	// and Step Functions roles carry aws:SourceAccount and aws:SourceArn
	// (trustPolicy). The flow-log role has them in every revision.
	ServiceRoleConditions bool `json:"serviceRoleConditions"`
	// RotationFailureAlarm: a CloudWatch alarm on failed executions of
	// the password rotation's state machine (rotationAlarm).
	RotationFailureAlarm bool `json:"rotationFailureAlarm"`
	// RestrictDefaultSecurityGroup: the VPC's default security group
	// loses every rule (defaultSecurityGroup).
	RestrictDefaultSecurityGroup bool `json:"restrictDefaultSecurityGroup"`
}

// Revisions are every revision of the function's defaults, oldest first.
type Revisions []Defaults

// BuiltinRevisions are this function version's revisions. A released
// revision is never edited: a new default is a new revision appended here,
// in fn/testdata/defaults-revisions.json and in the XRD's enum of
// spec.defaultsRevision.
func BuiltinRevisions() Revisions {
	// 2026-11: every stack rendered before revisions existed.
	first := Defaults{
		Revision:              "2026-11",
		NAT:                   NATPerAZ,
		VPCEndpoints:          false,
		FlowLogTrafficType:    "ALL",
		EngineVersion:         DefaultEngineVersion,
		LogRetentionDays:      DefaultLogRetentionDays,
		CachePolicyID:         DefaultCachePolicyID,
		OriginRequestPolicyID: DefaultOriginRequestPolicyID,
		ViewerMinimumProtocol: ViewerMinimumProtocol,
		PriceClass:            "PriceClass_100",
	}
	// 2026-12: the same values, hardened (Security Hub EC2.2, confused
	// deputy conditions, an alarm on failed rotations).
	hardened := first
	hardened.Revision = "2026-12"
	hardened.ServiceRoleConditions = true
	hardened.RotationFailureAlarm = true
	hardened.RestrictDefaultSecurityGroup = true
	return Revisions{first, hardened}
}

// LabelDefaultsRevision is the label that records a stack's defaults
// revision on each of its composed resources. A stack of the first
// revision carries none: every stack rendered before revisions existed is
// of the first revision, and it must not be relabelled by an upgrade.
const LabelDefaultsRevision = "catalog.example.org/defaults-revision"

// Names returns the names of every revision, oldest first.
func (rs Revisions) Names() []string {
	out := make([]string, len(rs))
	for i, d := range rs {
		out[i] = d.Revision
	}
	return out
}

// Current is the newest revision: the defaults of a new stack.
func (rs Revisions) Current() Defaults { return rs[len(rs)-1] }

// first is the oldest revision: the defaults of a stack whose resources
// carry no revision label.
func (rs Revisions) first() Defaults { return rs[0] }

// index is the position of the revision with this name, -1 if unknown.
func (rs Revisions) index(name string) int {
	return slices.IndexFunc(rs, func(d Defaults) bool { return d.Revision == name })
}

// recorded is the revision the observed resources carry: "" for a stack
// with no resources yet, the first revision for resources with no label,
// and otherwise the newest revision a resource is labelled with (a render
// interrupted while taking a newer revision labels only some). A label
// this function version does not know is returned as it is, for the caller
// to refuse.
func (rs Revisions) recorded(o engine.Observed) string {
	if len(o) == 0 {
		return ""
	}
	recIdx := 0
	for _, k := range o.Keys() {
		l := o.Resource(k).GetLabels()[LabelDefaultsRevision]
		if l == "" {
			continue
		}
		i := rs.index(l)
		if i < 0 {
			return l
		}
		recIdx = max(recIdx, i)
	}
	return rs[recIdx].Revision
}

// choose picks the stack's revision: the one spec.defaultsRevision asks
// for, else the one its resources record, else (a new stack) the newest.
func (rs Revisions) choose(asked string, o engine.Observed, v *validator) Defaults {
	known := strings.Join(rs.Names(), ", ")
	if asked != "" {
		i := rs.index(asked)
		if i < 0 {
			v.fail("spec.defaultsRevision", asked, "must be a defaults revision this function version knows: "+known)
			return rs.Current()
		}
		return rs[i]
	}
	rec := rs.recorded(o)
	if rec == "" {
		return rs.Current()
	}
	i := rs.index(rec)
	if i < 0 {
		v.fail("metadata.labels["+LabelDefaultsRevision+"]", rec,
			"the stack was rendered by a newer function version with defaults revision "+rec+"; this version knows only "+known+": run that version or a later one")
		return rs.Current()
	}
	return rs[i]
}

// revisionLabels are the labels every composed resource of the stack gets:
// the revision, unless it is the first (LabelDefaultsRevision).
func (s *Spec) revisionLabels() map[string]string {
	if s.FirstRevision {
		return nil
	}
	return map[string]string{LabelDefaultsRevision: s.Defaults.Revision}
}

// logBucketName is the access-log bucket's name: the observed bucket's,
// so that no stack's bucket is ever renamed (a new name would be a new
// bucket, and the old one would be orphaned with its logs); for a new
// bucket one derived from the CatalogApi's UID, which nobody outside the
// cluster can know and so cannot take first. Offline renders of a
// CatalogApi without a UID derive it from the namespace and name.
func (s *Spec) logBucketName(o engine.Observed) string {
	if name := o.GetString(KeyLogBucket, "metadata.annotations["+engine.AnnotationExternalName+"]"); name != "" {
		return name
	}
	seed := s.XRUID
	if seed == "" {
		seed = s.XRNamespace + "/" + s.XRName
	}
	return s.Name("access-logs") + "-" + shortHash(seed)
}

var engineVersionRe = regexp.MustCompile(`^\d+\.\d+$`)

// applyEngineVersion reads spec.database.engineVersion: "" keeps the
// cluster's version.
func (s *Spec) applyEngineVersion(asked string, v *validator) {
	s.AskedEngineVersion = asked
	if asked != "" {
		v.match("spec.database.engineVersion", asked, engineVersionRe, "must be an Aurora PostgreSQL version such as 16.8")
	}
}

// engineVersion is the Aurora PostgreSQL version the cluster is rendered
// with:
//   - spec.database.engineVersion when the spec asks for one;
//   - otherwise the version the cluster was rendered with before (its
//     observed spec.forProvider.engineVersion), so that a function whose
//     default moved on leaves the cluster alone;
//   - for a new cluster, the Input's engineVersion or the stack's defaults
//     revision's (Defaults.EngineVersion).
//
// In every case, a later minor of the same major that the cluster already
// runs wins: AWS upgrades a cluster whose minor reaches its end of support
// on its own (and applies minor upgrades in the maintenance window), and it
// refuses downgrades, so asking for the older version would fail on every
// reconcile.
func engineVersion(s *Spec, o engine.Observed) string {
	want := s.AskedEngineVersion
	if want == "" {
		want = orDefault(o.GetString(KeyDBCluster, "spec.forProvider.engineVersion"), s.EngineVersion)
	}
	running := o.GetString(KeyDBCluster, "status.atProvider.engineVersionActual")
	if laterMinorVersion(running, want) {
		return running
	}
	return want
}

// refuseEngineDowngrade refuses a spec.database.engineVersion below the
// version the cluster runs in another major: Aurora cannot go down, and a
// lower minor of the same major is already read as "keep the running one".
func refuseEngineDowngrade(s *Spec, o engine.Observed) error {
	running := o.GetString(KeyDBCluster, "status.atProvider.engineVersionActual")
	av, aok := versionNumbers(s.AskedEngineVersion)
	rv, rok := versionNumbers(running)
	if !aok || !rok || av[0] >= rv[0] {
		return nil
	}
	return ValidationError{{
		Field: "spec.database.engineVersion", Value: s.AskedEngineVersion,
		Rule: fmt.Sprintf("must not be below the major version the cluster runs (%s): Aurora does not downgrade", running),
	}}
}

// refuseUnaskedMoves refuses, before anything is rendered, the changes a
// stack cannot make: another network, an older engine major.
func refuseUnaskedMoves(s *Spec, o engine.Observed) error {
	if err := refuseNetworkMove(s, o); err != nil {
		return err
	}
	return refuseEngineDowngrade(s, o)
}

// ImpactEngineUpgrade is the kind of impact of a new Aurora engine version.
const ImpactEngineUpgrade = "engine-upgrade"

// docAuroraUpgrade is the Aurora PostgreSQL minor upgrade documentation.
const docAuroraUpgrade = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_UpgradeDBInstance.PostgreSQL.MinorUpgrade.html"

// engineUpgradeImpact is what a new engine version means: AWS upgrades the
// cluster in place, at once (applyImmediately), and the writer and the
// reader restart on the new version.
func engineUpgradeImpact() engine.ChangeImpact {
	return engine.ChangeImpact{
		Kind:    ImpactEngineUpgrade,
		Fields:  []engine.ImpactField{{Path: "spec.forProvider.engineVersion"}},
		Summary: "Aurora PostgreSQL engine upgrade {old} -> {new}: in place and at once, with downtime",
		Details: []string{
			"AWS upgrades the writer and the reader together; connections drop while they restart on the new version",
			"a stack takes a new version only when spec.database.engineVersion asks for it; an upgrade of the function never does",
		},
		References: []string{docAuroraUpgrade},
	}
}
