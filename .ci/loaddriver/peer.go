package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/platform/function-catalog-api/internal/fnproc"
)

// Side by side: the function and the peer (function-go-templating v0.12.2
// with the template peerTemplate generates) serve the same converged stack,
// one after the other in the same run, each on processes of its own.

// peerTemplateFile is the template's name in the peer's template directory.
const peerTemplateFile = "stack.yaml.tmpl"

// A target is a function binary and the request it is loaded with.
type target struct {
	Name  string
	Start fnproc.Options
	Phase phase
}

// sideBySide is what the comparison measures of one target.
type sideBySide struct {
	Name     string
	Request  int    // request size, bytes
	Idle     memory // after one response and a pause
	Serial   level  // concurrency 1
	Parallel level  // concurrency budgetPeakAt
	Diffs    []string
}

// peerTemplateInput is the peer's pipeline input: the function-go-templating
// GoTemplate with source FileSystem, which reads every template in dir, as a
// Composition that mounts its templates would.
func peerTemplateInput(dir string) *structpb.Struct {
	return &structpb.Struct{Fields: map[string]*structpb.Value{
		"apiVersion": structpb.NewStringValue("gotemplating.fn.crossplane.io/v1beta1"),
		"kind":       structpb.NewStringValue("GoTemplate"),
		"source":     structpb.NewStringValue("FileSystem"),
		"fileSystem": structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
			"dirPath": structpb.NewStringValue(dir),
		}}),
	}}
}

// peerPhase is ph as the peer gets it: it writes the template of ph's
// render into a directory of its own under tmp and returns the same request
// plus the input that points the peer at that directory (0.2 KiB).
func peerPhase(ph phase, tmp string) (phase, error) {
	tmpl, err := peerTemplate(ph.Req, ph.Want)
	if err != nil {
		return phase{}, fmt.Errorf("cannot generate the peer's template: %w", err)
	}
	dir := filepath.Join(tmp, "peer-templates")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return phase{}, fmt.Errorf("cannot make the peer's template directory: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, peerTemplateFile), []byte(tmpl), 0o600); err != nil {
		return phase{}, fmt.Errorf("cannot write the peer's template: %w", err)
	}
	req, ok := proto.Clone(ph.Req).(*fnv1.RunFunctionRequest)
	if !ok {
		return phase{}, fmt.Errorf("cannot copy the %s request", ph.Name)
	}
	req.Input = peerTemplateInput(dir)
	out := phase{Name: ph.Name, Req: req, Want: ph.Want}
	if out.Wire, err = proto.Marshal(req); err != nil {
		return phase{}, fmt.Errorf("cannot encode the peer's %s request: %w", ph.Name, err)
	}
	return out, nil
}

