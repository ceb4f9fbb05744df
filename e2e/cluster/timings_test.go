package cluster

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// timings records how long each phase of the run took.
type timings struct {
	t      *testing.T
	start  time.Time
	phases []timedPhase
}

type timedPhase struct {
	name string
	took time.Duration
}

func newTimings(t *testing.T) *timings {
	t.Helper()
	return &timings{t: t, start: time.Now()}
}

// phase runs f and records its duration under name.
func (tm *timings) phase(name string, f func()) {
	tm.t.Helper()
	start := time.Now()
	defer func() {
		took := time.Since(start)
		tm.phases = append(tm.phases, timedPhase{name: name, took: took})
		tm.t.Logf("phase %q: %s", name, took.Round(time.Millisecond))
	}()
	f()
}

// report is the table of phases and the whole run's wall time.
func (tm *timings) report() string {
	var b strings.Builder
	for _, p := range tm.phases {
		fmt.Fprintf(&b, "  %-60s %8.1f s\n", p.name, p.took.Seconds())
	}
	fmt.Fprintf(&b, "  %-60s %8.1f s\n", "whole run (wall)", time.Since(tm.start).Seconds())
	return b.String()
}
