package fn

import (
	"context"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
)

// BenchmarkRunFunction measures one complete render per lifecycle phase, as
// Crossplane sends it: nothing observed, and everything observed and ready.
// The budget (README, Performance) is under 2 ms per render on a 2-core
// machine; run with:
//
//	go test ./fn -run '^$' -bench RunFunction -benchmem
func BenchmarkRunFunction(b *testing.B) {
	phases := testPhases(b)
	f := NewFunction(logging.NewNopLogger())
	for _, phase := range []string{"Nothing", "Complete"} {
		req := newRequest(testXR, phases[phase])
		b.Run(phase, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rsp, err := f.RunFunction(context.Background(), req)
				if err != nil || fatalMessage(rsp) != "" {
					b.Fatalf("render failed: %v %s", err, fatalMessage(rsp))
				}
			}
			b.ReportMetric(float64(len(phases[phase])), "observed")
		})
	}
}
