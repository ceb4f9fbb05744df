package fn

import (
	_ "embed" // The price table is embedded: no network at render time.
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/platform/function-catalog-api/apis/v1alpha1"
	"github.com/platform/function-catalog-api/internal/engine"
)

// The monthly cost estimate (status.estimatedMonthlyCost) prices what one
// CatalogApi runs at its minimum: AWS on-demand list prices from the table in
// prices.json, compiled by hand from named sources (see its notes for how to
// refresh it). Amounts are exact rationals until they are formatted, so that
// a change of one input moves the estimate by exactly the table's figures.

//go:embed prices.json
var pricesJSON []byte

// Units of the price table's figures.
const (
	mebibytesPerGB = 1024
	cpuUnitsPerCPU = 1024
	// centDigits: status amounts are in cents.
	centDigits = 2
)

// Errors of the price table.
var (
	errNoRegion    = errors.New("the price table has no prices for the region")
	errNoPrice     = errors.New("the price table has no such price")
	errNotAnAmount = errors.New("not a non-negative decimal")
	errMixedLines  = errors.New("cost lines with the same price describe different items")
)

// Price is one figure of the price table with where it comes from.
type Price struct {
	USD      string `json:"usd"`
	Source   string `json:"source"`
	Verified bool   `json:"verified"`
}

// RegionPrices are the list prices of one region.
type RegionPrices struct {
	FargateVCPUHour         Price            `json:"fargateVcpuHour"`
	FargateGBHour           Price            `json:"fargateGbHour"`
	FargateSpotVCPUHour     Price            `json:"fargateSpotVcpuHour"`
	FargateSpotGBHour       Price            `json:"fargateSpotGbHour"`
	AuroraInstanceHour      map[string]Price `json:"auroraInstanceHour"`
	AuroraStorageGBMonth    Price            `json:"auroraStorageGbMonth"`
	AuroraIOMillionRequests Price            `json:"auroraIoMillionRequests"`
	ALBHour                 Price            `json:"albHour"`
	ALBLCUHour              Price            `json:"albLcuHour"`
	NATGatewayHour          Price            `json:"natGatewayHour"`
	PublicIPv4Hour          Price            `json:"publicIpv4Hour"`
	VPCEndpointAZHour       Price            `json:"vpcEndpointAzHour"`
	CloudWatchAlarmMonth    Price            `json:"cloudwatchAlarmMonth"`
}

// PriceTable is the embedded price table.
type PriceTable struct {
	Currency      string                  `json:"currency"`
	PriceDate     string                  `json:"priceDate"`
	HoursPerMonth string                  `json:"hoursPerMonth"`
	Notes         []string                `json:"notes"`
	Regions       map[string]RegionPrices `json:"regions"`
}

// loadPrices parses the embedded table once per process.
var loadPrices = sync.OnceValues(func() (*PriceTable, error) {
	t := &PriceTable{}
	if err := json.Unmarshal(pricesJSON, t); err != nil {
		return nil, fmt.Errorf("cannot parse the embedded price table: %w", err)
	}
	return t, nil
})

// Prices returns the embedded price table.
func Prices() (*PriceTable, error) { return loadPrices() }

// CostItem is one exact line of an estimate.
type CostItem struct {
	Item     string
	Unit     string
	Quantity *big.Rat
	// UnitPrice is the table's figure, as written there.
	UnitPrice string
	// Hourly says the unit is per hour: the month has HoursPerMonth of them.
	Hourly  bool
	Monthly *big.Rat
}

// Estimate is an exact monthly cost estimate.
type Estimate struct {
	Region      string
	Currency    string
	PriceDate   string
	Items       []CostItem
	Total       *big.Rat
	Assumptions []string
}

