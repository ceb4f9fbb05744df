package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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
		return "", errors.New("run the load driver inside the function's module")
	}
	return filepath.Dir(gomod), nil
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
		return memory{}, fmt.Errorf("cannot read the memory of process %d: %w", pid, err)
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
			return memory{}, fmt.Errorf("/proc/%d/status: %s: %w", pid, name, err)
		}
	}
	if err := sc.Err(); err != nil {
		return memory{}, fmt.Errorf("cannot read /proc/%d/status: %w", pid, err)
	}
	return m, nil
}

// kilobytes parses a /proc/<pid>/status size such as "  1234 kB".
func kilobytes(v string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size in kB: %w", v, err)
	}
	return n * kibibyte, nil
}

// utime and stime are fields 14 and 15 of /proc/<pid>/stat; counted after
// the command name (field 2), they are fields 12 and 13.
const (
	utimeAfterComm = 11
	stimeAfterComm = 12
)

// userHZ is the unit of the CPU times in /proc/<pid>/stat; it is 100 on
// every Linux architecture Go supports.
const userHZ = 100

// cpuTime is the user+system CPU time the process has used.
func cpuTime(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("cannot read the CPU time of process %d: %w", pid, err)
	}
	// The command name (field 2) may contain spaces; fields after it are
	// plain. utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	f := strings.Fields(string(raw[i+1:]))
	if len(f) <= stimeAfterComm {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	var ticks int64
	for _, s := range f[utimeAfterComm : stimeAfterComm+1] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %q is not a number of ticks: %w", pid, s, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}
