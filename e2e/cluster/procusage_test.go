package cluster

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// userHZ is the unit of the CPU times in /proc/<pid>/stat: USER_HZ, 100 on
// every Linux architecture Go runs on (proc(5)).
const userHZ = 100

// errProcFormat: a /proc file is not as proc(5) describes it.
var errProcFormat = errors.New("unexpected /proc format")

// procUsage is a running process's memory and CPU time so far.
type procUsage struct {
	rssKiB, peakKiB int64         // VmRSS and VmHWM
	cpu             time.Duration // user + system
}

func (u procUsage) String() string {
	return fmt.Sprintf("RSS %d MiB (peak %d MiB), CPU %.1f s", u.rssKiB/1024, u.peakKiB/1024, u.cpu.Seconds())
}

// readUsage reads /proc/<pid>/status and /proc/<pid>/stat.
func readUsage(pid int) (procUsage, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procUsage{}, fmt.Errorf("cannot read the status of %d: %w", pid, err)
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procUsage{}, fmt.Errorf("cannot read the stat of %d: %w", pid, err)
	}
	var u procUsage
	if u.rssKiB, err = statusKiB(string(status), "VmRSS"); err != nil {
		return procUsage{}, err
	}
	if u.peakKiB, err = statusKiB(string(status), "VmHWM"); err != nil {
		return procUsage{}, err
	}
	if u.cpu, err = statCPU(string(stat)); err != nil {
		return procUsage{}, err
	}
	return u, nil
}

// statusKiB is a "<key>:   1234 kB" line of /proc/<pid>/status.
func statusKiB(status, key string) (int64, error) {
	for line := range strings.SplitSeq(status, "\n") {
		v, ok := strings.CutPrefix(line, key+":")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: %s: %q", errProcFormat, key, line)
		}
		return n, nil
	}
	return 0, fmt.Errorf("%w: no %s", errProcFormat, key)
}

// statCPU is utime + stime (fields 14 and 15) of /proc/<pid>/stat. The
// command name (field 2) is in parentheses and may hold spaces and
// parentheses itself, so the fields are counted after its last ')'.
func statCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("%w: stat %q", errProcFormat, stat)
	}
	// After the name: state (field 3) is [0], so utime (14) is [11].
	fields := strings.Fields(stat[i+1:])
	const utime, stime = 11, 12
	if len(fields) <= stime {
		return 0, fmt.Errorf("%w: stat %q", errProcFormat, stat)
	}
	var ticks int64
	for _, f := range []string{fields[utime], fields[stime]} {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: stat %q", errProcFormat, stat)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

func TestStatCPU(t *testing.T) {
	cases := map[string]struct {
		stat    string
		want    time.Duration
		wantErr bool
	}{
		"PlainName": {
			stat: "4242 (crossplane) S 1 4242 4242 0 -1 4194560 52311 0 3 0 1234 567 0 0 20 0 14 0 8001 1904971776 30419 18446744073709551615",
			want: 18010 * time.Millisecond,
		},
		"NameWithSpaceAndParenthesis": {
			stat: "7 (kube (api) server) R 1 7 7 0 -1 4194560 10 0 0 0 250 50 0 0 20 0 9 0 100 1000 10 18446744073709551615",
			want: 3 * time.Second,
		},
		"Truncated": {
			stat:    "7 (x) R 1 7 7",
			wantErr: true,
		},
		"NotANumber": {
			stat:    "7 (x) R 1 7 7 0 -1 4194560 10 0 0 0 ab 50 0 0",
			wantErr: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := statCPU(tc.stat)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("statCPU(%q) = %v, %v; want %v, error %t", tc.stat, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestStatusKiB(t *testing.T) {
	const status = "Name:\tcrossplane\nVmPeak:\t 2000000 kB\nVmHWM:\t  210344 kB\nVmRSS:\t  180220 kB\nThreads:\t14\n"
	cases := map[string]struct {
		key     string
		want    int64
		wantErr bool
	}{
		"VmRSS":   {key: "VmRSS", want: 180220},
		"VmHWM":   {key: "VmHWM", want: 210344},
		"Missing": {key: "VmSwap", wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := statusKiB(status, tc.key)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("statusKiB(%s) = %d, %v; want %d, error %t", tc.key, got, err, tc.want, tc.wantErr)
			}
		})
	}
}
