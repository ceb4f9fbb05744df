package fn

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/crossplane/function-sdk-go/errors"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/platform/function-catalog-api/internal/engine"
)

// One suffix, one CatalogApi. Every AWS name is resource-type-{suffix}, and
// provider-aws finds many kinds by name alone (IAM roles account-wide, log
// groups, the Aurora cluster, the ECS cluster, ...): a second CatalogApi with
// a suffix in use would adopt the first one's resources and, when deleted,
// delete them. The VPC of every CatalogApi is its claim marker: it is
// identified by its ID, so two of them never collide, and it is the only AWS
// resource a CatalogApi creates before it holds its suffix. Every render
// requires the markers of its suffix in all namespaces and refuses to render
// anything while another CatalogApi holds the suffix or claimed it first.
// README "Shared accounts" explains the race this closes and what remains.

// Labels and annotations of a claim marker.
const (
	LabelEnvironmentSuffix    = "catalog.example.org/environment-suffix"
	LabelProviderConfig       = "catalog.example.org/provider-config"
	LabelSuffixClaim          = "catalog.example.org/suffix-claim"
	AnnotationClaimant        = "catalog.example.org/claimant"
	AnnotationClaimantCreated = "catalog.example.org/claimant-created"
	// labelComposite is the label Crossplane puts on every composed
	// resource: the name of its XR. A fallback for markers without the
	// claimant annotation.
	labelComposite = "crossplane.io/composite"
)

// Values of LabelSuffixClaim.
const (
	// ClaimPending: the CatalogApi has rendered its VPC and nothing named.
	ClaimPending = "pending"
	// ClaimHeld: the CatalogApi renders its whole stack.
	ClaimHeld = "held"
)

// RequirementSuffixClaims is the name of the required resources that are
// the claim markers of the CatalogApi's suffix: the VPCs of stacks with a
// network of their own. RequirementSuffixClaimsExisting are the markers of
// stacks in an existing network (existingnetwork.go).
const (
	RequirementSuffixClaims         = "suffix-claims"
	RequirementSuffixClaimsExisting = "suffix-claims-existing-network"
)

// claimMarkerAPIVersion and claimMarkerKind are the kind of the marker: the
// VPC.
const (
	claimMarkerAPIVersion = "ec2.aws.m.upbound.io/v1beta1"
	claimMarkerKind       = "VPC"
	// existingClaimMarkerKind is the marker in an existing network.
	existingClaimMarkerKind = "SecurityGroup"
)

// claimLabels select the markers that compete for this CatalogApi's names:
// the same suffix under the same provider config (one AWS account).
func claimLabels(s *Spec) map[string]string {
	return map[string]string{
		LabelEnvironmentSuffix: s.Suffix,
		LabelProviderConfig:    s.ProviderConfigName,
	}
}

// requireSuffixClaims asks Crossplane for the claim markers of the suffix in
// every namespace: a selector without a namespace lists across all of them.
// It is the same requirement on every call, so Crossplane's requirement loop
// ends after the call that received them.
func requireSuffixClaims(rsp *fnv1.RunFunctionResponse, s *Spec) {
	if rsp.GetRequirements() == nil {
		rsp.Requirements = &fnv1.Requirements{}
	}
	if rsp.Requirements.Resources == nil {
		rsp.Requirements.Resources = map[string]*fnv1.ResourceSelector{}
	}
	for name, kind := range map[string]string{RequirementSuffixClaims: claimMarkerKind, RequirementSuffixClaimsExisting: existingClaimMarkerKind} {
		rsp.Requirements.Resources[name] = &fnv1.ResourceSelector{
			ApiVersion: claimMarkerAPIVersion,
			Kind:       kind,
			Match: &fnv1.ResourceSelector_MatchLabels{
				MatchLabels: &fnv1.MatchLabels{Labels: claimLabels(s)},
			},
		}
	}
}

