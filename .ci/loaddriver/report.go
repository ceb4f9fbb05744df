package main

import (
	"bufio"
	"cmp"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/protobuf/proto"
)

// Table layout and the percentiles the tables show.
const (
	columnPadding = 2 // spaces between tabwriter columns
	p50           = 50
	p99           = 99
	p100          = 100
	mebibyte      = 1 << 20
	kibibyte      = 1 << 10
	loadFields    = 3 // the 1, 5 and 15 minute averages of /proc/loadavg
)

// printMachine prints what the figures depend on.
func printMachine(bin, xr string, phases []phase) {
	fmt.Println("Machine")
	fmt.Printf("  CPUs:         %d (%s), GOMAXPROCS %d\n", runtime.NumCPU(), cpuModel(), runtime.GOMAXPROCS(0))
	fmt.Printf("  Go:           %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Printf("  Load average: %s\n", loadAverage())
	fmt.Printf("  Function:     %s\n", bin)
	fmt.Printf("  XR:           %s\n", xr)
	fmt.Println("Requests")
	for _, ph := range phases {
		fmt.Printf("  %-9s %3d observed, request %s -> %3d desired, response %s\n", ph.Name,
			len(ph.Req.GetObserved().GetResources()), kib(proto.Size(ph.Req)),
			len(ph.Want.GetDesired().GetResources()), kib(proto.Size(ph.Want)))
	}
	fmt.Println()
}

// printStartups prints every start of the binary (one per load level) and
// the median and worst of them.
func printStartups(starts []startup) {
	fmt.Printf("Start-up (%d starts of the binary, one per load level)\n", len(starts))
	w := tabwriter.NewWriter(os.Stdout, 0, 0, columnPadding, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "start\tlistening after\tfirst response after\tidle RSS\tof it anon\tof it file\tidle VmHWM\t")
	for i, st := range starts {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", i+1, ms(st.Listening), ms(st.ColdStart),
			mib(st.Idle.RSS), mib(st.Idle.Anon), mib(st.Idle.File), mib(st.Idle.Peak))
	}
	cold, rss := coldStarts(starts), idleRSS(starts)
	fmt.Fprintf(w, "median\t\t%s\t%s\t\t\t\t\n", ms(median(cold)), mib(median(rss)))
	fmt.Fprintf(w, "worst\t\t%s\t%s\t\t\t\t\n", ms(slices.Max(cold)), mib(slices.Max(rss)))
	_ = w.Flush()
	fmt.Println()
}

func coldStarts(starts []startup) []time.Duration {
	out := make([]time.Duration, len(starts))
	for i, st := range starts {
		out[i] = st.ColdStart
	}
	return out
}

func idleRSS(starts []startup) []int64 {
	out := make([]int64, len(starts))
	for i, st := range starts {
		out[i] = st.Idle.RSS
	}
	return out
}

// median is the lower median.
func median[T cmp.Ordered](v []T) T {
	s := slices.Sorted(slices.Values(v))
	return s[(len(s)-1)/2]
}

func printLevels(n int, levels []level) {
	fmt.Printf("Load (%d requests per phase and level, one connection, loopback; peak RSS is the level's process VmHWM)\n", n)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, columnPadding, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "phase\tconcurrency\trequests\treq/s\tp50\tp99\tmax\tserver CPU/req\tclient CPU/req\tpeak RSS\t")
	for _, l := range levels {
		perRequest := func(d time.Duration) string { return ms(d / time.Duration(l.Requests)) }
		fmt.Fprintf(w, "%s\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t\n", l.Phase, l.Concurrency, l.Requests,
			l.Throughput(), ms(l.Percentile(p50)), ms(l.Percentile(p99)), ms(l.Percentile(p100)),
			perRequest(l.ServerCPU), perRequest(l.ClientCPU), mib(l.Peak))
	}
	_ = w.Flush()
	fmt.Println()
}

func verdict(w *tabwriter.Writer, name, got, budget string, ok bool) {
	v := "MISS"
	if ok {
		v = "PASS"
	}
	fmt.Fprintf(w, "  %s\t%s\t%s\t%s\n", name, got, budget, v)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/mebibyte) }

func kib(b int) string { return fmt.Sprintf("%.1f KiB", float64(b)/kibibyte) }

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if name, value, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown CPU"
}

// loadAverage is /proc/loadavg's 1, 5 and 15 minute averages: other work on
// the machine skews every figure.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(raw))
	if len(f) < loadFields {
		return "unknown"
	}
	return strings.Join(f[:loadFields], " ")
}
