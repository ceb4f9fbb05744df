package fn

import (
	"math/big"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/platform/function-catalog-api/input/v1beta1"
	"github.com/platform/function-catalog-api/internal/engine"
)

// testPrices is the embedded price table.
func testPrices(t *testing.T) *PriceTable {
	t.Helper()
	p, err := Prices()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rat parses a figure of the table.
func rat(t *testing.T, s string) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("%q is not a decimal", s)
	}
	return r
}

// sumOf adds products of figures: sum(a[i] * b[i]).
func sumOf(t *testing.T, terms ...[2]*big.Rat) *big.Rat {
	t.Helper()
	out := new(big.Rat)
	for _, term := range terms {
		out.Add(out, new(big.Rat).Mul(term[0], term[1]))
	}
	return out
}

func n(i int64) *big.Rat { return big.NewRat(i, 1) }

// TestPriceTableCoversTheAPI: every region and instance class the API
// accepts has a price with a source, and every figure is a positive decimal.
func TestPriceTableCoversTheAPI(t *testing.T) {
	p := testPrices(t)
	if p.PriceDate == "" || p.Currency != "USD" || p.HoursPerMonth != "730" {
		t.Errorf("table header: priceDate %q, currency %q, hoursPerMonth %q", p.PriceDate, p.Currency, p.HoursPerMonth)
	}
	known := KnownRegions()
	regions := make([]string, 0, len(known))
	for r := range known {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	classes := xrdEnum(t, "database", "instanceClass")
	for _, region := range regions {
		rp, ok := p.Regions[region]
		if !ok {
			t.Errorf("no prices for %s", region)
			continue
		}
		checkRegionPrices(t, region, rp, classes)
	}
	if len(p.Regions) != len(known) {
		t.Errorf("the table prices %d regions, the function knows %d", len(p.Regions), len(known))
	}
}

// checkRegionPrices: every figure of a region is a positive decimal with a
// source, and every instance class the XRD allows is priced.
func checkRegionPrices(t *testing.T, region string, rp RegionPrices, classes []string) {
	t.Helper()
	for name, f := range figuresOf(rp, classes) {
		r, ok := new(big.Rat).SetString(f.USD)
		if !ok || r.Sign() <= 0 || strings.TrimSpace(f.Source) == "" {
			t.Errorf("%s %s: usd %q source %q: want a positive decimal with a source", region, name, f.USD, f.Source)
		}
	}
	if len(rp.AuroraInstanceHour) != len(classes) {
		t.Errorf("%s: %d Aurora classes priced, the XRD allows %d", region, len(rp.AuroraInstanceHour), len(classes))
	}
}

// figuresOf lists every figure of a region the estimate can use.
func figuresOf(rp RegionPrices, classes []string) map[string]Price {
	figures := map[string]Price{}
	for _, f := range rp.figures() {
		figures[f.key] = f.price
	}
	for _, c := range classes {
		figures[AuroraInstancePrice(c)] = rp.AuroraInstanceHour[c]
	}
	return figures
}

// costCase changes one field of the spec in a region; delta is how much
// the monthly total must move, computed from the table's figures.
type costCase struct {
	change func(s *Spec)
	region string
	delta  func(rp RegionPrices) *big.Rat
}

// TestEstimateChangesByTheTablesFigures: changing one input moves the total
// by exactly what the table's figures say, computed here from the table.
func TestEstimateChangesByTheTablesFigures(t *testing.T) {
	p := testPrices(t)
	base := testSpec(t)
	cases := deltaCases(t, rat(t, p.HoursPerMonth), base)
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			before, after := *base, *base
			before.Region, after.Region = tc.region, tc.region
			tc.change(&after)
			eb, err := p.Estimate(&before)
			if err != nil {
				t.Fatal(err)
			}
			ea, err := p.Estimate(&after)
			if err != nil {
				t.Fatal(err)
			}
			got := new(big.Rat).Sub(ea.Total, eb.Total)
			if want := tc.delta(p.Regions[tc.region]); got.Cmp(want) != 0 {
				t.Errorf("total moved by %s, want %s", got.FloatString(6), want.FloatString(6))
			}
		})
	}
}