// Claim is one CatalogApi's claim on a suffix, read from its marker.
type Claim struct {
	// Claimant is the CatalogApi, namespace/name.
	Claimant string
	// Created is the CatalogApi's creationTimestamp (RFC 3339), "" if
	// unknown.
	Created string
	// Held says the claimant renders its whole stack.
	Held bool
	// Marker is the VPC object, namespace/name.
	Marker string
}

// before ranks claims that are pending: the CatalogApi created first, then
// namespace/name. An unknown creation time ranks last: it cannot prove it
// came first.
func (c Claim) before(o Claim) bool {
	switch {
	case c.Created == o.Created:
		return c.Claimant < o.Claimant
	case c.Created == "":
		return false
	case o.Created == "":
		return true
	}
	tc, errC := time.Parse(time.RFC3339, c.Created)
	to, errO := time.Parse(time.RFC3339, o.Created)
	if errC != nil || errO != nil {
		return c.Created < o.Created
	}
	if !tc.Equal(to) {
		return tc.Before(to)
	}
	return c.Claimant < o.Claimant
}

// suffixClaims returns the claim markers Crossplane supplied, other than
// this CatalogApi's own marker, and whether it supplied them at all.
// Crossplane supplies every requirement of one response together, so
// either name supplied means both were asked for; a caller that knows only
// the VPC markers (an older harness) is read as supplying no other.
func suffixClaims(req *fnv1.RunFunctionRequest, s *Spec) ([]Claim, bool, error) {
	var markers []resource.Required
	resolved := false
	for _, name := range []string{RequirementSuffixClaims, RequirementSuffixClaimsExisting} {
		m, ok, err := request.GetRequiredResource(req, name)
		if err != nil {
			return nil, ok, fmt.Errorf("cannot decode the required %s: %w", name, err)
		}
		markers = append(markers, m...)
		resolved = resolved || ok
	}
	if !resolved {
		return nil, false, nil
	}
	own := s.XRNamespace + "/" + s.ObjectName(claimMarkerKey(s))
	var out []Claim
	for _, m := range markers {
		c := claimOf(m)
		if c.Marker == own || c.Claimant == s.XRNamespace+"/"+s.XRName {
			continue
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Claim) int { return cmp.Compare(a.Marker, b.Marker) })
	return out, true, nil
}

// claimOf reads a marker. A marker without the claimant annotations (made
// by hand, or by an older function) names its XR through Crossplane's
// composite label and dates it by its own creation.
func claimOf(m resource.Required) Claim {
	u := m.Resource
	c := Claim{
		Claimant: u.GetAnnotations()[AnnotationClaimant],
		Created:  u.GetAnnotations()[AnnotationClaimantCreated],
		Held:     u.GetLabels()[LabelSuffixClaim] == ClaimHeld,
		Marker:   u.GetNamespace() + "/" + u.GetName(),
	}
	if c.Claimant == "" {
		c.Claimant = u.GetNamespace() + "/" + u.GetLabels()[labelComposite]
	}
	if c.Created == "" {
		c.Created = rfc3339(u)
	}
	return c
}

