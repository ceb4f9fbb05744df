package fn

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/platform/function-catalog-api/fn/providersim"
	"github.com/platform/function-catalog-api/internal/engine"
	"github.com/platform/function-catalog-api/internal/fntest"
)

// Two CatalogApis with one suffix, played with the simulated provider: each
// one's claim marker (its observed VPC) is what Crossplane supplies to the
// other as a required resource.

// testSuffix is the suffix of testXR.
const testSuffix = "dev"

// Creation times of the two test CatalogApis.
const (
	createdFirst  = "2026-03-01T10:00:00Z"
	createdSecond = "2026-03-01T10:00:05Z"
)

// claimantXR is testXR (suffix "dev") in another namespace, created at
// created ("" for no creationTimestamp).
func claimantXR(namespace, created string) string {
	meta := `"metadata": {"name": "catalog-api", "namespace": "` + namespace + `"`
	if created != "" {
		meta += `, "creationTimestamp": "` + created + `"`
	}
	return strings.Replace(testXR, `"metadata": {"name": "catalog-api", "namespace": "team-catalog"`, meta, 1)
}

// claimant is one CatalogApi and what the simulated provider observes of it.
type claimant struct {
	xr       string
	observed map[string]*fnv1.Resource
}

// render runs the function for c, with the other CatalogApis' markers as
// the required resources, and lets the provider observe the result unless
// it is Fatal.
func (c *claimant) render(t *testing.T, others ...*claimant) *fnv1.RunFunctionResponse {
	t.Helper()
	req := newRequest(c.xr, c.observed)
	items := req.GetRequiredResources()[RequirementSuffixClaims]
	for _, o := range others {
		if m := o.marker(t); m != nil {
			items.Items = append(items.GetItems(), m)
		}
	}
	rsp := run(t, req)
	if fntest.FatalMessage(rsp) == "" {
		c.observed = providersim.Observe(rsp.GetDesired().GetResources())
	}
	return rsp
}

// marker is c's VPC as Crossplane lists it: in c's namespace, with the
// creation time of c's first render; nil before it exists.
func (c *claimant) marker(t *testing.T) *fnv1.Resource {
	t.Helper()
	vpc, ok := c.observed[KeyVPC]
	if !ok {
		return nil
	}
	xr := resource.MustStructJSON(c.xr).AsMap()
	obj := vpc.GetResource().AsMap()
	m, ok := obj["metadata"].(map[string]any)
	if !ok {
		t.Fatalf("observed VPC has no metadata: %v", obj)
	}
	m["namespace"] = str(xr, "metadata.namespace")
	m["creationTimestamp"] = orDefault(str(xr, "metadata.creationTimestamp"), createdSecond)
	s, err := structpb.NewStruct(obj)
	if err != nil {
		t.Fatal(err)
	}
	return &fnv1.Resource{Resource: s}
}

// stackRendered reports whether a response renders more than the VPC.
func stackRendered(rsp *fnv1.RunFunctionResponse) bool {
	return len(rsp.GetDesired().GetResources()) > 1
}

// assertRefused checks a refusal: a Fatal naming the field, the value and
// the other CatalogApi, and nothing rendered.
func assertRefused(t *testing.T, rsp *fnv1.RunFunctionResponse, other string) {
	t.Helper()
	msg := fntest.FatalMessage(rsp)
	if missing := fntest.SuffixRefusalMissing(msg, testSuffix, "CatalogApi "+other); len(missing) > 0 {
		t.Errorf("Fatal message %q does not name %q", msg, missing)
	}
	if !strings.Contains(msg, "resource-type-{environmentSuffix}") {
		t.Errorf("Fatal message %q does not say which names the suffix is for", msg)
	}
	if n := len(rsp.GetDesired().GetResources()); n != 0 {
		t.Errorf("a refused CatalogApi rendered %d resources, want none", n)
	}
}