// deltaCases are the changes of one input, in three regions, with the move
// of the monthly total the table's figures give.
func deltaCases(t *testing.T, hours *big.Rat, base *Spec) map[string]costCase {
	t.Helper()
	vcpu, gb := big.NewRat(1, 1), big.NewRat(2, 1) // the 1 vCPU / 2 GB task
	cases := map[string]costCase{}
	for _, region := range []string{"eu-north-1", "us-east-1", "eu-central-1"} {
		for _, class := range xrdEnum(t, "database", "instanceClass") {
			cases["instance class "+class+" in "+region] = costCase{
				change: func(s *Spec) { s.InstanceClass = class },
				region: region,
				delta: func(rp RegionPrices) *big.Rat {
					d := new(big.Rat).Sub(rat(t, rp.AuroraInstanceHour[class].USD), rat(t, rp.AuroraInstanceHour[DefaultInstanceClass].USD))
					return d.Mul(d, new(big.Rat).Mul(n(AuroraInstances), hours))
				},
			}
		}
		cases["minimum tasks 2 -> 5 in "+region] = costCase{
			change: func(s *Spec) { s.MinTasks = 5 },
			region: region,
			delta: func(rp RegionPrices) *big.Rat {
				perTask := sumOf(t, [2]*big.Rat{vcpu, rat(t, rp.FargateSpotVCPUHour.USD)}, [2]*big.Rat{gb, rat(t, rp.FargateSpotGBHour.USD)})
				return perTask.Mul(perTask, new(big.Rat).Mul(n(3), hours))
			},
		}
		cases["NAT PerAZ -> Single in "+region] = costCase{
			change: func(s *Spec) { s.NAT = NATSingle },
			region: region,
			// One gateway and its Elastic IP fewer.
			delta: func(rp RegionPrices) *big.Rat {
				d := new(big.Rat).Add(rat(t, rp.NATGatewayHour.USD), rat(t, rp.PublicIPv4Hour.USD))
				return d.Neg(d.Mul(d, hours))
			},
		}
		cases["on-demand base 0 -> 1 in "+region] = costCase{
			change: func(s *Spec) { s.OnDemandBaseTasks = 1 },
			region: region,
			// One task moves from Spot to on-demand.
			delta: func(rp RegionPrices) *big.Rat {
				d := sumOf(t,
					[2]*big.Rat{vcpu, new(big.Rat).Sub(rat(t, rp.FargateVCPUHour.USD), rat(t, rp.FargateSpotVCPUHour.USD))},
					[2]*big.Rat{gb, new(big.Rat).Sub(rat(t, rp.FargateGBHour.USD), rat(t, rp.FargateSpotGBHour.USD))})
				return d.Mul(d, hours)
			},
		}
		cases["on-demand base above the minimum prices the minimum only, in "+region] = costCase{
			change: func(s *Spec) { s.OnDemandBaseTasks = 7 },
			region: region,
			delta: func(rp RegionPrices) *big.Rat {
				d := sumOf(t,
					[2]*big.Rat{vcpu, new(big.Rat).Sub(rat(t, rp.FargateVCPUHour.USD), rat(t, rp.FargateSpotVCPUHour.USD))},
					[2]*big.Rat{gb, new(big.Rat).Sub(rat(t, rp.FargateGBHour.USD), rat(t, rp.FargateSpotGBHour.USD))})
				return d.Mul(d, new(big.Rat).Mul(n(int64(base.MinTasks)), hours))
			},
		}
	}
	return cases
}

// TestEstimateItemsAddUp: every item is quantity x unit price (x hours),
// the total is their sum, and the status shows the same figures.
func TestEstimateItemsAddUp(t *testing.T) {
	p := testPrices(t)
	s := testSpec(t, withInput(&v1beta1.Input{NATGateways: "Single"}))
	e, err := p.Estimate(s)
	if err != nil {
		t.Fatal(err)
	}
	total := new(big.Rat)
	for _, it := range e.Items {
		want := new(big.Rat).Mul(it.Quantity, rat(t, it.UnitPrice))
		if it.Hourly {
			want.Mul(want, rat(t, p.HoursPerMonth))
		}
		if it.Monthly.Cmp(want) != 0 {
			t.Errorf("%s: monthly %s, want %s", it.Item, it.Monthly.FloatString(4), want.FloatString(4))
		}
		total.Add(total, it.Monthly)
	}
	if total.Cmp(e.Total) != 0 {
		t.Errorf("total %s, items add up to %s", e.Total.FloatString(4), total.FloatString(4))
	}
	checkStatusItems(t, p, s, e)
}

// checkStatusItems: the status shows the estimate's figures and items.
func checkStatusItems(t *testing.T, p *PriceTable, s *Spec, e *Estimate) {
	t.Helper()
	st := e.Status()
	if st.TotalUSD != e.Total.FloatString(2) || len(st.Items) != len(e.Items) || st.Region != s.Region || st.PriceDate != p.PriceDate {
		t.Errorf("status %+v does not match the estimate (total %s, %d items)", st, e.Total.FloatString(2), len(e.Items))
	}
	gotItems := make([]string, 0, len(st.Items))
	for _, it := range st.Items {
		gotItems = append(gotItems, it.Item+" x"+it.Quantity)
	}
	wantItems := []string{
		"Fargate Spot vCPU x2", "Fargate Spot memory x4",
		"Aurora PostgreSQL db.t3.medium (writer + reader) x2", "Aurora storage (baseline) x10", "Aurora I/O (baseline) x10",
		"Application Load Balancer x1", "ALB capacity units (baseline) x1", "NAT gateways x1", "Public IPv4 addresses x1", "CloudWatch alarms x1",
	}
	if diff := cmp.Diff(wantItems, gotItems); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
}

