package cluster

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Crossplane v2.2.0's metrics read here (internal/circuit/circuit_metrics.go
// and internal/engine/engine_metrics.go). The breaker's are labelled by
// controller (one per XRD: composite/<plural>.<group>) and, for events, by
// result (Allowed, Dropped, HalfOpenAllowed); nothing names the XR, so a
// figure per claim is the XRD's figure over its claims.
const (
	metricBreakerEvents  = "circuit_breaker_events_total"
	metricBreakerOpens   = "circuit_breaker_opens_total"
	metricBreakerCloses  = "circuit_breaker_closes_total"
	metricWatchesStarted = "engine_watches_started_total"
	labelController      = "controller"
	labelResult          = "result"
	labelWatchType       = "type"
)

// breakerFigures are the counters of one composite controller since
// Crossplane started.
type breakerFigures struct {
	Controller string
	// Events are watch events the breaker handled, by result.
	Events        map[string]float64
	Opens, Closes float64
	// WatchesStarted are the event sources the controller engine started
	// for the controller, by watch type (ComposedResource, ...).
	WatchesStarted map[string]float64
}

// TotalEvents is every event the breaker counted, whatever the result.
func (f breakerFigures) TotalEvents() float64 {
	var n float64
	for _, v := range f.Events {
		n += v
	}
	return n
}

// PerClaim divides the controller's events and opens over its n claims.
func (f breakerFigures) PerClaim(n int) (events, opens float64) {
	if n == 0 {
		return 0, 0
	}
	return f.TotalEvents() / float64(n), f.Opens / float64(n)
}

// String is one line for a test log.
func (f breakerFigures) String() string {
	return fmt.Sprintf("%s: %.0f breaker events (%s), %.0f opens, %.0f closes; event sources started: %s",
		f.Controller, f.TotalEvents(), formatCounts(f.Events), f.Opens, f.Closes, formatCounts(f.WatchesStarted))
}

func formatCounts(m map[string]float64) string {
	if len(m) == 0 {
		return "none"
	}
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+strconv.FormatFloat(m[k], 'f', -1, 64))
	}
	return strings.Join(parts, " ")
}

// compositeController is the controller name Crossplane gives the XRs of a
// kind: composite/<plural>.<group>.
func compositeController(gvr schema.GroupVersionResource) string {
	return "composite/" + gvr.Resource + "." + gvr.Group
}

// breakerMetrics scrapes Crossplane's metrics endpoint for the circuit
// breaker of the CatalogApi controller. Counters restart with Crossplane.
func (cp *controlPlane) breakerMetrics(ctx context.Context) (breakerFigures, error) {
	url := "http://127.0.0.1:" + strconv.Itoa(cp.metricsPort) + "/metrics"
	body, err := httpGet(ctx, http.DefaultClient, url, string(expfmt.NewFormat(expfmt.TypeTextPlain)))
	if err != nil {
		return breakerFigures{}, err
	}
	return parseBreakerMetrics(strings.NewReader(body), compositeController(catalogGVR))
}

// parseBreakerMetrics reads the breaker and watch counters of one
// controller from Prometheus's text format. A counter Crossplane has not
// incremented yet is absent, and reads as zero.
func parseBreakerMetrics(r io.Reader, controller string) (breakerFigures, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(r)
	if err != nil {
		return breakerFigures{}, fmt.Errorf("cannot parse Crossplane's metrics: %w", err)
	}
	f := breakerFigures{Controller: controller, Events: map[string]float64{}, WatchesStarted: map[string]float64{}}
	for _, m := range controllerCounters(families[metricBreakerEvents], controller) {
		f.Events[labelOf(m, labelResult)] += m.GetCounter().GetValue()
	}
	for _, m := range controllerCounters(families[metricBreakerOpens], controller) {
		f.Opens += m.GetCounter().GetValue()
	}
	for _, m := range controllerCounters(families[metricBreakerCloses], controller) {
		f.Closes += m.GetCounter().GetValue()
	}
	for _, m := range controllerCounters(families[metricWatchesStarted], controller) {
		f.WatchesStarted[labelOf(m, labelWatchType)] += m.GetCounter().GetValue()
	}
	return f, nil
}

