package fn

import (
	_ "embed" // The price table is embedded: no network at render time.
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"sync"

	"github.com/platform/function-catalog-api/apis/v1alpha1"
)

// The monthly cost estimate (status.estimatedMonthlyCost) prices what one
// CatalogApi runs at its minimum: AWS on-demand list prices from the table in
// prices.json, compiled by hand from named sources (see its notes for how to
// refresh it). Amounts are exact rationals until they are formatted, so that
// a change of one input moves the estimate by exactly the table's figures.

//go:embed prices.json
var pricesJSON []byte

// Baselines the estimate assumes where usage, not configuration, decides the
// bill. They are stated in every estimate's assumptions.
const (
	// AuroraStorageBaselineGB is the Aurora storage the estimate prices.
	AuroraStorageBaselineGB = 10
	// AuroraIOBaselineMillions is the Aurora Standard I/O, in millions of
	// requests per month, the estimate prices.
	AuroraIOBaselineMillions = 10
	// ALBLCUBaseline is the average number of ALB capacity units per hour.
	ALBLCUBaseline = 1
	// ALBPublicIPv4 is the number of public IPv4 addresses of the
	// internet-facing ALB: one per subnet, in two AZs.
	ALBPublicIPv4 = 2
	// AuroraInstances are the writer and the reader.
	AuroraInstances = 2

	mebibytesPerGB = 1024
	cpuUnitsPerCPU = 1024
	// centDigits: status amounts are in cents.
	centDigits = 2
)