// Price-table keys of the figures the parts price (engine.CostLine.Price):
// the JSON names of RegionPrices, and for a figure per Aurora instance class
// AuroraInstancePrice(class).
const (
	PriceFargateVCPUHour         = "fargateVcpuHour"
	PriceFargateGBHour           = "fargateGbHour"
	PriceFargateSpotVCPUHour     = "fargateSpotVcpuHour"
	PriceFargateSpotGBHour       = "fargateSpotGbHour"
	priceAuroraInstanceHour      = "auroraInstanceHour"
	PriceAuroraStorageGBMonth    = "auroraStorageGbMonth"
	PriceAuroraIOMillionRequests = "auroraIoMillionRequests"
	PriceALBHour                 = "albHour"
	PriceALBLCUHour              = "albLcuHour"
	PriceNATGatewayHour          = "natGatewayHour"
	PricePublicIPv4Hour          = "publicIpv4Hour"
	PriceVPCEndpointAZHour       = "vpcEndpointAzHour"
	PriceCloudWatchAlarmMonth    = "cloudwatchAlarmMonth"
)

// AuroraInstancePrice is the key of the hourly price of an Aurora instance
// class.
func AuroraInstancePrice(class string) string { return priceAuroraInstanceHour + "/" + class }

// namedPrice is one figure of a region with its key.
type namedPrice struct {
	key   string
	price Price
}

// figures are the region's figures in the table's order, the Aurora classes
// in name order. The estimate lists its items in this order.
func (rp RegionPrices) figures() []namedPrice {
	out := []namedPrice{
		{PriceFargateVCPUHour, rp.FargateVCPUHour},
		{PriceFargateGBHour, rp.FargateGBHour},
		{PriceFargateSpotVCPUHour, rp.FargateSpotVCPUHour},
		{PriceFargateSpotGBHour, rp.FargateSpotGBHour},
	}
	for _, class := range slices.Sorted(maps.Keys(rp.AuroraInstanceHour)) {
		out = append(out, namedPrice{AuroraInstancePrice(class), rp.AuroraInstanceHour[class]})
	}
	return append(out,
		namedPrice{PriceAuroraStorageGBMonth, rp.AuroraStorageGBMonth}, namedPrice{PriceAuroraIOMillionRequests, rp.AuroraIOMillionRequests},
		namedPrice{PriceALBHour, rp.ALBHour}, namedPrice{PriceALBLCUHour, rp.ALBLCUHour},
		namedPrice{PriceNATGatewayHour, rp.NATGatewayHour}, namedPrice{PricePublicIPv4Hour, rp.PublicIPv4Hour},
		namedPrice{PriceVPCEndpointAZHour, rp.VPCEndpointAZHour},
		namedPrice{PriceCloudWatchAlarmMonth, rp.CloudWatchAlarmMonth},
	)
}

// Estimate prices the cost lines every part of the stack declares for the
// spec (Part.Cost), in its region.
func (t *PriceTable) Estimate(s *Spec) (*Estimate, error) {
	e, unverified, err := t.price(s.Region, engine.CostLines(Parts(), s))
	if err != nil {
		return nil, err
	}
	e.Assumptions = assumptions(t, s, unverified)
	return e, nil
}

// price prices cost lines with the region's figures: one item per price,
// in the table's order (lines with the same price add up), without the
// items of quantity zero. It also returns how many of the figures used are
// unverified.
func (t *PriceTable) price(region string, lines []engine.CostLine) (e *Estimate, unverified int, err error) {
	rp, ok := t.Regions[region]
	if !ok {
		return nil, 0, fmt.Errorf("%w: %q", errNoRegion, region)
	}
	hours, err := parseRat("hoursPerMonth", t.HoursPerMonth)
	if err != nil {
		return nil, 0, err
	}
	merged, err := mergeLines(lines)
	if err != nil {
		return nil, 0, err
	}
	e = &Estimate{Region: region, Currency: t.Currency, PriceDate: t.PriceDate, Total: new(big.Rat)}
	for _, f := range rp.figures() {
		l, ok := merged[f.key]
		if !ok || l.Quantity.Sign() == 0 {
			continue
		}
		delete(merged, f.key)
		it, err := priceLine(l, f.price, hours)
		if err != nil {
			return nil, 0, err
		}
		if !f.price.Verified {
			unverified++
		}
		e.Items = append(e.Items, it)
		e.Total.Add(e.Total, it.Monthly)
	}
	if err := unpriced(merged, region); err != nil {
		return nil, 0, err
	}
	return e, unverified, nil
}