// TestClaimAsksForMarkersFirst: before Crossplane has supplied the claim
// markers, the function asks for them, in every namespace, and renders
// nothing.
func TestClaimAsksForMarkersFirst(t *testing.T) {
	req := newRequest(testXR, nil)
	req.RequiredResources = nil
	got := run(t, req)
	want := &fnv1.RunFunctionResponse{
		Meta: got.GetMeta(),
		Requirements: &fnv1.Requirements{Resources: map[string]*fnv1.ResourceSelector{
			RequirementSuffixClaims: {
				ApiVersion: "ec2.aws.m.upbound.io/v1beta1",
				Kind:       "VPC",
				// No namespace: Crossplane lists across all namespaces.
				Match: &fnv1.ResourceSelector_MatchLabels{MatchLabels: &fnv1.MatchLabels{Labels: map[string]string{
					LabelEnvironmentSuffix: testSuffix,
					LabelProviderConfig:    DefaultProviderConfigName,
				}}},
			},
			// The markers of stacks in an existing network.
			RequirementSuffixClaimsExisting: {
				ApiVersion: "ec2.aws.m.upbound.io/v1beta1",
				Kind:       "SecurityGroup",
				Match: &fnv1.ResourceSelector_MatchLabels{MatchLabels: &fnv1.MatchLabels{Labels: map[string]string{
					LabelEnvironmentSuffix: testSuffix,
					LabelProviderConfig:    DefaultProviderConfigName,
				}}},
			},
		}},
	}
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("first call -want +got:\n%s", diff)
	}
	// Once supplied, the requirement stays the same: Crossplane's loop ends.
	again := run(t, newRequest(testXR, nil))
	if diff := cmp.Diff(want.GetRequirements(), again.GetRequirements(), protocmp.Transform()); diff != "" {
		t.Errorf("requirement changed once supplied (-first +second):\n%s", diff)
	}
}

// TestClaimRendersOnlyTheMarkerFirst: the first render is the VPC alone,
// labelled as a pending claim; the next, with the VPC Ready, is the stack,
// and the VPC says the suffix is held.
func TestClaimRendersOnlyTheMarkerFirst(t *testing.T) {
	a := &claimant{xr: claimantXR("team-a", createdFirst)}
	first := a.render(t)
	if got := sortedKeys(first.GetDesired().GetResources()); !cmp.Equal(got, []string{KeyVPC}) {
		t.Fatalf("first render = %v, want only %s", got, KeyVPC)
	}
	vpc := first.GetDesired().GetResources()[KeyVPC].GetResource().AsMap()
	wantLabels := map[string]any{
		engine.LabelResource: KeyVPC, engine.LabelPart: networkPartName, LabelEnvironmentSuffix: testSuffix, LabelProviderConfig: DefaultProviderConfigName, LabelSuffixClaim: ClaimPending,
		LabelDefaultsRevision: BuiltinRevisions().Current().Revision,
	}
	if diff := cmp.Diff(wantLabels, val(vpc, "metadata.labels")); diff != "" {
		t.Errorf("marker labels -want +got:\n%s", diff)
	}
	wantAnnotations := map[string]any{AnnotationClaimant: "team-a/catalog-api", AnnotationClaimantCreated: createdFirst}
	if diff := cmp.Diff(wantAnnotations, val(vpc, "metadata.annotations")); diff != "" {
		t.Errorf("marker annotations -want +got:\n%s", diff)
	}
	if c := conditionOf(first, "DatabaseReady"); c == nil || c.GetReason() != "Waiting" || !strings.Contains(c.GetMessage(), "claiming spec.environmentSuffix") {
		t.Errorf("DatabaseReady = %v, want Waiting on the claim", c)
	}
	second := a.render(t)
	if !stackRendered(second) {
		t.Fatalf("with its VPC Ready the CatalogApi rendered only %v", sortedKeys(second.GetDesired().GetResources()))
	}
	if got := str(second.GetDesired().GetResources()[KeyVPC].GetResource().AsMap(), "metadata.labels["+LabelSuffixClaim+"]"); got != ClaimHeld {
		t.Errorf("VPC claim label = %q, want %q", got, ClaimHeld)
	}
}

// TestClaimRefusesTheLaterCatalogApi: two CatalogApis, one suffix, two
// namespaces, in both orders: the one that holds the suffix renders its
// stack as before, the other gets a Fatal naming it and renders nothing.
func TestClaimRefusesTheLaterCatalogApi(t *testing.T) {
	cases := map[string]struct {
		firstNS, laterNS string
	}{
		"TeamAFirst": {firstNS: "team-a", laterNS: "team-b"},
		"TeamBFirst": {firstNS: "team-b", laterNS: "team-a"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			first := &claimant{xr: claimantXR(tc.firstNS, createdFirst)}
			first.render(t)
			first.render(t) // holds the suffix
			// The later one is refused from its very first render: it
			// creates nothing at all, not even a VPC.
			later := &claimant{xr: claimantXR(tc.laterNS, createdSecond)}
			assertRefused(t, later.render(t, first), tc.firstNS+"/catalog-api")
			if later.observed != nil {
				t.Errorf("the refused CatalogApi has observed resources %v", sortedKeys(later.observed))
			}
			// The first one is not affected: it renders exactly what it
			// renders alone.
			alone := run(t, newRequest(first.xr, first.observed))
			if diff := cmp.Diff(alone, first.render(t, later), protocmp.Transform()); diff != "" {
				t.Errorf("the first CatalogApi's render changed (-alone +with the later one):\n%s", diff)
			}
		})
	}
}

