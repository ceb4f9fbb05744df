package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/platform/function-catalog-api/fn"
	"github.com/platform/function-catalog-api/fn/providersim"
)

// A simulated day of one XR, as Crossplane v2.2 reconciles it with realtime
// compositions on (its default): the XR reconciler renders when the XR or
// any composed resource changes, and otherwise after the response's TTL
// (with Crossplane's ±10 % jitter). The provider creates what is rendered
// and reports each resource Ready after a typical creation time; at noon
// the image changes (a rollout). Each render is counted per hour, and so
// is each call that Crossplane's function response cache
// (--enable-function-response-cache) would not answer: it answers a
// request identical to one it cached within the TTL. Not modelled: the
// circuit breaker dropping event bursts, and status updates a provider
// makes on a converged resource (neither changes the comparison: both
// add the same renders before and after).

const (
	simDay       = 24 * time.Hour
	simDay2At    = 12 * time.Hour
	simOldTTL    = time.Minute // what the function answered before: the SDK's DefaultTTL
	simCacheMax  = 24 * time.Hour
	simJitter    = 0.1             // Crossplane's jitter: ±10 % of the TTL
	simEventLag  = 5 * time.Second // from a change to the XR's render
	simCreateLag = 20 * time.Second
)

// The simulation's fixed random seed: any fixed pair makes every run print
// the same day, and both policies see the same jitter.
const (
	simSeed1 = 1
	simSeed2 = 2
)

// How long AWS takes to make a kind Ready: the hints the function's
// conditions give; other kinds take simCreateLag.
const (
	simNATGatewayReady   = 4 * time.Minute
	simLoadBalancerReady = 3 * time.Minute
	simDBClusterReady    = 8 * time.Minute
	simDBInstanceReady   = 15 * time.Minute
	simDistributionReady = 10 * time.Minute
	simECSServiceReady   = 3 * time.Minute
	simJitterSpan        = 2                          // the jitter spans ±simJitter: twice simJitter
	simJitterCentre      = 0.5                        // centres rand's [0, 1) on 0
	simConvergedFrom     = 2                          // first hour after creation converged
	simConvergedUntil    = int(simDay2At / time.Hour) // the image update\'s hour
)

// simCreationTime is how long AWS takes to make the kind (group/Kind) Ready.
func simCreationTime(kind string) (time.Duration, bool) {
	switch kind {
	case "ec2.aws.m.upbound.io/NATGateway":
		return simNATGatewayReady, true
	case "elbv2.aws.m.upbound.io/LB":
		return simLoadBalancerReady, true
	case "rds.aws.m.upbound.io/Cluster":
		return simDBClusterReady, true
	case "rds.aws.m.upbound.io/ClusterInstance":
		return simDBInstanceReady, true
	case "cloudfront.aws.m.upbound.io/Distribution":
		return simDistributionReady, true
	case "ecs.aws.m.upbound.io/Service":
		return simECSServiceReady, true
	default:
		return 0, false
	}
}

// simCounts are one hour's renders.
type simCounts struct{ Renders, Calls int }

// simulator is one XR's day under one TTL policy.
type simulator struct {
	until   time.Duration
	f       *fn.Function
	ttl     func(*fnv1.RunFunctionResponse) time.Duration
	rng     *rand.Rand
	readyAt map[string]time.Duration // when each created resource is Ready
	events  []time.Duration          // when a composed resource changes
	desired map[string]*fnv1.Resource
	cache   map[[32]byte]cached // by request digest
	hours   [24]simCounts
}

// cached is a response in the function response cache.
type cached struct {
	Deadline, TTL time.Duration
}

// simulateDay prints renders per hour with the old fixed TTL and with the
// function's TTLs.
func simulateDay(ctx context.Context, root string, xr *structpb.Struct) error {
	day2, err := readXR(filepath.Join(root, "examples", "xr-image-update.yaml"))
	if err != nil {
		return err
	}
	before, err := runDay(ctx, xr, day2, oldTTL, simDay)
	if err != nil {
		return err
	}
	after, err := runDay(ctx, xr, day2, responseTTL, simDay)
	if err != nil {
		return err
	}
	printDay(before, after)
	return nil
}

// oldTTL is the TTL policy before: always the SDK's default.
func oldTTL(*fnv1.RunFunctionResponse) time.Duration { return simOldTTL }

// responseTTL is the function's own TTL.
func responseTTL(r *fnv1.RunFunctionResponse) time.Duration { return r.GetMeta().GetTtl().AsDuration() }

// runDay simulates the XR until the given time of day (at most simDay).
func runDay(ctx context.Context, xr, day2 *structpb.Struct, ttl func(*fnv1.RunFunctionResponse) time.Duration, until time.Duration) ([24]simCounts, error) {
	s := &simulator{
		until:   min(until, simDay),
		f:       fn.NewFunction(logging.NewNopLogger()),
		ttl:     ttl,
		rng:     rand.New(rand.NewPCG(simSeed1, simSeed2)), //nolint:gosec // A reproducible simulation, not a secret.
		readyAt: map[string]time.Duration{},
		cache:   map[[32]byte]cached{},
	}
	err := s.run(ctx, xr, day2)
	return s.hours, err
}

