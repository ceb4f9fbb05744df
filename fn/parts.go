package fn

import (
	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"

	"github.com/platform/function-catalog-api/internal/engine"
)

// networkPartName is the part that renders the VPC, the claim marker.
const networkPartName = "Network"

// Parts returns the whole stack, in the order its conditions are reported.
// Each part is one file (network.go, security.go, ...). Each call returns a
// fresh slice: a caller may reorder or trim it without changing what the
// next render builds.
func Parts() []engine.Part[*Spec] {
	return []engine.Part[*Spec]{
		{Name: networkPartName, Build: buildNetwork, Cost: networkCost},
		{Name: "Security", Build: buildSecurity},
		{Name: "Logging", Build: buildLogging},
		{Name: "LoadBalancer", Build: buildLoadBalancer, Cost: loadBalancerCost},
		{Name: "Database", Build: buildDatabase, Cost: databaseCost},
		{Name: "Service", Build: buildService, Cost: serviceCost},
		{Name: "Rotation", Build: buildRotation, Cost: rotationCost},
		{Name: "Scaling", Build: buildScaling},
		{Name: "CDN", Build: buildCDN},
		{Name: "Domain", Build: buildDomain},
	}
}

// Compose renders the whole stack of this spec with the engine. While the
// CatalogApi only claims its suffix, the parts are gated (claim.go).
func Compose(s *Spec, o engine.Observed) (*engine.Plan, error) {
	RegisterTypes() // composed.From and the Usages need the kinds.
	parts := Parts()
	if s.Claim != ClaimHeld {
		parts = claimingParts(parts)
	}
	return engine.Compose(parts, s, s.meta(), o)
}

// meta is what the engine needs to name and connect composed resources.
func (s *Spec) meta() engine.Meta {
	return engine.Meta{
		XRName:         s.XRName,
		Labels:         s.revisionLabels(),
		ProviderConfig: xpv1.ProviderConfigReference{Kind: providerConfigKind, Name: s.ProviderConfigName},
	}
}