// loopbackAddress is a free loopback address for the function's metrics
// server: the peer always serves metrics, so the function does too here.
func loopbackAddress(ctx context.Context) (string, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("cannot find a free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// measureRounds measures the function and the peer on the converged stack
// in turn, o.PeerRounds times, printing every round, and returns the
// rounds.
func measureRounds(ctx context.Context, bin string, complete phase, o options, tmp string) ([]round, error) {
	peer, err := peerPhase(complete, tmp)
	if err != nil {
		return nil, err
	}
	var rounds []round
	for range o.PeerRounds {
		r, err := compareWithPeer(ctx, bin, complete, peer, o)
		if err != nil {
			return nil, err
		}
		printSideBySide(r)
		rounds = append(rounds, roundOf(r))
	}
	printRounds(rounds)
	return rounds, nil
}

// compareWithPeer measures the function, then the peer.
func compareWithPeer(ctx context.Context, bin string, complete, peer phase, o options) ([]sideBySide, error) {
	metrics, err := loopbackAddress(ctx)
	if err != nil {
		return nil, err
	}
	targets := []target{
		{Name: "function", Phase: complete, Start: fnproc.Options{Binary: bin, Insecure: true, Env: o.FunctionEnv, Args: []string{"--metrics-address=" + metrics}}},
		{Name: "peer", Phase: peer, Start: fnproc.Options{Binary: o.PeerBinary, Insecure: true, NoMetricsFlag: true}},
	}
	var out []sideBySide
	for _, t := range targets {
		fmt.Fprintf(os.Stderr, "==> Side by side: %s\n", t.Name)
		r, err := measureTarget(ctx, t, o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.Name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// measureTarget: one process for the idle memory and concurrency 1, a
// fresh one for the peak at budgetPeakAt.
func measureTarget(ctx context.Context, t target, o options) (sideBySide, error) {
	r := sideBySide{Name: t.Name, Request: len(t.Phase.Wire)}
	err := withTarget(ctx, t, o, func(s *fnproc.Proc, conn *grpc.ClientConn) error {
		rsp, err := call(ctx, conn, t.Phase, o.Timeout)
		if err != nil {
			return err
		}
		r.Diffs = peerDiff(t.Phase.Want, rsp)
		time.Sleep(idlePause)
		if r.Idle, err = readMemory(s.Pid()); err != nil {
			return err
		}
		r.Serial, err = runLevel(ctx, s, conn, t.Phase, 1, o.Requests, o.Timeout)
		return err
	})
	if err != nil {
		return r, err
	}
	err = withTarget(ctx, t, o, func(s *fnproc.Proc, conn *grpc.ClientConn) error {
		r.Parallel, err = runLevel(ctx, s, conn, t.Phase, budgetPeakAt, o.Requests, o.Timeout)
		return err
	})
	return r, err
}

// withTarget starts the target, connects, and runs f.
func withTarget(ctx context.Context, t target, o options, f func(*fnproc.Proc, *grpc.ClientConn) error) error {
	opts := t.Start
	opts.StartTimeout = o.Timeout
	s, err := fnproc.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer stopServer(s)
	conn, err := dial(s.Address())
	if err != nil {
		return err
	}
	defer conn.Close()
	return f(s, conn)
}

// printSideBySide prints the comparison and its ratios (peer / function).
func printSideBySide(r []sideBySide) {
	fn, peer := r[0], r[1]
	fmt.Printf("Side by side: the converged stack, the function and function-go-templating, %d requests per level\n", fn.Serial.Requests)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, columnPadding, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "\tfunction\tpeer\tratio (peer / function)\t")
	row := func(name, a, b string, ratio float64) {
		fmt.Fprintf(w, "%s\t%s\t%s\t%.2fx\t\n", name, a, b, ratio)
	}
	row("request", kib(fn.Request), kib(peer.Request), float64(peer.Request)/float64(fn.Request))
	rd := roundOf(r)
	row("p50 at concurrency 1", ms(fn.Serial.Percentile(p50)), ms(peer.Serial.Percentile(p50)), rd.P50)
	p99f, p99p := fn.Serial.Percentile(p99), peer.Serial.Percentile(p99)
	row("p99 at concurrency 1", ms(p99f), ms(p99p), float64(p99p)/float64(p99f))
	row("server CPU per request, concurrency 1", ms(cpuPerRequest(fn.Serial)), ms(cpuPerRequest(peer.Serial)), rd.CPU)
	row("throughput at concurrency 1", rate(fn.Serial), rate(peer.Serial), peer.Serial.Wall.Seconds()/fn.Serial.Wall.Seconds())
	row(fmt.Sprintf("throughput at concurrency %d", budgetPeakAt), rate(fn.Parallel), rate(peer.Parallel), peer.Parallel.Wall.Seconds()/fn.Parallel.Wall.Seconds())
	row("idle RSS", mib(fn.Idle.RSS), mib(peer.Idle.RSS), float64(peer.Idle.RSS)/float64(fn.Idle.RSS))
	row(fmt.Sprintf("peak RSS at concurrency %d", budgetPeakAt), mib(fn.Parallel.Peak), mib(peer.Parallel.Peak), float64(peer.Parallel.Peak)/float64(fn.Parallel.Peak))
	_ = w.Flush()
	switch {
	case len(peer.Diffs) == 0:
		fmt.Println("The peer rendered the same desired resources, readiness, XR status and conditions.")
	default:
		fmt.Printf("WARNING: the peer's render differs in %d places (first: %s); the template generator (peertemplate.go) misses part of the render\n", len(peer.Diffs), peer.Diffs[0])
	}
	fmt.Println()
}

// round is one round of the side by side: the peer / function ratios at
// concurrency 1 and the function's peak RSS at budgetPeakAt.
type round struct {
	P50, CPU float64
	Peak     int64
}

// roundOf is a side by side's round: r[0] is the function, r[1] the peer.
func roundOf(r []sideBySide) round {
	fn, peer := r[0], r[1]
	return round{
		P50:  float64(peer.Serial.Percentile(p50)) / float64(fn.Serial.Percentile(p50)),
		CPU:  float64(cpuPerRequest(peer.Serial)) / float64(cpuPerRequest(fn.Serial)),
		Peak: fn.Parallel.Peak,
	}
}

// printRounds prints every round's ratios and their medians; the floor is
// judged on the median (printFloor).
func printRounds(rounds []round) {
	if len(rounds) <= 1 {
		return // The round's own table said it all.
	}
	var p50s, cpus []float64
	for _, r := range rounds {
		p50s = append(p50s, r.P50)
		cpus = append(cpus, r.CPU)
	}
	fmt.Printf("Over %d rounds (the function and the peer measured in turn):\n", len(rounds))
	fmt.Printf("  p50 at concurrency 1, peer / function: %s, median %.2fx\n", timesList(p50s), median(p50s))
	fmt.Printf("  server CPU per request, peer / function: %s, median %.2fx\n\n", timesList(cpus), median(cpus))
}

// timesList prints ratios as "4.46x 5.28x".
func timesList(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%.2fx", x)
	}
	return strings.Join(s, " ")
}

// cpuPerRequest is the served CPU per request of a level: the server's
// process, whichever target it is.
func cpuPerRequest(l level) time.Duration { return l.ServerCPU / time.Duration(max(l.Requests, 1)) }

func rate(l level) string { return fmt.Sprintf("%.0f/s", l.Throughput()) }
