// Package fnproc runs the function's binary for tests and tools: it builds
// it, starts it on a free loopback port, waits until the port accepts
// connections and stops it, keeping what the process printed for the error
// messages. The end-to-end tests, .ci/loaddriver and .ci/render-example all
// run the function through it.
package fnproc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	// DefaultStartTimeout is how long Start waits for the port when
	// Options.StartTimeout is zero.
	DefaultStartTimeout = 30 * time.Second

	// stopGrace is how long Stop waits after SIGTERM before it kills.
	stopGrace = 5 * time.Second

	// pollInterval is how often Start tries the port. A refused loopback
	// connection costs microseconds, and a fine interval keeps the start-up
	// figures of the load driver honest.
	pollInterval = time.Millisecond

	// dialTimeout bounds one connection attempt.
	dialTimeout = 50 * time.Millisecond

	// exitSettle is how long a failed check waits for the process's end to
	// be reported.
	exitSettle = time.Second

	// portAttempts is how many free ports Start tries: another process may
	// take the port between the moment it is found free and the function's
	// listen.
	portAttempts = 3
)

// errAddressInUse marks a start that failed because the port was taken.
var errAddressInUse = errors.New("address already in use")

// Options say which binary to run and how.
type Options struct {
	// Binary is the function binary (see Build).
	Binary string
	// Args are extra flags, passed after those Start sets: --address,
	// --insecure or --tls-certs-dir, and --metrics-address= (metrics off)
	// unless Args set --metrics-address themselves.
	Args []string
	// Insecure serves plain-text gRPC (--insecure), as the Development
	// runtime of crossplane render expects.
	Insecure bool
	// TLSCertsDir serves gRPC with mTLS (--tls-certs-dir), as Crossplane
	// calls functions: the directory holds tls.crt, tls.key and the ca.crt
	// that client certificates must be signed by. Exactly one of Insecure
	// and TLSCertsDir must be set.
	TLSCertsDir string
	// Env is added to this process's environment for the function.
	Env []string
	// Log also receives what the function prints; nil for nowhere else.
	// Proc.Log keeps it either way.
	Log io.Writer
	// StartTimeout bounds the wait for the port; zero is
	// DefaultStartTimeout.
	StartTimeout time.Duration
	// NoMetricsFlag is for another function's binary that has no
	// --metrics-address flag (the load driver's peer): Start does not set
	// it.
	NoMetricsFlag bool
}

// flags are the function's flags but --address.
func (o Options) flags() ([]string, error) {
	if o.Binary == "" {
		return nil, errors.New("fnproc: Options.Binary is empty")
	}
	var flags []string
	switch {
	case o.Insecure && o.TLSCertsDir != "":
		return nil, errors.New("fnproc: set Insecure or TLSCertsDir, not both (the function ignores the certificates when insecure)")
	case o.Insecure:
		flags = append(flags, "--insecure")
	case o.TLSCertsDir != "":
		flags = append(flags, "--tls-certs-dir="+o.TLSCertsDir)
	default:
		return nil, errors.New("fnproc: set Insecure or TLSCertsDir (the function serves mTLS by default and needs certificates)")
	}
	if !o.NoMetricsFlag && !setsFlag(o.Args, "--metrics-address") {
		// The default :8080 would clash between two functions, or with
		// anything else on the machine.
		flags = append(flags, "--metrics-address=")
	}
	return append(flags, o.Args...), nil
}

