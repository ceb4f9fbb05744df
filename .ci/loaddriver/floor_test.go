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

// judged is what a floor line says: its figure, PASS, and whether it was
// measured at all.
type judged struct {
	Got        string
	Pass, Skip bool
}

// TestFloorLines: the worst peak and the median speed-up are judged against
// the floor, both bounds included; a figure not measured says why.
func TestFloorLines(t *testing.T) {
	cases := map[string]struct {
		floor floor
		want  []judged // the peak's line, then the speed-up's
	}{
		"AtTheFloor": {
			floor: floor{Peaks: []int64{80 << 20, budgetPeakRSS}, Speedups: []float64{2, budgetSpeedup, 5}},
			want:  []judged{{Got: "100.0 MiB", Pass: true}, {Got: "3.00x", Pass: true}},
		},
		"WorstPeakOver": {
			floor: floor{Peaks: []int64{budgetPeakRSS + 1<<20, 80 << 20}, Speedups: []float64{5}},
			want:  []judged{{Got: "101.0 MiB"}, {Got: "5.00x", Pass: true}},
		},
		"MedianSpeedupUnder": {
			floor: floor{Peaks: []int64{80 << 20}, Speedups: []float64{2.9, 2.5, 6}},
			want:  []judged{{Got: "80.0 MiB", Pass: true}, {Got: "2.90x"}},
		},
		"NoPeer": {
			floor: floor{Peaks: []int64{80 << 20}},
			want:  []judged{{Got: "80.0 MiB", Pass: true}, {Skip: true}},
		},
		"NothingMeasured": {
			want: []judged{{Skip: true}, {Skip: true}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			lines := tc.floor.lines()
			got := make([]judged, len(lines))
			for i, l := range lines {
				got[i] = judged{Got: l.Got, Pass: l.Pass, Skip: l.Skipped != ""}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("lines -want, +got:\n%s", diff)
			}
		})
	}
}