// TestClaimRace: both first renders at once: each renders its VPC before it
// sees the other. Neither renders anything named before its VPC is Ready,
// and by then both see both markers and agree: the CatalogApi created first
// holds the suffix, in both orders of the renders that follow.
func TestClaimRace(t *testing.T) {
	for name, laterRendersFirst := range map[string]bool{"EarlierRendersFirst": false, "LaterRendersFirst": true} {
		t.Run(name, func(t *testing.T) {
			early := &claimant{xr: claimantXR("team-b", createdFirst)}
			late := &claimant{xr: claimantXR("team-a", createdSecond)}
			early.render(t) // Neither sees the other yet.
			late.render(t)
			if laterRendersFirst {
				assertRefused(t, late.render(t, early), "team-b/catalog-api")
			}
			if rsp := early.render(t, late); !stackRendered(rsp) {
				t.Fatalf("the CatalogApi created first did not render its stack: %q", fntest.FatalMessage(rsp))
			}
			assertRefused(t, late.render(t, early), "team-b/catalog-api")
			if got := sortedKeys(late.observed); !cmp.Equal(got, []string{KeyVPC}) {
				t.Errorf("the refused CatalogApi has %v, want only its own VPC (identified by ID, shared with no one)", got)
			}
		})
	}
}

// TestClaimHeldIsNeverTakenAway: a CatalogApi created earlier but rendered
// later (e.g. its Composition arrived late) does not take the suffix from
// the one that holds it.
func TestClaimHeldIsNeverTakenAway(t *testing.T) {
	holder := &claimant{xr: claimantXR("team-a", createdSecond)}
	holder.render(t)
	holder.render(t)
	older := &claimant{xr: claimantXR("team-b", createdFirst)}
	assertRefused(t, older.render(t, holder), "team-a/catalog-api")
	if rsp := holder.render(t, older); !stackRendered(rsp) {
		t.Errorf("the holder was refused: %q", fntest.FatalMessage(rsp))
	}
}

// TestClaimExistingCollision: two stacks that both hold the suffix (made
// before the rule existed): the one created later is refused, the other
// renders on.
func TestClaimExistingCollision(t *testing.T) {
	a := &claimant{xr: claimantXR("team-a", createdFirst)}
	b := &claimant{xr: claimantXR("team-b", createdSecond)}
	for _, c := range []*claimant{a, b} {
		c.render(t)
		c.render(t)
	}
	rsp := b.render(t, a)
	assertRefused(t, rsp, "team-a/catalog-api")
	if !strings.Contains(fntest.FatalMessage(rsp), "holds it too") {
		t.Errorf("Fatal %q does not say that both hold the suffix", fntest.FatalMessage(rsp))
	}
	if rsp := a.render(t, b); !stackRendered(rsp) {
		t.Errorf("the CatalogApi created first was refused: %q", fntest.FatalMessage(rsp))
	}
}

// TestClaimRequiresCapability: a Crossplane that advertises its
// capabilities but not required resources cannot protect the suffix.
func TestClaimRequiresCapability(t *testing.T) {
	req := newRequest(testXR, nil)
	req.Meta.Capabilities = []fnv1.Capability{fnv1.Capability_CAPABILITY_CAPABILITIES}
	rsp := run(t, req)
	if msg := fntest.FatalMessage(rsp); !strings.Contains(msg, "required resources") || len(rsp.GetDesired().GetResources()) != 0 {
		t.Errorf("got Fatal %q and %d resources, want a Fatal about required resources and nothing rendered", msg, len(rsp.GetDesired().GetResources()))
	}
}

func TestClaimBefore(t *testing.T) {
	const a, b, z = "a/x", "b/x", "z/x"
	cases := map[string]struct {
		first, second Claim
		want          bool
	}{
		"EarlierFirst":   {first: Claim{Claimant: z, Created: createdFirst}, second: Claim{Claimant: a, Created: createdSecond}, want: true},
		"LaterSecond":    {first: Claim{Claimant: a, Created: createdSecond}, second: Claim{Claimant: z, Created: createdFirst}, want: false},
		"TieByName":      {first: Claim{Claimant: a, Created: createdFirst}, second: Claim{Claimant: b, Created: createdFirst}, want: true},
		"UnknownIsLast":  {first: Claim{Claimant: a}, second: Claim{Claimant: b, Created: createdSecond}, want: false},
		"KnownBeatsNone": {first: Claim{Claimant: b, Created: createdSecond}, second: Claim{Claimant: a}, want: true},
		"SameInstantTimezone": {
			first: Claim{Claimant: b, Created: "2026-03-01T11:00:00+01:00"}, second: Claim{Claimant: a, Created: "2026-03-01T10:00:00Z"}, want: false,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := tc.first.before(tc.second); got != tc.want {
				t.Errorf("%+v.before(%+v) = %v, want %v", tc.first, tc.second, got, tc.want)
			}
		})
	}
}
