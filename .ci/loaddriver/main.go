// Command loaddriver measures the function's performance floor as Crossplane
// runs it: the real binary on a loopback port, called over gRPC.
//
// First its own load levels: for every lifecycle phase (nothing observed;
// everything observed and ready) and concurrency level it starts the binary,
// measures its cold start and idle memory, then sends a fixed number of
// RunFunctionRequests and prints throughput, latency, the function's CPU per
// request and its peak memory.
//
// Then, with -peer-binary, the floor's comparison: the converged stack served
// by the function and by function-go-templating v0.12.2 (the peer), in turn,
// -peer-rounds times. The peer renders a plain Go template of the same stack
// that the driver generates on every run from the function's own render
// (peertemplate.go) into a temporary directory. The peer is not built here:
// the Go module proxy does not serve function-go-templating, so build it from
// a checkout of its v0.12.2 tag and pass the binary's path.
//
// Last, the floor with PASS or MISS: the peer's p50 at concurrency 1 at
// least budgetSpeedup times the function's (median of the rounds), and the
// function's peak RSS at concurrency budgetPeakAt at most budgetPeakRSS
// (worst of its processes).
//
//	go run ./.ci/loaddriver [-binary path] [-requests 2000] [-concurrency 1,8,64] [-phases Nothing,Complete]
//	                        [-function-env NAME=VALUE ...] [-peer-binary path [-peer-rounds 3]]
//
// It only talks to the processes it started, stops by itself, and exits
// non-zero only on errors (a failed build, start or request), never on a
// missed floor: timings depend on the machine.
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

// The floor: what the function must keep, measured on the converged stack.
const (
	budgetPeakRSS = 100 << 20 // the function's peak RSS at budgetPeakAt, at most
	budgetPeakAt  = 64        // concurrent requests
	budgetSpeedup = 3         // the peer's p50 at concurrency 1 over the function's, at least
)

type options struct {
	Binary      string
	XR          string
	Requests    int
	Concurrency []int
	Phases      map[string]bool
	Timeout     time.Duration
	// FunctionEnv is added to the environment of the function's processes
	// (not the peer's), NAME=VALUE each.
	FunctionEnv []string

	PeerBinary string
	PeerRounds int
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
	defaultRequests   = 2000
	defaultTimeout    = 10 * time.Second
	defaultPeerRounds = 3
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
	flag.IntVar(&o.Requests, "requests", defaultRequests, "requests per phase and concurrency level, and per target and level side by side")
	levels = flag.String("concurrency", "1,8,64", "comma-separated concurrency levels")
	phases = flag.String("phases", "Nothing,Complete", "comma-separated lifecycle phases to load: Nothing (nothing observed), Complete (everything observed and ready)")
	flag.DurationVar(&o.Timeout, "timeout", defaultTimeout, "timeout of the start-up and of each request")
	flag.Func("function-env", "NAME=VALUE to add to the function's environment, e.g. GOMEMLIMIT or GOGC as its DeploymentRuntimeConfig sets them (repeatable)", func(v string) error {
		var err error
		o.FunctionEnv, err = appendEnv(o.FunctionEnv, v)
		return err
	})
	flag.StringVar(&o.PeerBinary, "peer-binary", "", "function-go-templating v0.12.2 binary to compare with on the converged stack; empty skips the comparison")
	flag.IntVar(&o.PeerRounds, "peer-rounds", defaultPeerRounds, "with -peer-binary: measure the function and the peer in turn this many times; the floor is on the median ratio")
	return levels, phases
}

// appendEnv appends a NAME=VALUE setting to env.
func appendEnv(env []string, setting string) ([]string, error) {
	if name, _, ok := strings.Cut(setting, "="); !ok || name == "" {
		return env, fmt.Errorf("-function-env: %q is not NAME=VALUE", setting)
	}
	return append(env, setting), nil
}

// checkCounts checks the counts of the flags.
func checkCounts(o options) error {
	if o.Requests < 1 || o.PeerRounds < 1 {
		return errors.New("-requests and -peer-rounds must be at least 1")
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
	xrPath, phases, err := loadPhases(ctx, root, o.XR)
	if err != nil {
		return err
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

// measure measures the load levels, then the side by side with the peer
// when there is one, and prints the floor.
func measure(ctx context.Context, bin string, phases []phase, o options, tmp string) error {
	levels, err := measureLevels(ctx, bin, phases, o)
	if err != nil {
		return err
	}
	var rounds []round
	if o.PeerBinary != "" {
		if rounds, err = measureRounds(ctx, bin, phases[len(phases)-1], o, tmp); err != nil {
			return err
		}
	}
	printFloor(floorOf(levels, rounds))
	fmt.Printf("Load average after: %s\n", loadAverage())
	return nil
}

// loadPhases reads the XR (relative to the module root unless absolute)
// and renders its lifecycle phases in process.
func loadPhases(ctx context.Context, root, xrPath string) (string, []phase, error) {
	if !filepath.IsAbs(xrPath) {
		xrPath = filepath.Join(root, xrPath)
	}
	xr, err := readXR(xrPath)
	if err != nil {
		return "", nil, err
	}
	phases, err := lifecyclePhases(ctx, xr)
	return xrPath, phases, err
}

// measureLevels measures every selected phase at every concurrency level,
// prints the start-ups and the levels, and returns the levels.
func measureLevels(ctx context.Context, bin string, phases []phase, o options) ([]level, error) {
	var starts []startup
	var levels []level
	for _, ph := range phases {
		if !o.Phases[ph.Name] {
			continue
		}
		for _, c := range o.Concurrency {
			st, l, err := measureLevel(ctx, bin, phases[0], ph, c, o)
			if err != nil {
				return nil, err
			}
			starts = append(starts, st)
			levels = append(levels, l)
		}
	}
	printStartups(starts)
	printLevels(o.Requests, levels)
	return levels, nil
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
	s, err := fnproc.Start(ctx, fnproc.Options{Binary: bin, Insecure: true, Env: o.FunctionEnv, StartTimeout: o.Timeout})
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