func rfc3339(u *unstructured.Unstructured) string {
	t := u.GetCreationTimestamp()
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// decideClaim says whether this CatalogApi holds its suffix (and renders its
// stack) or only claims it (and renders its VPC), or refuses it with an
// error that names the other CatalogApi. A CatalogApi that holds its suffix
// yields only to another that holds it too and ranks first: a collision
// that happened before this rule existed.
func decideClaim(s *Spec, others []Claim, o engine.Observed) (string, error) {
	self := Claim{Claimant: s.XRNamespace + "/" + s.XRName, Created: s.XRCreated}
	held := holdsSuffix(s, o)
	for _, other := range others {
		if how := precedence(self, other, held); how != "" {
			return "", suffixTaken(s, other, how)
		}
	}
	if held || o.Ready(claimMarkerKey(s)) {
		return ClaimHeld, nil
	}
	return ClaimPending, nil
}

// precedence says how another claim takes precedence over this one (held
// says whether this one holds the suffix), or "" if it does not.
func precedence(self, other Claim, held bool) string {
	switch {
	case other.Held && !held:
		return "holds it"
	case other.Held && other.before(self):
		return "holds it too and was created first: the two already share AWS resources; " +
			"do not delete this CatalogApi before its managed resources no longer have the Delete management policy"
	case !other.Held && !held && other.before(self):
		return "claimed it first"
	}
	return ""
}

// holdsSuffix reports whether this CatalogApi already holds its suffix: its
// marker says so, or it has rendered more than its marker (a stack made
// before the claim existed, or a marker that was deleted and made again).
func holdsSuffix(s *Spec, o engine.Observed) bool {
	marker := claimMarkerKey(s)
	if o.GetString(marker, "metadata.labels["+LabelSuffixClaim+"]") == ClaimHeld {
		return true
	}
	for name := range o {
		if name != marker {
			return true
		}
	}
	return false
}

// suffixTaken is the refusal: it names the field, the value, the other
// CatalogApi and the rule.
func suffixTaken(s *Spec, other Claim, how string) error {
	created := ""
	if other.Created != "" {
		created = ", created " + other.Created
	}
	return ValidationError{{
		Field: "spec.environmentSuffix",
		Value: s.Suffix,
		Rule: fmt.Sprintf("CatalogApi %s%s %s (its VPC %s); every AWS name is resource-type-{environmentSuffix}, "+
			"so two CatalogApis with one suffix under provider config %q would share, and on deletion delete, each other's AWS resources: choose another suffix",
			other.Claimant, created, how, other.Marker, s.ProviderConfigName),
	}}
}

// claimMetadata are the labels and annotations of this CatalogApi's marker.
func claimMetadata(s *Spec) (labels, annotations map[string]string) {
	labels = claimLabels(s)
	labels[LabelSuffixClaim] = s.Claim
	annotations = map[string]string{AnnotationClaimant: s.XRNamespace + "/" + s.XRName}
	if s.XRCreated != "" {
		annotations[AnnotationClaimantCreated] = s.XRCreated
	}
	return labels, annotations
}

// claimingParts are the parts while the CatalogApi only claims its suffix:
// the network part renders the VPC alone and every part says that it
// waits.
func claimingParts(parts []engine.Part[*Spec]) []engine.Part[*Spec] {
	out := make([]engine.Part[*Spec], len(parts))
	for i, p := range parts {
		out[i] = engine.Part[*Spec]{Name: p.Name, Build: func(s *Spec, _ engine.Observed) engine.Built {
			var b engine.Built
			if p.Name == networkPartName {
				b.Add(claimMarker(s))
			}
			b.Waitf("claiming spec.environmentSuffix %q: nothing named %s is created before the VPC %s is Ready "+
				"(the VPC marks the claim, and the wait lets Crossplane see any other CatalogApi that claims the same suffix)",
				s.Suffix, s.Name("<type>"), s.ObjectName(claimMarkerKey(s)))
			return b
		}}
	}
	return out
}

// claimSuffix decides whether this CatalogApi may render its stack. It
// returns asked=true when Crossplane has not yet supplied the claim markers:
// the response then carries the requirement and nothing else, and
// Crossplane calls again with them before it applies anything. Otherwise it
// returns the claim and keeps the requirement in the response (Crossplane's
// requirement loop ends when it sees the same one twice).
func claimSuffix(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, spec *Spec, o engine.Observed) (claim string, asked bool, err error) {
	if request.AdvertisesCapabilities(req) && !request.HasCapability(req, fnv1.Capability_CAPABILITY_REQUIRED_RESOURCES) {
		return "", false, errors.New("this Crossplane does not supply required resources; the function needs them to refuse a second CatalogApi with the same spec.environmentSuffix")
	}
	others, resolved, err := suffixClaims(req, spec)
	if err != nil {
		return "", false, errors.Wrap(err, "cannot read the required claim markers")
	}
	requireSuffixClaims(rsp, spec)
	if !resolved {
		return "", true, nil
	}
	claim, err = decideClaim(spec, others, o)
	return claim, false, err
}
