// Command loaddriver measures the function as Crossplane runs it. For every
// lifecycle phase (nothing observed; everything observed and ready) and
// concurrency level it starts the real binary on a loopback port, measures
// its cold start and idle memory, then sends a fixed number of
// RunFunctionRequests over gRPC and prints throughput, latency, the
// function's CPU per request and its peak memory, with each budget of the
// README's Performance section marked PASS or MISS.
//
//	go run ./.ci/loaddriver [-binary path] [-requests 2000] [-concurrency 1,8,64] [-phases Nothing,Complete]
//	                        [-peer-binary path [-peer-template file]]
//	go run ./.ci/loaddriver -leak-requests 100000 [-leak-every 10000] [-leak-concurrency 4]
//	go run ./.ci/loaddriver -simulate-day
//	go run ./.ci/loaddriver -write-peer-template .ci/loaddriver/peer/stack.yaml.tmpl
//
// With -peer-binary it then serves the converged stack with the function and
// with function-go-templating (the peer, rendering peer/stack.yaml.tmpl) and
// prints both side by side with their ratios. -leak-requests sends many
// requests to one process and prints its memory along the way and the
// slope; -simulate-day prints the renders per hour of one XR over a
// simulated day (simulate.go).
//
// It only talks to the process it started, stops by itself, and exits
// non-zero only on errors (a failed build, start or request), never on a
// missed budget: timings depend on the machine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/platform/function-catalog-api/internal/fnproc"
)

// Budgets of the README's Performance section.
const (
	budgetColdStart = 300 * time.Millisecond
	budgetIdleRSS   = 48 << 20
	budgetPeakRSS   = 100 << 20 // at concurrency budgetPeakAt
	budgetPeakAt    = 64
	budgetP99       = 10 * time.Millisecond // at concurrency budgetP99At
	budgetP99At     = 8
)

type options struct {
	Binary      string
	XR          string
	Requests    int
	Concurrency []int
	Phases      map[string]bool
	Timeout     time.Duration

	PeerBinary        string
	PeerTemplate      string
	PeerRounds        int
	WritePeerTemplate string

	LeakRequests    int
	LeakEvery       int
	LeakConcurrency int

	SimulateDay bool
}

func main() {
	o, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loaddriver:", err)
		os.Exit(2)
	}
	if err := runUntilSignalled(o); err != nil {
		fmt.Fprintln(os.Stderr, "loaddriver:", err)
		os.Exit(1)
	}
}

// runUntilSignalled runs the driver with a context an interrupt or SIGTERM
// cancels, so that every process it started is stopped on the way out.
func runUntilSignalled(o options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, o)
}

// Defaults of the flags.
const (
	defaultRequests        = 2000
	defaultTimeout         = 10 * time.Second
	defaultLeakEvery       = 10000
	defaultLeakConcurrency = 4
	defaultPeerRounds      = 3
)

func parseFlags() (options, error) {
	o := options{}
	levels, phases := defineFlags(&o)
	flag.Parse()
	if err := checkCounts(o); err != nil {
		return o, err
	}
	var err error
	if o.Concurrency, err = parseLevels(*levels); err != nil {
		return o, err
	}
	o.Phases, err = parsePhases(*phases)
	return o, err
}

// defineFlags defines the flags into o; the two lists come back as strings
// to parse after flag.Parse.
func defineFlags(o *options) (levels, phases *string) {
	flag.StringVar(&o.Binary, "binary", "", "function binary to measure; empty builds the module's function into a temporary directory")
	flag.StringVar(&o.XR, "xr", "examples/xr.yaml", "CatalogApi manifest to render, relative to the module root unless absolute")
	flag.IntVar(&o.Requests, "requests", defaultRequests, "requests per phase and concurrency level")
	levels = flag.String("concurrency", "1,8,64", "comma-separated concurrency levels")
	phases = flag.String("phases", "Nothing,Complete", "comma-separated lifecycle phases to load: Nothing (nothing observed), Complete (everything observed and ready)")
	flag.DurationVar(&o.Timeout, "timeout", defaultTimeout, "timeout of the start-up and of each request")
	flag.StringVar(&o.PeerBinary, "peer-binary", "", "function-go-templating binary to compare with on the converged stack (build it yourself; README, Performance)")
	flag.IntVar(&o.PeerRounds, "peer-rounds", defaultPeerRounds, "with -peer-binary: measure the function and the peer in turn this many times; the verdict is on the median ratio")
	flag.StringVar(&o.PeerTemplate, "peer-template", ".ci/loaddriver/peer/stack.yaml.tmpl", "the peer's template of the converged stack, relative to the module root unless absolute")
	flag.StringVar(&o.WritePeerTemplate, "write-peer-template", "", "write the peer's template of the converged stack to this file and exit")
	flag.IntVar(&o.LeakRequests, "leak-requests", 0, "instead of the load levels, send this many converged-stack requests to one process and print its RSS along the way")
	flag.IntVar(&o.LeakEvery, "leak-every", defaultLeakEvery, "with -leak-requests: print the RSS every this many requests")
	flag.IntVar(&o.LeakConcurrency, "leak-concurrency", defaultLeakConcurrency, "with -leak-requests: concurrent callers")
	flag.BoolVar(&o.SimulateDay, "simulate-day", false, "instead of the load levels, simulate one XR's day in process and print renders per hour with the old and the new TTLs")
	return levels, phases
}

