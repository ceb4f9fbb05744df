package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// moduleRoot is the directory of the main module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run the load driver inside the function's module")
	}
	return filepath.Dir(gomod), nil
}

// buildFunction builds the function's binary into dir.
func buildFunction(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "function-catalog-api")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build: %w", err)
	}
	return bin, nil
}

// freeAddress returns a loopback address with a port nobody listens on.
func freeAddress() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// server is the function's process.
type server struct {
	Addr    string
	Started time.Time
	cmd     *exec.Cmd
	exited  chan struct{}
	log     lockedBuffer
}

// lockedBuffer collects the process's output while the driver may read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServer starts the function binary as Crossplane's development
// runtime does: plain text gRPC on a loopback port, no metrics server.
func startServer(ctx context.Context, bin string) (*server, error) {
	addr, err := freeAddress()
	if err != nil {
		return nil, err
	}
	s := &server{Addr: addr, exited: make(chan struct{})}
	s.cmd = exec.CommandContext(ctx, bin, "--insecure", "--address", addr, "--metrics-address", "")
	s.cmd.Stdout, s.cmd.Stderr = &s.log, &s.log
	s.cmd.Cancel = func() error { return s.cmd.Process.Signal(syscall.SIGTERM) }
	s.cmd.WaitDelay = 5 * time.Second
	s.Started = time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

// Pid is the process id.
func (s *server) Pid() int { return s.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (s *server) Exited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// Log is what the process wrote so far.
func (s *server) Log() string { return s.log.String() }

// waitListening waits until the server accepts TCP connections and returns
// how long after the process start that was.
func (s *server) waitListening(timeout time.Duration) (time.Duration, error) {
	deadline := s.Started.Add(timeout)
	for time.Now().Before(deadline) {
		if s.Exited() {
			return 0, fmt.Errorf("the function exited before it listened:\n%s", s.Log())
		}
		if c, err := net.DialTimeout("tcp", s.Addr, 50*time.Millisecond); err == nil {
			c.Close()
			return time.Since(s.Started), nil
		}
		time.Sleep(time.Millisecond)
	}
	return 0, fmt.Errorf("the function did not listen on %s within %s", s.Addr, timeout)
}

// Stop ends the process: SIGTERM, then SIGKILL after a grace period.
func (s *server) Stop() {
	if s.Exited() {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// memory is a process's resident set, from /proc/<pid>/status.
type memory struct {
	RSS  int64 // VmRSS, bytes
	Peak int64 // VmHWM, bytes: the highest RSS since the process started
	// RSS is Anon (heap, stacks) plus File (pages of the binary and other
	// mapped files) plus shared memory.
	Anon, File int64
}

func readMemory(pid int) (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch name {
		case "VmRSS":
			m.RSS, err = kilobytes(value)
		case "VmHWM":
			m.Peak, err = kilobytes(value)
		case "RssAnon":
			m.Anon, err = kilobytes(value)
		case "RssFile":
			m.File, err = kilobytes(value)
		}
		if err != nil {
			return memory{}, err
		}
	}
	return m, sc.Err()
}

// kilobytes parses a /proc/<pid>/status size such as "  1234 kB".
func kilobytes(v string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
	return n * 1024, err
}

// userHZ is the unit of the CPU times in /proc/<pid>/stat; it is 100 on
// every Linux architecture Go supports.
const userHZ = 100

// cpuTime is the user+system CPU time the process has used.
func cpuTime(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may contain spaces; fields after it are
	// plain. utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	f := strings.Fields(string(raw[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}
