package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/platform/function-catalog-api/internal/fnproc"
)

// maxMessage bounds the responses the client accepts; a complete render is
// about 60 KiB.
const maxMessage = 64 << 20

// dial connects to the function as Crossplane does: one plain text HTTP/2
// connection that carries every concurrent call.
func dial(addr string) (*grpc.ClientConn, error) {
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage)),
	)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to the function at %s: %w", addr, err)
	}
	return conn, nil
}

// call sends one request and checks that the function rendered it.
func call(ctx context.Context, conn *grpc.ClientConn, ph phase, timeout time.Duration) (*fnv1.RunFunctionResponse, error) {
	rsp, _, err := timedCall(ctx, conn, ph, timeout)
	return rsp, err
}

// timedCall is call, and how long the call took from sending the request to
// receiving the whole response: the response is decoded and checked after
// the clock stops, because decoding 60 KiB of Structs is the caller's work
// (about 1 ms here), not the function's.
func timedCall(ctx context.Context, conn *grpc.ClientConn, ph phase, timeout time.Duration) (*fnv1.RunFunctionResponse, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	raw := &wireResponse{}
	start := time.Now()
	err := conn.Invoke(ctx, fnv1.FunctionRunnerService_RunFunction_FullMethodName, ph.Wire, raw,
		grpc.WaitForReady(true), grpc.ForceCodec(preEncoded{}))
	latency := time.Since(start)
	if err != nil {
		return nil, latency, fmt.Errorf("%s: RunFunction: %w", ph.Name, err)
	}
	rsp, err := checkResponse(ph, raw.Bytes)
	return rsp, latency, err
}

// checkResponse decodes a response and checks that it rendered the phase.
func checkResponse(ph phase, wire []byte) (*fnv1.RunFunctionResponse, error) {
	rsp := &fnv1.RunFunctionResponse{}
	if err := proto.Unmarshal(wire, rsp); err != nil {
		return nil, fmt.Errorf("%s: cannot decode the response: %w", ph.Name, err)
	}
	if err := fatal(rsp); err != nil {
		return nil, fmt.Errorf("%s: %w", ph.Name, err)
	}
	if got, want := len(rsp.GetDesired().GetResources()), len(ph.Want.GetDesired().GetResources()); got != want {
		return nil, fmt.Errorf("%s: %d desired resources, want %d", ph.Name, got, want)
	}
	return rsp, nil
}

// encodedRequest is a RunFunctionRequest in wire form.
type encodedRequest []byte

// wireResponse is a response as it arrived, decoded after the call.
type wireResponse struct{ Bytes []byte }

// preEncoded is gRPC's proto codec, except that it sends requests encoded
// once up front: encoding a 100 KiB request for every call would take CPU
// from the function measured on the same machine. Responses are kept in
// wire form (wireResponse) and decoded and checked after the call, as
// Crossplane decodes them.
type preEncoded struct{}

