package main

import (
	"fmt"
	"os"
	"slices"
	"text/tabwriter"
)

// floor is what one run measured of the floor.
type floor struct {
	// Peaks are the function's peak RSS of every process loaded at
	// budgetPeakAt: the load levels' and the side by side's.
	Peaks []int64
	// Speedups are the peer's p50 at concurrency 1 over the function's,
	// one per round; none without a peer.
	Speedups []float64
}

// floorOf collects the floor's figures of the load levels and the rounds.
func floorOf(levels []level, rounds []round) floor {
	var f floor
	for _, l := range levels {
		if l.Concurrency == budgetPeakAt {
			f.Peaks = append(f.Peaks, l.Peak)
		}
	}
	for _, r := range rounds {
		f.Peaks = append(f.Peaks, r.Peak)
		f.Speedups = append(f.Speedups, r.P50)
	}
	return f
}

// floorLine is one line of the floor: a figure against its budget, or why
// the run did not measure it.
type floorLine struct {
	Name, Got, Budget string
	Pass              bool
	// Skipped says why the figure was not measured; empty when it was.
	Skipped string
}

// lines judges the floor: the worst peak RSS, and the median speed-up of
// the rounds (one round's ratio moves with whatever the machine does at
// that moment, the median of rounds measured in turn much less).
func (f floor) lines() []floorLine {
	peak := floorLine{Name: fmt.Sprintf("the function's peak RSS at concurrency %d", budgetPeakAt), Budget: "<= " + mib(budgetPeakRSS)}
	if len(f.Peaks) == 0 {
		peak.Skipped = fmt.Sprintf("no level at concurrency %d and no -peer-binary", budgetPeakAt)
	} else {
		worst := slices.Max(f.Peaks)
		peak.Name += fmt.Sprintf(" (worst of %d processes)", len(f.Peaks))
		peak.Got, peak.Pass = mib(worst), worst <= budgetPeakRSS
	}
	speedup := floorLine{Name: "p50 at concurrency 1, the peer's over the function's", Budget: fmt.Sprintf(">= %dx", budgetSpeedup)}
	if len(f.Speedups) == 0 {
		speedup.Skipped = "no -peer-binary"
	} else {
		m := median(f.Speedups)
		speedup.Name += fmt.Sprintf(" (median of %d rounds)", len(f.Speedups))
		speedup.Got, speedup.Pass = fmt.Sprintf("%.2fx", m), m >= budgetSpeedup
	}
	return []floorLine{peak, speedup}
}

// printFloor prints every line of the floor with PASS or MISS.
func printFloor(f floor) {
	fmt.Println("Floor")
	w := tabwriter.NewWriter(os.Stdout, 0, 0, columnPadding, ' ', 0)
	for _, l := range f.lines() {
		if l.Skipped != "" {
			fmt.Fprintf(w, "  %s\tnot measured: %s\n", l.Name, l.Skipped)
			continue
		}
		verdict(w, l.Name, l.Got, l.Budget, l.Pass)
	}
	_ = w.Flush()
	fmt.Println()
}
