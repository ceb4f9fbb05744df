package main

import (
	"context"
	"testing"
	"time"

	"github.com/platform/function-catalog-api/fn"
)

// TestSimulatedHours: with the function's TTLs a converged XR renders about
// once per fn.TTLReady an hour, with the old fixed minute about sixty; both
// render more while the stack is created.
func TestSimulatedHours(t *testing.T) {
	xr, err := readXR("../../examples/xr.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const hours = 2
	before, err := runDay(context.Background(), xr, xr, oldTTL, hours*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	after, err := runDay(context.Background(), xr, xr, responseTTL, hours*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	perReadyTTL := int(time.Hour / fn.TTLReady)
	cases := map[string]struct {
		got      int
		min, max int
	}{
		"BeforeConverged": {got: before[1].Renders, min: 57, max: 63},
		"AfterConverged":  {got: after[1].Renders, min: perReadyTTL - 1, max: perReadyTTL + 1},
		"AfterCreating":   {got: after[0].Renders, min: 20, max: 80},
		"NoLaterHours":    {got: after[hours].Renders + before[hours].Renders, min: 0, max: 0},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if tc.got < tc.min || tc.got > tc.max {
				t.Errorf("renders = %d, want %d to %d", tc.got, tc.min, tc.max)
			}
		})
	}
	if after[1].Calls > after[1].Renders {
		t.Errorf("the cache cannot add calls: %d calls for %d renders", after[1].Calls, after[1].Renders)
	}
}
