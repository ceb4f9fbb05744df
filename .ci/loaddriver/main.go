// Command loaddriver measures the function as Crossplane runs it. For every
// lifecycle phase (nothing observed; everything observed and ready) and
// concurrency level it starts the real binary on a loopback port, measures
// its cold start and idle memory, then sends a fixed number of
// RunFunctionRequests over gRPC and prints throughput, latency, the
// function's CPU per request and its peak memory, with each budget of the
// README's Performance section marked PASS or MISS.
//
//	go run ./.ci/loaddriver [-binary path] [-requests 2000] [-concurrency 1,8,64] [-phases Nothing,Complete]
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

	"github.com/platform/function-catalog-api/internal/fnproc"
)

// Budgets of the README's Performance section.
const (
	budgetColdStart = 300 * time.Millisecond
	budgetIdleRSS   = 64 << 20
	budgetPeakRSS   = 128 << 20 // at concurrency budgetPeakAt
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

// runUntilSignalled runs the driver; an interrupt or SIGTERM cancels it, which
// stops the function it started.
func runUntilSignalled(o options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, o)
}

func parseFlags() (options, error) {
	o := options{}
	levels, phases := "", ""
	flag.StringVar(&o.Binary, "binary", "", "function binary to measure; empty builds the module's function into a temporary directory")
	flag.StringVar(&o.XR, "xr", "examples/xr.yaml", "CatalogApi manifest to render, relative to the module root unless absolute")
	flag.IntVar(&o.Requests, "requests", 2000, "requests per phase and concurrency level")
	flag.StringVar(&levels, "concurrency", "1,8,64", "comma-separated concurrency levels")
	flag.StringVar(&phases, "phases", "Nothing,Complete", "comma-separated lifecycle phases to load: Nothing (nothing observed), Complete (everything observed and ready)")
	flag.DurationVar(&o.Timeout, "timeout", 10*time.Second, "timeout of the start-up and of each request")
	flag.Parse()
	if o.Requests < 1 {
		return o, errors.New("-requests must be at least 1")
	}
	for f := range strings.SplitSeq(levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return o, fmt.Errorf("-concurrency: %q is not a positive number", f)
		}
		o.Concurrency = append(o.Concurrency, n)
	}
	o.Phases = map[string]bool{}
	for p := range strings.SplitSeq(phases, ",") {
		p = strings.TrimSpace(p)
		if p != "Nothing" && p != "Complete" {
			return o, fmt.Errorf("-phases: %q is not Nothing or Complete", p)
		}
		o.Phases[p] = true
	}
	return o, nil
}

func run(ctx context.Context, o options) error {
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	xrPath := o.XR
	if !filepath.IsAbs(xrPath) {
		xrPath = filepath.Join(root, xrPath)
	}
	xr, err := readXR(xrPath)
	if err != nil {
		return err
	}
	phases, err := lifecyclePhases(ctx, xr)
	if err != nil {
		return err
	}

	bin := o.Binary
	if bin == "" {
		tmp, err := os.MkdirTemp("", "loaddriver-")
		if err != nil {
			return fmt.Errorf("cannot create a directory for the function binary: %w", err)
		}
		defer os.RemoveAll(tmp)
		if bin, err = buildFunction(ctx, root, tmp); err != nil {
			return err
		}
	}

	printMachine(bin, xrPath, phases)
	starts, levels, err := measureLevels(ctx, bin, phases, o)
	if err != nil {
		return err
	}
	printStartups(starts)
	printLevels(o.Requests, levels)
	printBudgets(starts, levels)
	fmt.Printf("Load average after: %s\n", loadAverage())
	return nil
}

// buildFunction builds the module's function into dir.
func buildFunction(ctx context.Context, root, dir string) (string, error) {
	fmt.Fprintln(os.Stderr, "==> Building the function")
	return fnproc.Build(ctx, root, filepath.Join(dir, "function-catalog-api"))
}

// measureLevels measures every selected phase at every concurrency level, in
// that order; every level starts the binary afresh.
func measureLevels(ctx context.Context, bin string, phases []phase, o options) ([]startup, []level, error) {
	var starts []startup
	var levels []level
	for _, ph := range phases {
		if !o.Phases[ph.Name] {
			continue
		}
		for _, c := range o.Concurrency {
			st, l, err := measureLevel(ctx, bin, phases[0], ph, c, o)
			if err != nil {
				return nil, nil, err
			}
			starts = append(starts, st)
			levels = append(levels, l)
		}
	}
	return starts, levels, nil
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