func (preEncoded) Marshal(v any) ([]byte, error) {
	switch m := v.(type) {
	case encodedRequest:
		return m, nil
	case proto.Message:
		b, err := proto.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("cannot encode %T: %w", v, err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("cannot encode %T", v)
}

func (preEncoded) Unmarshal(data []byte, v any) error {
	if w, ok := v.(*wireResponse); ok {
		w.Bytes = append(w.Bytes[:0], data...) // gRPC reuses data.
		return nil
	}
	m, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("cannot decode into %T", v)
	}
	if err := proto.Unmarshal(data, m); err != nil {
		return fmt.Errorf("cannot decode into %T: %w", v, err)
	}
	return nil
}

// Name is the content subtype: the server decodes the request as proto.
func (preEncoded) Name() string { return "proto" }

// sameAsInProcess reports whether the binary answers a phase exactly as the
// function does in process (the function is deterministic).
func sameAsInProcess(ctx context.Context, conn *grpc.ClientConn, ph phase, timeout time.Duration) (bool, error) {
	rsp, err := call(ctx, conn, ph, timeout)
	if err != nil {
		return false, err
	}
	return proto.Equal(rsp, ph.Want), nil
}

// startup is the function's start-up as a caller sees it.
type startup struct {
	Listening time.Duration // process start to accepting TCP connections
	ColdStart time.Duration // process start to the first successful response
	Idle      memory        // after the first response and a short pause
}

// idlePause lets the first render's garbage be collected before the idle
// RSS is read, as it would be between two reconciles.
const idlePause = 500 * time.Millisecond

// measureStartup sends a server that listens its first request.
func measureStartup(ctx context.Context, s *fnproc.Proc, conn *grpc.ClientConn, first phase, timeout time.Duration) (startup, error) {
	st := startup{Listening: s.ListeningAfter()}
	if _, err := call(ctx, conn, first, timeout); err != nil {
		return st, fmt.Errorf("first request: %w\n%s", err, s.Log())
	}
	st.ColdStart = time.Since(s.StartedAt())
	time.Sleep(idlePause)
	var err error
	st.Idle, err = readMemory(s.Pid())
	return st, err
}

// level is the result of one load level: a fixed number of requests of one
// phase at a fixed concurrency.
type level struct {
	Phase       string
	Concurrency int
	Requests    int
	Wall        time.Duration
	Latencies   []time.Duration // sorted
	// ServerCPU is the user+system CPU of the function's process; it
	// includes gRPC and garbage collection, whose background workers also
	// use otherwise idle CPUs (so it is highest at concurrency 1).
	ServerCPU time.Duration
	ClientCPU time.Duration // user+system CPU of this driver, its gRPC client
	Peak      int64         // VmHWM of the process at the end, bytes
}

// Throughput is requests per second.
func (l level) Throughput() float64 { return float64(l.Requests) / l.Wall.Seconds() }

// Percentile is the nearest-rank percentile p (0..100) of the latencies.
func (l level) Percentile(p float64) time.Duration {
	if len(l.Latencies) == 0 {
		return 0
	}
	rank := int(math.Ceil(p/100*float64(len(l.Latencies)))) - 1
	return l.Latencies[max(0, min(rank, len(l.Latencies)-1))]
}

// runLevel sends n requests of ph with this many concurrent callers, every
// caller sending its next request as soon as the previous one returns.
func runLevel(ctx context.Context, s *fnproc.Proc, conn *grpc.ClientConn, ph phase, concurrency, n int, timeout time.Duration) (level, error) {
	l := level{Phase: ph.Name, Concurrency: concurrency, Requests: n}
	cpu0, err := cpuTime(s.Pid())
	if err != nil {
		return l, err
	}
	self0, err := cpuTime(os.Getpid())
	if err != nil {
		return l, err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next    atomic.Int64
		mu      sync.Mutex
		firstEr error
		wg      sync.WaitGroup
	)
	perWorker := make([][]time.Duration, concurrency)
	start := time.Now()
	for w := range concurrency {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				_, latency, err := timedCall(ctx, conn, ph, timeout)
				if err != nil {
					mu.Lock()
					if firstEr == nil {
						firstEr = err
					}
					mu.Unlock()
					cancel()
					return
				}
				perWorker[w] = append(perWorker[w], latency)
			}
		})
	}
	wg.Wait()
	l.Wall = time.Since(start)
	if firstEr != nil {
		return l, firstEr
	}

	l.Latencies = slices.Concat(perWorker...)
	slices.Sort(l.Latencies)
	cpu1, err := cpuTime(s.Pid())
	if err != nil {
		return l, err
	}
	self1, err := cpuTime(os.Getpid())
	if err != nil {
		return l, err
	}
	l.ServerCPU, l.ClientCPU = cpu1-cpu0, self1-self0
	m, err := readMemory(s.Pid())
	l.Peak = m.Peak
	return l, err
}
