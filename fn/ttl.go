package fn

import (
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// How long Crossplane may keep using a render (the response's TTL). With
// realtime compositions (on by default in Crossplane v2) the XR reconciler
// requeues an XR after the pipeline's shortest TTL, and a change to the XR
// or to any composed resource starts a render at once regardless; with the
// function response cache on, a request identical to a cached one within
// the TTL is answered from the cache. README "Calls per hour" has the
// Crossplane source behind both.
const (
	// TTLConverging is the TTL while any part is not Ready. The renders
	// that move creation on come from composed-resource events; this bound
	// is the fallback when events are dropped (the XR's circuit breaker
	// opens after a burst of events, which creating 85 resources can
	// cause) or when realtime compositions are off.
	TTLConverging = 30 * time.Second
	// TTLReady is the TTL once every part is Ready. Nothing the function
	// reads can change without an event that renders anyway (a composed
	// resource's status or spec, the XR) — unless the XR's circuit breaker
	// drops that event: Crossplane v2.2.0 passes the XR's own events through
	// the same breaker as its composed resources'
	// (internal/controller/apiextensions/definition/reconciler.go:632), so
	// while it is open a change of the CatalogApi's spec (a new image) can
	// wait for the next requeue. The real control-plane test saw exactly
	// that with a 10-minute TTL and Crossplane's default breaker, which this
	// stack opens (README "Real control plane test"). Two minutes halves the
	// renders of a converged XR against Crossplane's one-minute default and
	// bounds how long a dropped change waits.
	TTLReady = 2 * time.Minute
)

// setTTL sets the response's TTL from the stack's readiness.
func setTTL(rsp *fnv1.RunFunctionResponse, ready bool) {
	ttl := TTLConverging
	if ready {
		ttl = TTLReady
	}
	if rsp.GetMeta() == nil {
		rsp.Meta = &fnv1.ResponseMeta{}
	}
	rsp.Meta.Ttl = durationpb.New(ttl)
}
