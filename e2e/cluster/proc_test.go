package cluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// stopGrace is how long a process may take to exit after SIGTERM
	// before it is killed.
	stopGrace = 10 * time.Second
	// logTailLines is how much of each log a failed run prints.
	logTailLines = 80
)

// process is one program the test started, with its log.
type process struct {
	name    string
	cmd     *exec.Cmd
	log     string
	cancel  context.CancelFunc
	done    chan struct{}
	waitErr error

	stopOnce sync.Once
	peakKiB  int64 // VmHWM, read just before the process is stopped
}

// startProcess starts bin with args, logging to dir/<name>.log. The caller
// registers stop (the harness stops everything in reverse order). The process
// keeps ctx's values but not its cancellation: t.Context() ends before the
// cleanups run, and the ordered teardown needs every process alive.
func startProcess(ctx context.Context, dir, name, bin string, env []string, args ...string) (*process, error) {
	f, err := createLog(dir, name)
	if err != nil {
		return nil, err
	}
	logPath := f.Name()
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	// Stop politely first; WaitDelay kills what does not exit in time.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = stopGrace
	if err := cmd.Start(); err != nil {
		cancel()
		_ = f.Close()
		return nil, fmt.Errorf("cannot start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, cancel: cancel, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		_ = f.Close()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended, and how.
func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.waitErr
	default:
		return false, nil
	}
}

// stop records the peak memory and ends the process.
func (p *process) stop() {
	p.stopOnce.Do(func() {
		if done, _ := p.exited(); !done {
			p.peakKiB = peakRSSKiB(p.cmd.Process.Pid)
		}
		p.cancel()
		<-p.done
	})
}

// peakRSSKiB reads a running process's VmHWM (peak resident set size).
func peakRSSKiB(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// tail returns the last n lines of the process's log.
func (p *process) tail(n int) string { return tailFile(p.log, n) }

// createLog creates dir/<name>.log.
func createLog(dir, name string) (*os.File, error) {
	f, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return nil, fmt.Errorf("cannot create the log of %s: %w", name, err)
	}
	return f, nil
}

// tailFile returns the last n lines of a file.
func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freePort returns a loopback TCP port nobody listens on right now.
func freePort(ctx context.Context, t *testing.T) int {
	t.Helper()
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("cannot find a free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port //nolint:forcetypeassert // A TCP listener has a TCP address.
	if err := l.Close(); err != nil {
		t.Fatalf("cannot release port %d: %v", port, err)
	}
	return port
}

// errExited: a process ended while the test waited for it.
var errExited = errors.New("exited while waiting")

// errNotYet is what a condition returns while it is still waiting.
var errNotYet = errors.New("not yet")

// waitFor polls cond until it returns nil, the process p (if any) exits,
// or timeout passes.
func waitFor(ctx context.Context, timeout time.Duration, what string, p *process, cond func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		if last = cond(ctx); last == nil {
			return nil
		}
		if p != nil {
			if done, err := p.exited(); done {
				return fmt.Errorf("%w: %s: %s (%w)", errExited, what, p.name, err)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: timed out after %s: %w", what, timeout, last)
		case <-tick.C:
		}
	}
}
