package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFloorOf: the peaks are those of the levels at budgetPeakAt and of
// every round; the speed-ups are the rounds' p50 ratios.
func TestFloorOf(t *testing.T) {
	levels := []level{
		{Phase: "Nothing", Concurrency: 1, Peak: 50 << 20},
		{Phase: "Complete", Concurrency: budgetPeakAt, Peak: 90 << 20},
		{Phase: "Complete", Concurrency: 8, Peak: 70 << 20},
	}
	rounds := []round{{P50: 4, Peak: 95 << 20}, {P50: 3.5, Peak: 85 << 20}}
	want := floor{Peaks: []int64{90 << 20, 95 << 20, 85 << 20}, Speedups: []float64{4, 3.5}}
	if diff := cmp.Diff(want, floorOf(levels, rounds)); diff != "" {
		t.Errorf("floorOf -want, +got:\n%s", diff)
	}
}

// TestFloorLines: the worst peak and the median speed-up are judged against
// the floor, both bounds included; a figure not measured says why.
func TestFloorLines(t *testing.T) {
	cases := map[string]struct {
		floor     floor
		wantGot   []string
		wantPass  []bool
		wantSkips []bool
	}{
		"AtTheFloor": {
			floor:   floor{Peaks: []int64{80 << 20, budgetPeakRSS}, Speedups: []float64{2, budgetSpeedup, 5}},
			wantGot: []string{"100.0 MiB", "3.00x"}, wantPass: []bool{true, true}, wantSkips: []bool{false, false},
		},
		"WorstPeakOver": {
			floor:   floor{Peaks: []int64{budgetPeakRSS + 1<<20, 80 << 20}, Speedups: []float64{5}},
			wantGot: []string{"101.0 MiB", "5.00x"}, wantPass: []bool{false, true}, wantSkips: []bool{false, false},
		},
		"MedianSpeedupUnder": {
			floor:   floor{Peaks: []int64{80 << 20}, Speedups: []float64{2.9, 2.5, 6}},
			wantGot: []string{"80.0 MiB", "2.90x"}, wantPass: []bool{true, false}, wantSkips: []bool{false, false},
		},
		"NoPeer": {
			floor:   floor{Peaks: []int64{80 << 20}},
			wantGot: []string{"80.0 MiB", ""}, wantPass: []bool{true, false}, wantSkips: []bool{false, true},
		},
		"NothingMeasured": {
			wantGot: []string{"", ""}, wantPass: []bool{false, false}, wantSkips: []bool{true, true},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got []string
			var pass, skips []bool
			for _, l := range tc.floor.lines() {
				got = append(got, l.Got)
				pass = append(pass, l.Pass)
				skips = append(skips, l.Skipped != "")
			}
			if diff := cmp.Diff(tc.wantGot, got); diff != "" {
				t.Errorf("figures -want, +got:\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantPass, pass); diff != "" {
				t.Errorf("PASS -want, +got:\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantSkips, skips); diff != "" {
				t.Errorf("not measured -want, +got:\n%s", diff)
			}
		})
	}
}
