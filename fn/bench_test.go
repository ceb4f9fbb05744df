package fn

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/crossplane/function-sdk-go/logging"

	"github.com/platform/function-catalog-api/internal/fntest"
)

// benchPhases are the lifecycle phases the benchmarks render, in order:
// nothing observed, the first render's resources observed, and everything
// observed and ready.
func benchPhases() []string {
	return []string{"Nothing", "Claimed", "FirstRenderReady", "Complete"}
}

// BenchmarkRunFunction measures one complete render per lifecycle phase, as
// Crossplane sends it. The budget (README, Performance) is under 2 ms per
// render on a 2-core machine; .ci/bench runs it as
//
//	go test ./fn -run '^$' -bench . -benchmem -count 5
func BenchmarkRunFunction(b *testing.B) {
	phases := testPhases(b)
	f := NewFunction(logging.NewNopLogger())
	for _, phase := range benchPhases() {
		req := newRequest(testXR, phases[phase])
		b.Run(phase, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := processCPU(b)
			for b.Loop() {
				rsp, err := f.RunFunction(context.Background(), req)
				if err != nil || fntest.FatalMessage(rsp) != "" {
					b.Fatalf("render failed: %v %s", err, fntest.FatalMessage(rsp))
				}
			}
			b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(len(phases[phase])), "observed")
		})
	}
}

// processCPU is the CPU time the process has used (user and system, garbage
// collection included). On a shared machine ns/op is wall time and grows
// with the load; cpu-ns/op is what a render costs.
func processCPU(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