// TestStatusCarriesTheEstimate: the XR status has the estimate from the
// first render on, for the spec's region; an unknown region has none.
func TestStatusCarriesTheEstimate(t *testing.T) {
	s := testSpec(t, withSpecField("region", "us-west-2"))
	st := Status(s, engine.Observed{})
	if st.EstimatedMonthlyCost == nil {
		t.Fatal("no estimatedMonthlyCost in the status")
	}
	if got := st.EstimatedMonthlyCost; got.Region != "us-west-2" || got.Currency != "USD" || got.TotalUSD == "" ||
		!slices.ContainsFunc(got.Assumptions, func(a string) bool { return strings.HasPrefix(a, "730 hours per month") }) {
		t.Errorf("estimate %+v", got)
	}
	s.Region = "ap-south-2" // a region a platform team adds through the Input
	if got := EstimatedMonthlyCost(s); got != nil {
		t.Errorf("estimate for a region without prices: %+v, want none", got)
	}
}

// TestEstimateFollowsTheSpec: the estimate prices the on-demand tasks the
// service really runs on FARGATE (spec.service.onDemandBaseTasks).
func TestEstimateFollowsTheSpec(t *testing.T) {
	s := testSpec(t, withSpecField("service", map[string]any{"onDemandBaseTasks": int64(2)}))
	e, err := testPrices(t).Estimate(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range e.Items {
		if it.Item == "Fargate vCPU, on-demand" && it.Quantity.Cmp(n(2)) != 0 {
			t.Errorf("%s: quantity %s, want 2 (spec.service.onDemandBaseTasks)", it.Item, it.Quantity.RatString())
		}
	}
}

// TestEstimateIsWhatThePartsDeclare: every cost line a part declares (Part.Cost)
// is priced in the estimate, and the estimate prices nothing else: without
// one part's lines the total drops by exactly their amount.
func TestEstimateIsWhatThePartsDeclare(t *testing.T) {
	p, s := testPrices(t), testSpec(t)
	full, err := p.Estimate(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range Parts() {
		if part.Cost == nil {
			continue
		}
		t.Run(part.Name, func(t *testing.T) {
			checkPartPriced(t, p, s, full, part.Name)
		})
	}
}

// checkPartPriced: the estimate without the named part's cost lines is
// lower by the price of exactly those lines, each of which (but those of
// quantity zero) the full estimate has.
func checkPartPriced(t *testing.T, p *PriceTable, s *Spec, full *Estimate, name string) {
	t.Helper()
	var own, others []engine.Part[*Spec]
	for _, part := range Parts() {
		if part.Name == name {
			own = append(own, part)
		} else {
			others = append(others, part)
		}
	}
	lines := engine.CostLines(own, s)
	checkLinesListed(t, lines, full)
	partOnly, _, err := p.price(s.Region, lines)
	if err != nil {
		t.Fatal(err)
	}
	without, _, err := p.price(s.Region, engine.CostLines(others, s))
	if err != nil {
		t.Fatal(err)
	}
	if partOnly.Total.Sign() <= 0 {
		t.Errorf("%s declares lines worth %s", name, partOnly.Total.FloatString(2))
	}
	if got := new(big.Rat).Add(without.Total, partOnly.Total); got.Cmp(full.Total) != 0 {
		t.Errorf("without %s: %s + its own %s = %s, want the full %s", name, without.Total.FloatString(4), partOnly.Total.FloatString(4), got.FloatString(4), full.Total.FloatString(4))
	}
}

// checkLinesListed: every line of a quantity is an item of the estimate.
func checkLinesListed(t *testing.T, lines []engine.CostLine, e *Estimate) {
	t.Helper()
	items := map[string]bool{}
	for _, it := range e.Items {
		items[it.Item] = true
	}
	for _, l := range lines {
		if l.Quantity.Sign() != 0 && !items[l.Item] {
			t.Errorf("declared %q is not in the estimate", l.Item)
		}
	}
}

// TestPriceMergesLinesOfOnePrice: lines of one price are one item, in the
// table's order; lines that disagree on what they price are an error.
func TestPriceMergesLinesOfOnePrice(t *testing.T) {
	p := testPrices(t)
	e, _, err := p.price("us-east-1", []engine.CostLine{
		publicIPv4Cost(1),
		{Item: "Application Load Balancer", Unit: "ALB-hour", Quantity: n(1), Price: PriceALBHour, Hourly: true},
		publicIPv4Cost(2),
	})
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, 0, len(e.Items))
	for _, it := range e.Items {
		got = append(got, it.Item+" x"+it.Quantity.RatString())
	}
	if diff := cmp.Diff([]string{"Application Load Balancer x1", "Public IPv4 addresses x3"}, got); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	other := publicIPv4Cost(1)
	other.Item = "Elastic IPs"
	if _, _, err := p.price("us-east-1", []engine.CostLine{publicIPv4Cost(1), other}); err == nil {
		t.Error("lines of one price with different items: no error")
	}
	if _, _, err := p.price("us-east-1", []engine.CostLine{{Item: "x", Unit: "u", Quantity: n(1), Price: "noSuchPrice"}}); err == nil {
		t.Error("a line with no price in the table: no error")
	}
}
