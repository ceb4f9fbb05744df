//go:build !race

package fn

import (
	"runtime"
	"testing"
)

// renderMemoryBudget is the most a render of the converged stack may
// allocate (README, Performance: under 1 MiB).
const renderMemoryBudget = 1 << 20

// TestRenderMemoryBudget holds the memory budget of a converged render: the
// bytes allocated are the same from run to run (unlike its time, which
// belongs in BenchmarkRunFunction), so a change that makes a render
// allocate more than the budget fails here, not in a later measurement.
// The race detector's instrumentation allocates too: the file is left out
// of race builds.
func TestRenderMemoryBudget(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation changes what a render allocates")
	}
	req := newRequest(testXR, testPhases(t)["Complete"])
	render := func() {
		if rsp := run(t, req); fatalMessage(rsp) != "" {
			t.Fatalf("render failed: %s", fatalMessage(rsp))
		}
	}
	render() // Caches of first use (type registrations, the encoder's) are not a render's.
	const runs = 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		render()
	}
	runtime.ReadMemStats(&after)
	perRender := (after.TotalAlloc - before.TotalAlloc) / runs
	if perRender >= renderMemoryBudget {
		t.Errorf("a converged render allocates %d bytes, budget %d", perRender, renderMemoryBudget)
	}
	t.Logf("a converged render allocates %d bytes (%d KiB), budget %d KiB", perRender, perRender>>10, renderMemoryBudget>>10)
}