// run is the event loop: the next reconcile is the earliest of the pending
// requeue, the next change event and the day-2 update.
func (s *simulator) run(ctx context.Context, xr, day2 *structpb.Struct) error {
	requeue := time.Duration(0) // the XR's creation
	last := time.Duration(-1)
	day2Done := false
	for {
		now := requeue
		if e, ok := s.nextEvent(last); ok && e < now {
			now = e
		}
		if !day2Done && simDay2At <= now {
			now, day2Done, xr = simDay2At, true, day2
		}
		if now >= s.until {
			return nil
		}
		ttl, err := s.reconcile(ctx, now, xr)
		if err != nil {
			return fmt.Errorf("at %s: %w", now, err)
		}
		last = now
		next := now + s.jitter(ttl)
		if requeue <= now || next < requeue {
			requeue = next
		}
	}
}

// nextEvent is the earliest change of a composed resource after now.
func (s *simulator) nextEvent(after time.Duration) (time.Duration, bool) {
	var best time.Duration
	found := false
	for _, t := range s.events {
		if e := t + simEventLag; e > after && (!found || e < best) {
			best, found = e, true
		}
	}
	return best, found
}

func (s *simulator) jitter(d time.Duration) time.Duration {
	return d + time.Duration((s.rng.Float64()-simJitterCentre)*simJitterSpan*simJitter*float64(d))
}

// reconcile renders (unless the cache answers), creates what is new, and
// returns the TTL Crossplane requeues after.
func (s *simulator) reconcile(ctx context.Context, now time.Duration, xr *structpb.Struct) (time.Duration, error) {
	req := newRequest(xr, s.observe(now))
	digest, err := requestDigest(req)
	if err != nil {
		return 0, err
	}
	hour := &s.hours[int(now/time.Hour)]
	hour.Renders++
	if c, ok := s.cache[digest]; ok && now < c.Deadline {
		return c.TTL, nil
	}
	hour.Calls++
	rsp, err := s.f.RunFunction(ctx, req)
	if err == nil {
		err = fatal(rsp)
	}
	if err != nil {
		return 0, err
	}
	ttl := s.ttl(rsp)
	s.cache[digest] = cached{Deadline: now + min(ttl, simCacheMax), TTL: ttl}
	s.desired = rsp.GetDesired().GetResources()
	created := false
	for _, key := range slices.Sorted(maps.Keys(s.desired)) {
		if _, ok := s.readyAt[key]; !ok {
			ready := now + creationTime(s.desired[key])
			s.readyAt[key] = ready
			s.events = append(s.events, ready)
			created = true
		}
	}
	if created {
		// The provider reports what it created (Synced, external name).
		s.events = append(s.events, now)
	}
	return ttl, nil
}

// observe is what the provider reports at now: every created resource,
// Ready once its creation time has passed.
func (s *simulator) observe(now time.Duration) map[string]*fnv1.Resource {
	if s.desired == nil {
		return nil
	}
	observed := providersim.Observe(s.desired)
	for key, r := range observed {
		if now < s.readyAt[key] {
			providersim.SetReady(r, false, "Creating")
		}
	}
	return observed
}

func creationTime(r *fnv1.Resource) time.Duration {
	f := r.GetResource().GetFields()
	group, _, _ := strings.Cut(f["apiVersion"].GetStringValue(), "/")
	if d, ok := simCreationTime(group + "/" + f["kind"].GetStringValue()); ok {
		return d
	}
	return simCreateLag
}

// requestDigest identifies a request as the response cache does (a digest
// of its deterministic encoding).
func requestDigest(req *fnv1.RunFunctionRequest) ([32]byte, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(req)
	if err != nil {
		return [32]byte{}, fmt.Errorf("cannot encode the request: %w", err)
	}
	return sha256.Sum256(b), nil
}

func printDay(before, after [24]simCounts) {
	fmt.Printf("Simulated day of one XR (realtime compositions; created at 00:00, image update at %02d:00)\n", int(simDay2At.Hours()))
	fmt.Printf("Renders per hour: every reconcile; calls: those the function response cache would not answer\n")
	w := tabwriter.NewWriter(os.Stdout, 0, 0, columnPadding, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "hour\tTTL %s: renders\tcalls with cache\tTTL %s/%s: renders\tcalls with cache\t\n", simOldTTL, fn.TTLConverging, fn.TTLReady)
	var tb, ta simCounts
	for h := range before {
		b, a := before[h], after[h]
		fmt.Fprintf(w, "%02d\t%d\t%d\t%d\t%d\t\n", h, b.Renders, b.Calls, a.Renders, a.Calls)
		tb.Renders, tb.Calls, ta.Renders, ta.Calls = tb.Renders+b.Renders, tb.Calls+b.Calls, ta.Renders+a.Renders, ta.Calls+a.Calls
	}
	fmt.Fprintf(w, "day\t%d\t%d\t%d\t%d\t\n", tb.Renders, tb.Calls, ta.Renders, ta.Calls)
	_ = w.Flush()
	steady := func(c [24]simCounts) float64 {
		hours := c[simConvergedFrom:simConvergedUntil]
		return float64(sumRenders(hours)) / float64(len(hours))
	}
	fmt.Printf("Converged hours (02-11): %.1f renders per XR per hour before, %.1f after\n\n", steady(before), steady(after))
}

func sumRenders(c []simCounts) int {
	n := 0
	for _, h := range c {
		n += h.Renders
	}
	return n
}
