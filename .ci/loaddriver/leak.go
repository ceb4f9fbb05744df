package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc"

	"github.com/platform/function-catalog-api/internal/fnproc"
)

// leakFlatBytes is the growth over a whole leak run below which the slope
// counts as flat: RSS moves by a MiB or two with the garbage collector's
// timing alone.
const leakFlatBytes = 4 << 20

// leakPer is the requests the printed slope is given per.
const leakPer = 10000

// minSlopeSamples is the fewest samples a slope can be drawn through.
const minSlopeSamples = 2

// rssSample is the process's memory after this many requests.
type rssSample struct {
	Requests int
	Mem      memory
}

// measureLeak sends o.LeakRequests converged-stack requests to one process
// and samples its memory every o.LeakEvery requests.
func measureLeak(ctx context.Context, bin string, ph phase, o options) error {
	fmt.Printf("Leak check: %d %s requests, %d concurrent, one process; RSS every %d requests\n%s\n",
		o.LeakRequests, ph.Name, o.LeakConcurrency, o.LeakEvery, leakColumns)
	t := target{Name: "function", Phase: ph, Start: fnproc.Options{Binary: bin, Insecure: true}}
	return withTarget(ctx, t, o, func(s *fnproc.Proc, conn *grpc.ClientConn) error {
		samples, err := sendAndSample(ctx, s, conn, ph, o)
		if err != nil {
			return err
		}
		printLeak(samples)
		return nil
	})
}

// sendAndSample sends the requests; the caller that completes every
// LeakEvery-th request reads the memory.
func sendAndSample(ctx context.Context, s *fnproc.Proc, conn *grpc.ClientConn, ph phase, o options) ([]rssSample, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next, done atomic.Int64
		mu         sync.Mutex
		samples    []rssSample
		firstErr   error
		wg         sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
		cancel()
	}
	for range o.LeakConcurrency {
		wg.Go(func() {
			for next.Add(1) <= int64(o.LeakRequests) {
				if _, err := call(ctx, conn, ph, o.Timeout); err != nil {
					fail(err)
					return
				}
				n := int(done.Add(1))
				if n%o.LeakEvery != 0 {
					continue
				}
				m, err := readMemory(s.Pid())
				if err != nil {
					fail(err)
					return
				}
				mu.Lock()
				samples = append(samples, rssSample{Requests: n, Mem: m})
				printSample(samples[len(samples)-1])
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return samples, firstErr
}

// leakColumns is the header of the samples printSample prints as they come.
const leakColumns = "  requests         RSS  of it anon       VmHWM"

func printSample(s rssSample) {
	fmt.Printf("  %8d  %10s  %10s  %10s\n", s.Requests, mib(s.Mem.RSS), mib(s.Mem.Anon), mib(s.Mem.Peak))
}

// printLeak prints the slope of the samples.
func printLeak(samples []rssSample) {
	// The first sample includes the warm-up (caches, pools, heap growth).
	steady := samples[min(1, len(samples)):]
	slope := rssSlope(steady)
	span := 0
	if len(steady) > 1 {
		span = steady[len(steady)-1].Requests - steady[0].Requests
	}
	growth := slope * float64(span)
	verdict := "flat"
	if growth >= leakFlatBytes {
		verdict = "GROWING"
	}
	fmt.Printf("RSS slope after the first sample: %+.1f KiB per 10,000 requests (%+.1f MiB over %d requests): %s (flat is under %s)\n\n",
		slope*leakPer/kibibyte, growth/mebibyte, span, verdict, mib(leakFlatBytes))
}

// rssSlope is the least-squares slope of RSS over requests, bytes per
// request; 0 for fewer than two samples.
func rssSlope(samples []rssSample) float64 {
	n := float64(len(samples))
	if n < minSlopeSamples {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for _, s := range samples {
		x, y := float64(s.Requests), float64(s.Mem.RSS)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}