// controllerCounters are a family's metrics labelled with the controller.
func controllerCounters(mf *dto.MetricFamily, controller string) []*dto.Metric {
	var out []*dto.Metric
	for _, m := range mf.GetMetric() {
		if labelOf(m, labelController) == controller {
			out = append(out, m)
		}
	}
	return out
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// sampleMetrics is Crossplane's metrics endpoint as it answers, cut to the
// families read here and one that is not.
const sampleMetrics = `# HELP circuit_breaker_closes_total Number of times the XR circuit breaker transitioned from open to closed.
# TYPE circuit_breaker_closes_total counter
circuit_breaker_closes_total{controller="composite/catalogapis.catalog.example.org"} 1
# HELP circuit_breaker_events_total Number of XR watch events handled by the circuit breaker, labelled by outcome.
# TYPE circuit_breaker_events_total counter
circuit_breaker_events_total{controller="composite/catalogapis.catalog.example.org",result="Allowed"} 1180
circuit_breaker_events_total{controller="composite/catalogapis.catalog.example.org",result="Dropped"} 4517
circuit_breaker_events_total{controller="composite/catalogapis.catalog.example.org",result="HalfOpenAllowed"} 12
circuit_breaker_events_total{controller="composite/others.example.org",result="Allowed"} 7
# HELP circuit_breaker_opens_total Number of times the XR circuit breaker transitioned from closed to open.
# TYPE circuit_breaker_opens_total counter
circuit_breaker_opens_total{controller="composite/catalogapis.catalog.example.org"} 2
circuit_breaker_opens_total{controller="composite/others.example.org"} 1
# HELP engine_watches_started_total Total number of watches started.
# TYPE engine_watches_started_total counter
engine_watches_started_total{controller="composite/catalogapis.catalog.example.org",type="CompositeResource"} 1
engine_watches_started_total{controller="composite/catalogapis.catalog.example.org",type="ComposedResource"} 58
# HELP workqueue_depth Current depth of workqueue
# TYPE workqueue_depth gauge
workqueue_depth{controller="composite/catalogapis.catalog.example.org",name="composite/catalogapis.catalog.example.org"} 0
`

func TestParseBreakerMetrics(t *testing.T) {
	catalog := compositeController(catalogGVR)
	cases := map[string]struct {
		reason     string
		text       string
		controller string
		want       breakerFigures
		wantErr    bool
	}{
		"CatalogApiController": {
			reason:     "Only the CatalogApi controller's counters are read, events by result, watches by type.",
			text:       sampleMetrics,
			controller: catalog,
			want: breakerFigures{
				Controller:     catalog,
				Events:         map[string]float64{"Allowed": 1180, "Dropped": 4517, "HalfOpenAllowed": 12},
				Opens:          2,
				Closes:         1,
				WatchesStarted: map[string]float64{"CompositeResource": 1, "ComposedResource": 58},
			},
		},
		"OtherController": {
			reason:     "Another XRD's controller has its own counters; a counter it never incremented reads as zero.",
			text:       sampleMetrics,
			controller: "composite/others.example.org",
			want:       breakerFigures{Controller: "composite/others.example.org", Events: map[string]float64{"Allowed": 7}, Opens: 1},
		},
		"NoBreakerYet": {
			reason:     "Before any watch event the families are absent: every figure is zero.",
			text:       "# TYPE workqueue_depth gauge\nworkqueue_depth{name=\"x\"} 0\n",
			controller: catalog,
			want:       breakerFigures{Controller: catalog},
		},
		"NotTheTextFormat": {
			reason:     "A body that is not Prometheus's text format is an error, not zeros.",
			text:       "circuit_breaker_opens_total{controller=\"x\" 2\n",
			controller: catalog,
			wantErr:    true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := parseBreakerMetrics(strings.NewReader(tc.text), tc.controller)
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s\nparseBreakerMetrics(...): error %v, want error: %t", tc.reason, err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\nparseBreakerMetrics(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestBreakerFiguresPerClaim(t *testing.T) {
	f := breakerFigures{Events: map[string]float64{"Allowed": 900, "Dropped": 300}, Opens: 4}
	cases := map[string]struct {
		claims             int
		wantEvents, wantOp float64
	}{
		"TwoClaims": {claims: 2, wantEvents: 600, wantOp: 2},
		"TenClaims": {claims: 10, wantEvents: 120, wantOp: 0.4},
		"NoClaims":  {claims: 0},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			events, opens := f.PerClaim(tc.claims)
			if events != tc.wantEvents || opens != tc.wantOp {
				t.Errorf("PerClaim(%d) = %v events, %v opens; want %v, %v", tc.claims, events, opens, tc.wantEvents, tc.wantOp)
			}
		})
	}
}
