package fn

import (
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// How long Crossplane may keep using a render (the response's TTL).
//
// With realtime compositions (on by default in Crossplane v2) a change of
// the XR or of a composed resource starts a render at once, through the
// XR's watch circuit breaker, and the XR reconciler requeues the XR after
// the pipeline's shortest TTL. While the breaker is open (default: a burst
// of 100 events, refilled at 1 per second) events are dropped and the
// reconciler only marks the XR; the requeue still happens. So the TTL is
// what moves a stack on whenever the breaker is open, and creating a stack
// of about 75 resources spends a burst of 100 tokens whatever the watches
// do: the TTL decides the time to Ready.
//
// The cost of a render is one server-side apply per composed resource plus
// the XR's status: about 75 API requests for the whole stack, fewer while it
// is still being created. Per claim-hour, at the requeue rate alone (events
// add renders only while something changes):
//
//	holding resources back   5 s   720 renders/h   at most ~25,000 requests/h, for seconds
//	converging               5 s   720 renders/h   ~53,000 requests/h, while AWS creates
//	Ready                    2 m    30 renders/h    ~2,300 requests/h
//
// Holding back lasts one render per phase (newkinds.go); converging lasts
// as long as AWS takes to create the stack (Aurora and CloudFront: 15 to
// 30 minutes), once per claim and after a change; Ready is the rest of the
// stack's life, and stays at Crossplane's 30 renders an hour or below.
const (
	// TTLHolding is the TTL while the render holds resources back (one of a
	// kind first): the rest follows as soon as the first is created, which
	// takes Crossplane and the API server a moment.
	TTLHolding = 5 * time.Second
	// TTLConverging is the TTL while any part is not Ready: the next phase
	// waits for what AWS reports Ready, and with the breaker open (it opens
	// once for every claim) only the requeue notices it. Measured with two
	// claims on Crossplane's defaults: Ready in 31-33 s at 5 s, 50 s at 10 s.
	TTLConverging = 5 * time.Second
	// TTLReady is the TTL once every part is Ready. Nothing the function
	// reads changes without an event, but the breaker also drops the XR's
	// own events (Crossplane v2.2.0 passes them through the same breaker),
	// so a change of the CatalogApi's spec (a new image) made while the
	// breaker is open waits for this requeue: two minutes bounds that wait,
	// and is 30 renders an hour.
	TTLReady = 2 * time.Minute
)

// ttlOf is the TTL of a render: holding resources back, converging, or
// Ready.
func ttlOf(holding, ready bool) time.Duration {
	switch {
	case holding:
		return TTLHolding
	case ready:
		return TTLReady
	default:
		return TTLConverging
	}
}

// setTTL sets the response's TTL.
func setTTL(rsp *fnv1.RunFunctionResponse, ttl time.Duration) {
	if rsp.GetMeta() == nil {
		rsp.Meta = &fnv1.ResponseMeta{}
	}
	rsp.Meta.Ttl = durationpb.New(ttl)
}
