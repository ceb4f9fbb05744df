package fn

import (
	"context"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

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

// BenchmarkWire measures what gRPC adds to every render outside the
// function's code: decoding the request and encoding the response. A served
// render costs RunFunction plus both.
func BenchmarkWire(b *testing.B) {
	phases := testPhases(b)
	for _, phase := range benchPhases() {
		req := newRequest(testXR, phases[phase])
		rsp := run(b, req)
		wire, err := proto.Marshal(req)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(phase+"/DecodeRequest", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(wire)))
			for b.Loop() {
				if err := proto.Unmarshal(wire, &fnv1.RunFunctionRequest{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(phase+"/EncodeResponse", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(proto.Size(rsp)))
			for b.Loop() {
				if _, err := proto.Marshal(rsp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkServedPath is a served render without gRPC's transport: decode
// the request, render, encode the response, over the lifecycle phases as a
// stack meets them (a converged stack is re-rendered far more often than
// the others, hence its weight). .ci/pgo records its CPU profile as the
// profile the binary is built with (default.pgo).
func BenchmarkServedPath(b *testing.B) {
	phases := testPhases(b)
	f := NewFunction(logging.NewNopLogger())
	mix := []string{"Nothing", "Claimed", "FirstRenderReady", "Complete", "Complete", "Complete", "Complete", "Complete"}
	wires := make([][]byte, 0, len(mix))
	for _, phase := range mix {
		wire, err := proto.Marshal(newRequest(testXR, phases[phase]))
		if err != nil {
			b.Fatal(err)
		}
		wires = append(wires, wire)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		req := &fnv1.RunFunctionRequest{}
		if err := proto.Unmarshal(wires[i%len(wires)], req); err != nil {
			b.Fatal(err)
		}
		rsp, err := f.RunFunction(context.Background(), req)
		if err != nil || fntest.FatalMessage(rsp) != "" {
			b.Fatalf("render failed: %v %s", err, fntest.FatalMessage(rsp))
		}
		if _, err := proto.Marshal(rsp); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