// checkCounts checks the request counts of the flags.
func checkCounts(o options) error {
	if o.Requests < 1 {
		return errors.New("-requests must be at least 1")
	}
	if o.LeakRequests < 0 || o.LeakEvery < 1 || o.LeakConcurrency < 1 {
		return errors.New("-leak-requests must not be negative, -leak-every and -leak-concurrency must be at least 1")
	}
	return nil
}

// parseLevels parses -concurrency.
func parseLevels(levels string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-concurrency: %q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// parsePhases parses -phases.
func parsePhases(phases string) (map[string]bool, error) {
	out := map[string]bool{}
	for p := range strings.SplitSeq(phases, ",") {
		p = strings.TrimSpace(p)
		if p != "Nothing" && p != "Complete" {
			return nil, fmt.Errorf("-phases: %q is not Nothing or Complete", p)
		}
		out[p] = true
	}
	return out, nil
}

func run(ctx context.Context, o options) error {
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	xrPath, xr, phases, err := loadPhases(ctx, root, o.XR)
	if err != nil {
		return err
	}
	switch {
	case o.WritePeerTemplate != "":
		return writePeerTemplate(phases[len(phases)-1], o.WritePeerTemplate)
	case o.SimulateDay:
		return simulateDay(ctx, root, xr)
	}
	if o.PeerTemplate != "" && !filepath.IsAbs(o.PeerTemplate) {
		o.PeerTemplate = filepath.Join(root, o.PeerTemplate)
	}
	tmp, err := os.MkdirTemp("", "loaddriver-")
	if err != nil {
		return fmt.Errorf("cannot make a temporary directory: %w", err)
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	bin, err := functionBinary(ctx, root, tmp, o.Binary)
	if err != nil {
		return err
	}
	printMachine(bin, xrPath, phases)
	return measure(ctx, bin, phases, o, tmp)
}

// functionBinary is bin, or the module's function built into tmp when bin
// is empty.
func functionBinary(ctx context.Context, root, tmp, bin string) (string, error) {
	if bin != "" {
		return bin, nil
	}
	fmt.Fprintln(os.Stderr, "==> Building the function")
	bin, err := fnproc.Build(ctx, root, filepath.Join(tmp, "function-catalog-api"))
	if err != nil {
		return "", fmt.Errorf("cannot build the function: %w", err)
	}
	return bin, nil
}

// measure runs what the flags ask for on the binary: the leak run, or the
// load levels and then the side by side with the peer.
func measure(ctx context.Context, bin string, phases []phase, o options, tmp string) error {
	complete := phases[len(phases)-1]
	if o.LeakRequests > 0 {
		return measureLeak(ctx, bin, complete, o)
	}
	if err := measureLevels(ctx, bin, phases, o); err != nil {
		return err
	}
	if o.PeerBinary != "" {
		var rounds []ratios
		for range max(o.PeerRounds, 1) {
			r, err := compareWithPeer(ctx, bin, complete, o, tmp)
			if err != nil {
				return err
			}
			printSideBySide(r)
			rounds = append(rounds, ratiosOf(r))
		}
		printRounds(rounds)
	}
	fmt.Printf("Load average after: %s\n", loadAverage())
	return nil
}

// loadPhases reads the XR (relative to the module root unless absolute)
// and renders its lifecycle phases in process.
func loadPhases(ctx context.Context, root, xrPath string) (string, *structpb.Struct, []phase, error) {
	if !filepath.IsAbs(xrPath) {
		xrPath = filepath.Join(root, xrPath)
	}
	xr, err := readXR(xrPath)
	if err != nil {
		return "", nil, nil, err
	}
	phases, err := lifecyclePhases(ctx, xr)
	return xrPath, xr, phases, err
}

// measureLevels measures every selected phase at every concurrency level
// and prints the start-ups, the levels and the budgets.
func measureLevels(ctx context.Context, bin string, phases []phase, o options) error {
	var starts []startup
	var levels []level
	for _, ph := range phases {
		if !o.Phases[ph.Name] {
			continue
		}
		for _, c := range o.Concurrency {
			st, l, err := measureLevel(ctx, bin, phases[0], ph, c, o)
			if err != nil {
				return err
			}
			starts = append(starts, st)
			levels = append(levels, l)
		}
	}
	printStartups(starts)
	printLevels(o.Requests, levels)
	printBudgets(starts, levels)
	return nil
}

// stopServer stops a function the driver started; a failure to stop is
// reported but does not void the figures.
func stopServer(s *fnproc.Proc) {
	if err := s.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "loaddriver: warning:", err)
	}
}

// measureLevel measures one load level on a process of its own, so that its
// peak RSS is its own and every level adds a cold start: it starts the
// binary, sends the first request (first), checks that the binary renders
// ph as the function does in process, and sends the level's requests.
func measureLevel(ctx context.Context, bin string, first, ph phase, concurrency int, o options) (startup, level, error) {
	s, err := fnproc.Start(ctx, fnproc.Options{Binary: bin, Insecure: true, StartTimeout: o.Timeout})
	if err != nil {
		return startup{}, level{}, err
	}
	defer stopServer(s)
	conn, err := dial(s.Address())
	if err != nil {
		return startup{}, level{}, err
	}
	defer conn.Close()

	st, err := measureStartup(ctx, s, conn, first, o.Timeout)
	if err != nil {
		return st, level{}, err
	}
	same, err := sameAsInProcess(ctx, conn, ph, o.Timeout)
	if err != nil {
		return st, level{}, err
	}
	if !same {
		fmt.Printf("WARNING: the binary's %s response differs from the in-process render; is -binary built from this tree?\n", ph.Name)
	}
	l, err := runLevel(ctx, s, conn, ph, concurrency, o.Requests, o.Timeout)
	return st, l, err
}