// setsFlag reports whether args set the flag name, as "name value" or
// "name=value".
func setsFlag(args []string, name string) bool {
	for _, a := range args {
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

// Proc is a running function.
type Proc struct {
	addr      string
	cmd       *exec.Cmd
	started   time.Time
	listening time.Duration
	log       *lockedBuffer

	exited  chan struct{} // closed once the process has ended
	waitErr error         // what Wait returned; read after exited is closed

	stopOnce sync.Once
	stopErr  error
}

// Start starts the function on a free 127.0.0.1 port and returns once the
// port accepts connections (the SDK listens right before it serves gRPC, so
// calls made from then on are served). When the function exits first, the
// error holds what it printed; when its port was taken meanwhile, Start tries
// another one. The process lives until Stop, or until ctx is done (then it
// gets SIGTERM, and is killed if it is still running 5 s later).
func Start(ctx context.Context, o Options) (*Proc, error) {
	return start(ctx, o, freeAddress)
}

// start is Start with the choice of address replaceable, for the tests.
func start(ctx context.Context, o Options, pick func() (string, error)) (*Proc, error) {
	flags, err := o.flags()
	if err != nil {
		return nil, err
	}
	timeout := o.StartTimeout
	if timeout <= 0 {
		timeout = DefaultStartTimeout
	}
	var lastErr error
	for range portAttempts {
		addr, err := pick()
		if err != nil {
			return nil, fmt.Errorf("fnproc: cannot find a free port: %w", err)
		}
		p, err := launch(ctx, o, addr, flags)
		if err != nil {
			return nil, err
		}
		err = p.waitListening(ctx, timeout)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, errAddressInUse) {
			return nil, err
		}
		lastErr = err
	}
	return nil, fmt.Errorf("fnproc: no free port after %d attempts: %w", portAttempts, lastErr)
}

// launch starts the process on addr.
func launch(ctx context.Context, o Options, addr string, flags []string) (*Proc, error) {
	p := &Proc{addr: addr, log: &lockedBuffer{}, exited: make(chan struct{})}
	var out io.Writer = p.log
	if o.Log != nil {
		out = io.MultiWriter(p.log, o.Log)
	}
	p.cmd = exec.CommandContext(ctx, o.Binary, append([]string{"--address=" + addr}, flags...)...)
	p.cmd.Stdout, p.cmd.Stderr = out, out
	p.cmd.Env = append(os.Environ(), o.Env...)
	p.cmd.Cancel = func() error { return p.cmd.Process.Signal(syscall.SIGTERM) }
	p.cmd.WaitDelay = stopGrace
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("fnproc: cannot start %s: %w", o.Binary, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// waitListening waits until the port accepts a connection. On any failure
// the process has ended when it returns.
func (p *Proc) waitListening(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dialer := &net.Dialer{Timeout: dialTimeout}
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		ok, err := p.accepts(ctx, dialer)
		if ok {
			return nil
		}
		if err != nil {
			return p.failed(err)
		}
		select {
		case <-p.exited:
			return p.exitedEarly()
		case <-ctx.Done():
			_ = p.Stop()
			return fmt.Errorf("fnproc: nothing listens on %s after %s: %w\n%s", p.addr, time.Since(p.started).Round(time.Millisecond), ctx.Err(), p.Log())
		case <-tick.C:
		}
	}
}

// accepts reports whether the port accepts connections and the function is
// the one listening on it, and records when that was first seen.
func (p *Proc) accepts(ctx context.Context, dialer *net.Dialer) (bool, error) {
	if !canConnect(ctx, dialer, p.addr) {
		return false, nil
	}
	at := time.Since(p.started)
	mine, err := listensOn(p.Pid(), p.addr)
	if err != nil || !mine {
		// Another process holds the port: the function will fail to
		// listen and exit, and Start tries another port.
		return false, err
	}
	p.listening = at
	return true, nil
}

// canConnect reports whether addr accepts a TCP connection.
func canConnect(ctx context.Context, dialer *net.Dialer, addr string) bool {
	c, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

// failed stops the process after an error while waiting for it. Reading
// /proc fails when the process has just ended, a moment before Wait returns:
// then its exit is the error.
func (p *Proc) failed(err error) error {
	select {
	case <-p.exited:
		return p.exitedEarly()
	case <-time.After(exitSettle):
	}
	_ = p.Stop()
	return fmt.Errorf("fnproc: cannot tell whether the function listens on %s: %w\n%s", p.addr, err, p.Log())
}

// exitedEarly is the error of a process that ended before it listened.
func (p *Proc) exitedEarly() error {
	log := p.Log()
	err := fmt.Errorf("fnproc: the function exited before it listened on %s (%w):\n%s", p.addr, p.waitErr, log)
	if strings.Contains(log, errAddressInUse.Error()) {
		return errors.Join(errAddressInUse, err)
	}
	return err
}

// Address is the host:port the function serves gRPC on.
func (p *Proc) Address() string { return p.addr }

// Pid is the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// StartedAt is when the process was started.
func (p *Proc) StartedAt() time.Time { return p.started }

// ListeningAfter is how long after StartedAt the port first accepted a
// connection (to within a millisecond).
func (p *Proc) ListeningAfter() time.Duration { return p.listening }

// Log is what the function has printed so far, stdout and stderr together.
func (p *Proc) Log() string { return p.log.String() }

// Stop ends the function: SIGTERM, and SIGKILL if it is still running 5 s
// later. It returns an error, with the function's log, when the function
// had to be killed or had ended by itself with a failure; ending on SIGTERM
// is a clean stop. Calling it again returns the same.
func (p *Proc) Stop() error {
	p.stopOnce.Do(func() { p.stopErr = p.stop() })
	return p.stopErr
}

func (p *Proc) stop() error {
	select {
	case <-p.exited:
		return p.exitError()
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return p.exitError()
	case <-time.After(stopGrace):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("fnproc: the function did not stop within %s of SIGTERM and was killed:\n%s", stopGrace, p.Log())
	}
}

// exitError is nil when the process exited 0 or ended on SIGTERM (from Stop
// or from its context).
func (p *Proc) exitError() error {
	st := p.cmd.ProcessState
	if st.Success() {
		return nil
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM {
		return nil
	}
	return fmt.Errorf("fnproc: the function failed (%s):\n%s", st, p.Log())
}

// freeAddress returns a loopback address nothing listens on right now.
func freeAddress() (string, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listen on 127.0.0.1:0: %w", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("close %s: %w", addr, err)
	}
	return addr, nil
}

// shippedBuildFlags are the go build flags of the shipped binary (the
// Dockerfile and .ci/build-packages): what is tested and measured is what
// runs in a cluster. Stripping the symbol table matters to the figures: the
// stripped binary's idle RSS was about 4 MiB smaller (load driver, 45.2-45.5
// against 48.9-49.4 MiB), the rest of its pages being the same.
func shippedBuildFlags() []string { return []string{"-trimpath", "-ldflags=-s -w"} }

// Build builds the main package in dir into out, as it is shipped, and
// returns out as an absolute path. The go command's output is in the error.
func Build(ctx context.Context, dir, out string) (string, error) {
	abs, err := filepath.Abs(out)
	if err != nil {
		return "", fmt.Errorf("fnproc: %w", err)
	}
	args := append([]string{"build"}, shippedBuildFlags()...)
	cmd := exec.CommandContext(ctx, "go", append(args, "-o", abs, ".")...)
	cmd.Dir = dir
	if output, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("fnproc: go build in %s: %w\n%s", dir, err, output)
	}
	return abs, nil
}

// lockedBuffer collects the process's output while others read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if err != nil {
		return n, fmt.Errorf("fnproc: log: %w", err)
	}
	return n, nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
