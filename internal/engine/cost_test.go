package engine

import (
	"math/big"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCostLines: the lines of every part that declares some, in part
// order, from the spec.
func TestCostLines(t *testing.T) {
	line := func(item string) func(int) []CostLine {
		return func(n int) []CostLine {
			return []CostLine{{Item: item, Unit: "hour", Quantity: big.NewRat(int64(n), 1), Price: item, Hourly: true}}
		}
	}
	parts := []Part[int]{{Name: "A", Cost: line("a")}, {Name: "Free"}, {Name: "B", Cost: line("b")}}
	lines := CostLines(parts, 3)
	got := make([]string, 0, len(lines))
	for _, l := range lines {
		got = append(got, l.Item+" x"+l.Quantity.RatString())
	}
	if diff := cmp.Diff([]string{"a x3", "b x3"}, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

// TestDurationSpan: seconds under two minutes, whole minutes (rounded out)
// from there.
func TestDurationSpan(t *testing.T) {
	for d, want := range map[Duration]string{
		{MinSeconds: 30, MaxSeconds: 110}:  "30-110 s",
		{MinSeconds: 120, MaxSeconds: 350}: "2-6 min",
		{MinSeconds: 300, MaxSeconds: 900}: "5-15 min",
	} {
		if got := d.Span(); got != want {
			t.Errorf("%+v: %q, want %q", d, got, want)
		}
	}
}
