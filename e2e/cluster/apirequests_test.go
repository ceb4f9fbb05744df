package cluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// metricAPIRequests is the API server's count of requests it answered, by
// verb, group, resource (and code, scope, ...).
const metricAPIRequests = "apiserver_request_total"

// apiRequests are the API server's request counts by "VERB group/resource".
type apiRequests map[string]float64

// total is every request counted.
func (r apiRequests) total() float64 {
	var n float64
	for _, v := range r {
		n += v
	}
	return n
}

// since is what was counted after an earlier snapshot.
func (r apiRequests) since(earlier apiRequests) apiRequests {
	out := apiRequests{}
	for k, v := range r {
		if d := v - earlier[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

// top is the n busiest verb/resource pairs with their counts.
func (r apiRequests) top(n int) string {
	ints := make(map[string]int, len(r))
	for k, v := range r {
		ints[k] = int(v)
	}
	return strings.Join(top(ints, n), ", ")
}

// apiRequestCounts reads the API server's /metrics.
func (cp *controlPlane) apiRequestCounts(ctx context.Context) (apiRequests, error) {
	b, err := cp.kube.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot read the API server's metrics: %w", err)
	}
	return parseAPIRequests(bytes.NewReader(b))
}

// parseAPIRequests sums apiserver_request_total by verb, group and
// resource.
func parseAPIRequests(r io.Reader) (apiRequests, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("cannot parse the API server's metrics: %w", err)
	}
	out := apiRequests{}
	for _, m := range families[metricAPIRequests].GetMetric() {
		key := labelOf(m, "verb") + " " + labelOf(m, "group") + "/" + labelOf(m, "resource")
		out[key] += m.GetCounter().GetValue()
	}
	return out, nil
}

func TestParseAPIRequests(t *testing.T) {
	const text = `# TYPE apiserver_request_total counter
apiserver_request_total{code="200",component="apiserver",dry_run="",group="ec2.aws.m.upbound.io",resource="vpcs",scope="resource",subresource="",verb="APPLY",version="v1beta1"} 40
apiserver_request_total{code="409",component="apiserver",dry_run="",group="ec2.aws.m.upbound.io",resource="vpcs",scope="resource",subresource="",verb="APPLY",version="v1beta1"} 2
apiserver_request_total{code="200",component="apiserver",dry_run="",group="ec2.aws.m.upbound.io",resource="vpcs",scope="resource",subresource="status",verb="PATCH",version="v1beta1"} 7
`
	got, err := parseAPIRequests(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	want := apiRequests{"APPLY ec2.aws.m.upbound.io/vpcs": 42, "PATCH ec2.aws.m.upbound.io/vpcs": 7}
	if len(got) != len(want) || got["APPLY ec2.aws.m.upbound.io/vpcs"] != 42 || got["PATCH ec2.aws.m.upbound.io/vpcs"] != 7 {
		t.Errorf("parseAPIRequests = %v, want %v", got, want)
	}
	later := apiRequests{"APPLY ec2.aws.m.upbound.io/vpcs": 50, "PATCH ec2.aws.m.upbound.io/vpcs": 7, "GET /namespaces": 3}
	if d := later.since(got); len(d) != 2 || d["APPLY ec2.aws.m.upbound.io/vpcs"] != 8 || d["GET /namespaces"] != 3 || d.total() != 11 {
		t.Errorf("since = %v, want 8 APPLY and 3 GET", d)
	}
}