// mergeLines adds up the quantities of the lines with the same price.
func mergeLines(lines []engine.CostLine) (map[string]engine.CostLine, error) {
	out := make(map[string]engine.CostLine, len(lines))
	for _, l := range lines {
		m, ok := out[l.Price]
		if !ok {
			l.Quantity = new(big.Rat).Set(l.Quantity)
			out[l.Price] = l
			continue
		}
		if m.Item != l.Item || m.Unit != l.Unit || m.Hourly != l.Hourly {
			return nil, fmt.Errorf("%w: %q: %q and %q", errMixedLines, l.Price, m.Item, l.Item)
		}
		m.Quantity.Add(m.Quantity, l.Quantity)
	}
	return out, nil
}

// unpriced fails for the lines of a quantity the table has no price for.
func unpriced(left map[string]engine.CostLine, region string) error {
	for _, k := range slices.Sorted(maps.Keys(left)) {
		if left[k].Quantity.Sign() != 0 {
			return fmt.Errorf("%w: %s in %s", errNoPrice, k, region)
		}
	}
	return nil
}

// priceLine prices one line: quantity x unit price (x hours per month).
func priceLine(l engine.CostLine, p Price, hours *big.Rat) (CostItem, error) {
	unitPrice, err := parseRat(l.Item, p.USD)
	if err != nil {
		return CostItem{}, err
	}
	monthly := new(big.Rat).Mul(l.Quantity, unitPrice)
	if l.Hourly {
		monthly.Mul(monthly, hours)
	}
	return CostItem{Item: l.Item, Unit: l.Unit, Quantity: l.Quantity, UnitPrice: p.USD, Hourly: l.Hourly, Monthly: monthly}, nil
}

// assumptions state what the estimate of s assumes where usage, not
// configuration, decides the bill.
func assumptions(t *PriceTable, s *Spec, unverified int) []string {
	onDemand, nat := onDemandTasks(s), natGateways(s)
	out := []string{
		fmt.Sprintf("%s hours per month; AWS on-demand list prices for %s from the function's price table of %s", t.HoursPerMonth, s.Region, t.PriceDate),
		fmt.Sprintf("ECS service at its minimum of %d tasks of %s vCPU / %s GB (Linux/x86): %d on FARGATE on-demand, %d on FARGATE_SPOT at the table's Spot price (Spot prices vary)",
			s.MinTasks, ratString(taskVCPU(s)), ratString(taskGB(s)), onDemand, s.MinTasks-onDemand),
		fmt.Sprintf("Aurora PostgreSQL, Aurora Standard: writer and reader on %s; storage baseline %d GB; I/O baseline %d million requests per month; backups within the free allowance",
			s.InstanceClass, AuroraStorageBaselineGB, AuroraIOBaselineMillions),
		fmt.Sprintf("%d NAT gateway(s) (Input natGateways), hourly charge only; one internal ALB at %d LCU on average; %d public IPv4 addresses (one Elastic IP per NAT gateway; the internal ALB has none); the CloudFront VPC origin costs nothing of its own",
			nat, ALBLCUBaseline, nat),
		finalSnapshotAssumption(s),
		domainAssumption(s),
		fmt.Sprintf("Not priced, usage-driven: NAT gateway data processing (per GB through the NAT gateways: image pulls, AWS API calls, Secrets Manager) and VPC flow log ingestion into CloudWatch Logs (traffic type %s, per GB ingested)", s.FlowLogTrafficType),
		burstableAssumption(s),
		"Excluded: CloudFront requests and data transfer, all data transfer and NAT/ALB data processing beyond the baselines, CloudWatch Logs and Container Insights, VPC flow logs, S3 access-log storage, the RDS-managed Secrets Manager secret, tasks above the minimum",
	}
	if hasEndpoints(s) {
		out = append(out, fmt.Sprintf("%d VPC interface endpoints (Input vpcEndpoints) in %d AZs, hourly charge only; the S3 gateway endpoint is free", len(interfaceEndpointServices(s)), zoneCount))
	}
	if s.InExistingNetwork() {
		out = append(out, "The existing network (spec.network.existing) is not priced: its NAT gateways or endpoints are its owner's")
	}
	if unverified > 0 {
		out = append(out, fmt.Sprintf("%d of the unit prices used are marked unverified in the price table (fn/prices.json)", unverified))
	}
	return out
}

