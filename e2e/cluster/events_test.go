package cluster

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Crossplane's debug log lines this test counts.
const (
	logMapped     = "Mapping composite resource because composed resource changed"
	logReconcile  = "Reconciling"
	logBreakerOn  = "Circuit breaker is open"
	logWatching   = "Started watching GVK"
	logTimeLayout = time.RFC3339 // fractional seconds, if any, parse too
	usageGroup    = "protection.crossplane.io"
)

// events remembers when each XR was claimed and became Ready, to count
// what Crossplane's log says happened in between.
type events struct {
	mu      sync.Mutex
	claim   map[string]time.Time
	readyAt map[string]time.Time
}

func newEvents() *events {
	return &events{claim: map[string]time.Time{}, readyAt: map[string]time.Time{}}
}

func (e *events) claimed(id string, at time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.claim[id] = at
}

// ready records the first time an XR was seen Ready.
func (e *events) ready(id string, at time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.readyAt[id]; !ok {
		e.readyAt[id] = at
	}
}

// xrCounts are what Crossplane did for one XR from claim to Ready.
type xrCounts struct {
	reconciles    int            // XR reconciles: each runs the function pipeline
	mapped        int            // watch events on composed resources mapped to the XR
	mappedByGroup map[string]int // ... by the composed resource's API group
	mappedByName  map[string]int // ... by the composed resource's kind/name
	breakerOpen   int            // reconciles logged with the circuit breaker open
	firstBurst    int            // events in the 5 s after the first reconcile
}

// logLine is one line of Crossplane's development-mode log:
// time, level, logger, message, then the fields as JSON.
type logLine struct {
	at     time.Time
	msg    string
	fields map[string]any
}

func parseLogLine(s string) (logLine, bool) {
	parts := strings.SplitN(s, "\t", 5)
	if len(parts) < 4 {
		return logLine{}, false
	}
	at, err := time.Parse(logTimeLayout, parts[0])
	if err != nil {
		return logLine{}, false
	}
	l := logLine{at: at, msg: parts[3]}
	if len(parts) == 5 {
		_ = json.Unmarshal([]byte(parts[4]), &l.fields)
	}
	return l, true
}

// xrOf returns namespace/name of the XR a counted line is about.
func (l logLine) xrOf() string {
	switch l.msg {
	case logMapped:
		ns, _ := l.fields["namespace"].(string)
		name, _ := l.fields["name"].(string)
		return ns + "/" + name
	case logReconcile, logBreakerOn:
		if r, ok := l.fields["request"].(string); ok {
			return r
		}
		if r, ok := l.fields["request"].(map[string]any); ok {
			return fmt.Sprintf("%v/%v", r["namespace"], r["name"])
		}
	}
	return ""
}

// count reads Crossplane's log and counts, per XR, from its claim to its
// Ready.
func (e *events) count(logPath string) (map[string]*xrCounts, error) {
	f, err := os.Open(logPath)
	if err != nil {
		return nil, fmt.Errorf("cannot read Crossplane's log: %w", err)
	}
	defer func() { _ = f.Close() }()
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string]*xrCounts{}
	first := map[string]time.Time{}
	for id := range e.claim {
		out[id] = &xrCounts{mappedByGroup: map[string]int{}, mappedByName: map[string]int{}}
	}
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<24)
	for s.Scan() {
		l, ok := parseLogLine(s.Text())
		if !ok {
			continue
		}
		id := l.xrOf()
		c := out[id]
		// The log has whole seconds: count from the second of the claim.
		if c == nil || l.at.Before(e.claim[id].Truncate(time.Second)) || (!e.readyAt[id].IsZero() && l.at.After(e.readyAt[id])) {
			continue
		}
		c.add(l, first, id)
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("cannot read Crossplane's log: %w", err)
	}
	return out, nil
}

func (c *xrCounts) add(l logLine, first map[string]time.Time, id string) {
	switch l.msg {
	case logReconcile:
		c.reconciles++
		if _, ok := first[id]; !ok {
			first[id] = l.at
		}
	case logBreakerOn:
		c.breakerOpen++
	case logMapped:
		c.mapped++
		gvk, _ := l.fields["cdGVK"].(string)
		group, _, _ := strings.Cut(gvk, "/")
		c.mappedByGroup[group]++
		name, _ := l.fields["cdName"].(string)
		c.mappedByName[group+"/"+name]++
		if f, ok := first[id]; ok && l.at.Sub(f) <= 5*time.Second {
			c.firstBurst++
		}
	}
}

// watchSources counts, per watched kind, how many event sources Crossplane
// started for composed resources. Crossplane v2.2.0's StartWatches starts
// one source per resource reference of a kind it does not watch yet (its
// snapshot of active informers is taken before the loop), so every event of
// that kind is mapped that many times, for the life of the process.
func watchSources(logPath string) (map[string]int, error) {
	f, err := os.Open(logPath)
	if err != nil {
		return nil, fmt.Errorf("cannot read Crossplane's log: %w", err)
	}
	defer func() { _ = f.Close() }()
	out := map[string]int{}
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<24)
	for s.Scan() {
		l, ok := parseLogLine(s.Text())
		if !ok || l.msg != logWatching || l.fields["watch-type"] != "ComposedResource" {
			continue
		}
		gvk, _ := l.fields["watched-gvk"].(string)
		out[gvk]++
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("cannot read Crossplane's log: %w", err)
	}
	return out, nil
}

// reportEvents prints renders and watch events per XR from claim to Ready,
// with Crossplane's default circuit breaker (item 8 of the issue).
func (cp *controlPlane) reportEvents(t *testing.T, xrs []*unstructured.Unstructured) {
	t.Helper()
	counts, err := cp.events.count(cp.crossplane.log)
	if err != nil {
		t.Error(err)
		return
	}
	for _, xr := range xrs {
		id := xr.GetNamespace() + "/" + xr.GetName()
		c := counts[id]
		took := cp.events.readyAt[id].Sub(cp.events.claim[id])
		groups := make([]string, 0, len(c.mappedByGroup))
		for g, n := range c.mappedByGroup {
			groups = append(groups, fmt.Sprintf("%s=%d", g, n))
		}
		sort.Strings(groups)
		t.Logf("%s claim to Ready in %.1f s: %d XR reconciles (function calls), %d watch events mapped to the XR (%d from Usages; %d in the 5 s after the first render; by group: %s), %d reconciles with the circuit breaker open",
			id, took.Seconds(), c.reconciles, c.mapped, c.mappedByGroup[usageGroup], c.firstBurst, strings.Join(groups, " "), c.breakerOpen)
		t.Logf("%s most frequent sources: %s", id, strings.Join(top(c.mappedByName, topSources), ", "))
	}
	sources, err := watchSources(cp.crossplane.log)
	if err != nil {
		t.Error(err)
		return
	}
	t.Logf("event sources Crossplane started per composed kind (each event is mapped this many times): %s", strings.Join(top(sources, len(sources)), ", "))
}

// topSources is how many of the busiest composed resources are printed.
const topSources = 6

// top returns the n keys with the highest counts, with their counts.
func top(m map[string]int, n int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	if len(keys) > n {
		keys = keys[:n]
	}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return out
}
