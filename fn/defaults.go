package fn

import (
	"fmt"
	"regexp"

	"github.com/platform/function-catalog-api/internal/engine"
)

// Defaults that reach AWS and that a later function version may change are
// recorded per stack: the first render writes them into the managed
// resource, and every later render keeps what the observed resource holds.
// A stack takes a new default only when its spec asks for it. Today that
// is the Aurora engine version; the app's shape (spec.service) and every
// other spec default are recorded by the API server itself, which writes
// the XRD's defaults into the CatalogApi when it is created.
//
// A new function version therefore changes no running stack unless its
// spec changes: `catalogapi preview` of a live stack against the new
// version shows nothing to do (docs/day-2.md, "Upgrading the function").

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
//   - for a new cluster, the Input's engineVersion or DefaultEngineVersion.
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