// Status formats the estimate for the XR's status: amounts in cents,
// unit prices as the table writes them.
func (e *Estimate) Status() *v1alpha1.CostEstimate {
	out := &v1alpha1.CostEstimate{
		TotalUSD:    e.Total.FloatString(centDigits),
		Currency:    e.Currency,
		PriceDate:   e.PriceDate,
		Region:      e.Region,
		Assumptions: e.Assumptions,
	}
	for _, it := range e.Items {
		out.Items = append(out.Items, v1alpha1.CostItem{
			Item:         it.Item,
			Quantity:     ratString(it.Quantity),
			Unit:         it.Unit,
			UnitPriceUSD: it.UnitPrice,
			MonthlyUSD:   it.Monthly.FloatString(centDigits),
		})
	}
	return out
}

// EstimatedMonthlyCost is the status estimate of a validated spec, or nil
// when the table has no prices for its region (a region a platform team
// added through the Input).
func EstimatedMonthlyCost(s *Spec) *v1alpha1.CostEstimate {
	t, err := Prices()
	if err != nil {
		return nil
	}
	e, err := t.Estimate(s)
	if err != nil {
		return nil
	}
	return e.Status()
}

func times(n int, r *big.Rat) *big.Rat { return new(big.Rat).Mul(big.NewRat(int64(n), 1), r) }

// count is a whole quantity.
func count(n int) *big.Rat { return big.NewRat(int64(n), 1) }

func parseRat(what, s string) (*big.Rat, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok || r.Sign() < 0 {
		return nil, fmt.Errorf("price table: %s: %q: %w", what, s, errNotAnAmount)
	}
	return r, nil
}

// ratString writes an integer without decimals and anything else with as
// many as it needs (the quantities here are halves at most).
func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.RatString()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// finalSnapshotAssumption says what deleting the stack leaves billed.
func finalSnapshotAssumption(s *Spec) string {
	if !s.FinalSnapshot {
		return "Deleting the CatalogApi deletes the database with no final snapshot (spec.database.finalSnapshot false): nothing stays billed"
	}
	return "Deleting the CatalogApi leaves a final Aurora snapshot, billed as backup storage beyond the free allowance until someone deletes it, and the automated backups until their retention expires"
}

// domainAssumption says what spec.domain and spec.edge add: nothing priced
// here.
func domainAssumption(s *Spec) string {
	if s.Domain == "" && s.WebACLArn == "" {
		return "No own domain or web ACL: nothing for ACM, Route 53 or AWS WAF"
	}
	return "Own domain and web ACL at no charge here: the ACM public certificate is free, Route 53 alias queries to CloudFront are free, the hosted zone and the web ACL are the team's or the platform's and billed there"
}

// burstableAssumption: Aurora runs T-class instances in unlimited mode, so
// CPU above the baseline is billed beyond the hourly price.
func burstableAssumption(s *Spec) string {
	if !strings.HasPrefix(s.InstanceClass, "db.t") {
		return s.InstanceClass + " is not burstable: no CPU credit charges"
	}
	return "Aurora runs " + s.InstanceClass + " in unlimited mode: sustained CPU above the instance's baseline is billed per vCPU-hour of surplus credits, not included"
}