// Errors of the price table.
var (
	errNoRegion    = errors.New("the price table has no prices for the region")
	errNoClass     = errors.New("the price table has no Aurora price for the instance class")
	errNotAnAmount = errors.New("not a non-negative decimal")
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

// CostInputs is everything the estimate depends on. It is separate from Spec
// so that the estimate can be computed (and tested) for any combination.
type CostInputs struct {
	Region        string
	InstanceClass string
	// MinTasks is the task count priced: the service's minimum.
	MinTasks int
	// OnDemandBaseTasks run on FARGATE on-demand; the rest on FARGATE_SPOT
	// (spec.service.onDemandBaseTasks).
	OnDemandBaseTasks int
	// NATGateways is 2 (Input natGateways: PerAZ) or 1 (Single).
	NATGateways int
	// TaskCPUUnits and TaskMemoryMiB are the task size (1024 = 1 vCPU).
	TaskCPUUnits  int
	TaskMemoryMiB int
}

// CostInputsOf returns the estimate's inputs for a validated spec.
func CostInputsOf(s *Spec) (CostInputs, error) {
	nat := zoneCount
	if s.NAT == NATSingle {
		nat = 1
	}
	cpu, err := strconv.Atoi(TaskCPU)
	if err != nil {
		return CostInputs{}, fmt.Errorf("task CPU %q: %w", TaskCPU, err)
	}
	memory, err := strconv.Atoi(TaskMemory)
	if err != nil {
		return CostInputs{}, fmt.Errorf("task memory %q: %w", TaskMemory, err)
	}
	return CostInputs{
		Region:            s.Region,
		InstanceClass:     s.InstanceClass,
		MinTasks:          s.MinTasks,
		OnDemandBaseTasks: s.OnDemandBaseTasks,
		NATGateways:       nat,
		TaskCPUUnits:      cpu,
		TaskMemoryMiB:     memory,
	}, nil
}

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

// Estimate prices the inputs with the table's figures for their region.
func (t *PriceTable) Estimate(in CostInputs) (*Estimate, error) {
	rp, ok := t.Regions[in.Region]
	if !ok {
		return nil, fmt.Errorf("%w: %q", errNoRegion, in.Region)
	}
	hours, err := parseRat("hoursPerMonth", t.HoursPerMonth)
	if err != nil {
		return nil, err
	}
	b := &estimateBuilder{hours: hours, e: &Estimate{Region: in.Region, Currency: t.Currency, PriceDate: t.PriceDate, Total: new(big.Rat)}}
	b.addService(rp, in)
	b.addDatabase(rp, in)
	b.addNetwork(rp, in)
	if b.err != nil {
		return nil, b.err
	}
	b.e.Assumptions = assumptions(t, in, b.unverified)
	return b.e, nil
}

// estimateBuilder accumulates items; the first error stops it.
type estimateBuilder struct {
	hours      *big.Rat
	e          *Estimate
	unverified int
	err        error
}

func (b *estimateBuilder) add(item, unit string, quantity *big.Rat, p Price, hourly bool) {
	if b.err != nil || quantity.Sign() == 0 {
		return
	}
	unitPrice, err := parseRat(item, p.USD)
	if err != nil {
		b.err = err
		return
	}
	monthly := new(big.Rat).Mul(quantity, unitPrice)
	if hourly {
		monthly.Mul(monthly, b.hours)
	}
	if !p.Verified {
		b.unverified++
	}
	b.e.Items = append(b.e.Items, CostItem{Item: item, Unit: unit, Quantity: quantity, UnitPrice: p.USD, Hourly: hourly, Monthly: monthly})
	b.e.Total.Add(b.e.Total, monthly)
}

// addService prices the ECS tasks at the minimum count: the first
// OnDemandBaseTasks on FARGATE, the rest on FARGATE_SPOT.
func (b *estimateBuilder) addService(rp RegionPrices, in CostInputs) {
	onDemand := min(max(in.OnDemandBaseTasks, 0), in.MinTasks)
	spot := in.MinTasks - onDemand
	vcpu := big.NewRat(int64(in.TaskCPUUnits), cpuUnitsPerCPU)
	gb := big.NewRat(int64(in.TaskMemoryMiB), mebibytesPerGB)
	b.add("Fargate vCPU, on-demand", "vCPU-hour", times(onDemand, vcpu), rp.FargateVCPUHour, true)
	b.add("Fargate memory, on-demand", "GB-hour", times(onDemand, gb), rp.FargateGBHour, true)
	b.add("Fargate Spot vCPU", "vCPU-hour", times(spot, vcpu), rp.FargateSpotVCPUHour, true)
	b.add("Fargate Spot memory", "GB-hour", times(spot, gb), rp.FargateSpotGBHour, true)
}

// addDatabase prices the writer and the reader, and the storage and I/O
// baselines.
func (b *estimateBuilder) addDatabase(rp RegionPrices, in CostInputs) {
	p, ok := rp.AuroraInstanceHour[in.InstanceClass]
	if !ok {
		b.err = fmt.Errorf("%w: %s in %s", errNoClass, in.InstanceClass, in.Region)
		return
	}
	b.add("Aurora PostgreSQL "+in.InstanceClass+" (writer + reader)", "instance-hour", big.NewRat(AuroraInstances, 1), p, true)
	b.add("Aurora storage (baseline)", "GB-month", big.NewRat(AuroraStorageBaselineGB, 1), rp.AuroraStorageGBMonth, false)
	b.add("Aurora I/O (baseline)", "million requests", big.NewRat(AuroraIOBaselineMillions, 1), rp.AuroraIOMillionRequests, false)
}

// addNetwork prices the load balancer, the NAT gateways and the public IPv4
// addresses (the NAT gateways' Elastic IPs and the ALB's addresses).
func (b *estimateBuilder) addNetwork(rp RegionPrices, in CostInputs) {
	b.add("Application Load Balancer", "ALB-hour", big.NewRat(1, 1), rp.ALBHour, true)
	b.add("ALB capacity units (baseline)", "LCU-hour", big.NewRat(ALBLCUBaseline, 1), rp.ALBLCUHour, true)
	b.add("NAT gateways", "gateway-hour", big.NewRat(int64(in.NATGateways), 1), rp.NATGatewayHour, true)
	b.add("Public IPv4 addresses", "address-hour", big.NewRat(int64(in.NATGateways+ALBPublicIPv4), 1), rp.PublicIPv4Hour, true)
}

func assumptions(t *PriceTable, in CostInputs, unverified int) []string {
	onDemand := min(max(in.OnDemandBaseTasks, 0), in.MinTasks)
	out := []string{
		fmt.Sprintf("%s hours per month; AWS on-demand list prices for %s from the function's price table of %s", t.HoursPerMonth, in.Region, t.PriceDate),
		fmt.Sprintf("ECS service at its minimum of %d tasks of %s vCPU / %s GB (Linux/x86): %d on FARGATE on-demand, %d on FARGATE_SPOT at the table's Spot price (Spot prices vary)",
			in.MinTasks, ratString(big.NewRat(int64(in.TaskCPUUnits), cpuUnitsPerCPU)), ratString(big.NewRat(int64(in.TaskMemoryMiB), mebibytesPerGB)), onDemand, in.MinTasks-onDemand),
		fmt.Sprintf("Aurora PostgreSQL, Aurora Standard: writer and reader on %s; storage baseline %d GB; I/O baseline %d million requests per month; backups within the free allowance",
			in.InstanceClass, AuroraStorageBaselineGB, AuroraIOBaselineMillions),
		fmt.Sprintf("%d NAT gateway(s) (Input natGateways), hourly charge only; one ALB at %d LCU on average; %d public IPv4 addresses (one Elastic IP per NAT gateway, %d for the ALB)",
			in.NATGateways, ALBLCUBaseline, in.NATGateways+ALBPublicIPv4, ALBPublicIPv4),
		"Excluded: CloudFront requests and data transfer, all data transfer and NAT/ALB data processing beyond the baselines, CloudWatch Logs and Container Insights, VPC flow logs, S3 access-log storage, the RDS-managed Secrets Manager secret, tasks above the minimum",
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
	in, err := CostInputsOf(s)
	if err != nil {
		return nil
	}
	e, err := t.Estimate(in)
	if err != nil {
		return nil
	}
	return e.Status()
}

func times(n int, r *big.Rat) *big.Rat { return new(big.Rat).Mul(big.NewRat(int64(n), 1), r) }

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
