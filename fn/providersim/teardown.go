package providersim

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TeardownResult is what a teardown (Teardown) did and left behind.
type TeardownResult struct {
	// Order is the composition resource names in the order their
	// deletions completed.
	Order []string
	// Leaked are AWS resources left behind with no managed resource.
	Leaked []string
	// Refused are deletions AWS refused at least once.
	Refused []string
	// Stuck are resources never deleted.
	Stuck []string
}

// How long AWS takes to delete a kind, roughly, in minutes.
const (
	distributionMinutes    = 15 // disable, then delete
	dbInstanceMinutes      = 10
	dbClusterMinutes       = 5
	natGatewayMinutes      = 2
	serviceMinutes         = 2 // draining
	loadBalancerMinutes    = 1
	momentMinutes          = 0.01
	retryMinutes           = 0.5 // when a refused deletion is tried again
	flowLogDeliveryMinutes = 5   // see duration
)

// duration is how long AWS takes to delete u.
func duration(u *unstructured.Unstructured) float64 {
	switch u.GetKind() {
	case "Distribution":
		return distributionMinutes
	case "ClusterInstance":
		return dbInstanceMinutes
	case "Cluster":
		if strings.HasPrefix(u.GetAPIVersion(), "rds.") {
			return dbClusterMinutes
		}
	case "NATGateway":
		return natGatewayMinutes
	case "Service":
		return serviceMinutes
	case "LB":
		return loadBalancerMinutes
	case "FlowLog":
		// Records a flow log has aggregated (over up to 10 minutes by
		// default) are still delivered after it is deleted: an assumption.
		return flowLogDeliveryMinutes
	}
	return momentMinutes
}

// Teardown plays the deletion of a whole composite resource: Kubernetes
// deletes every composed resource at once, Crossplane holds back each one a
// Usage protects until the Usage's user is gone, and AWS answers each
// deletion as it does for these kinds:
//
//   - a log group deleted while something still writes to it is created
//     again by the writer, with no retention and no owner: RDS log export
//     (an Aurora instance of a cluster that exports its logs), Container
//     Insights (an ECS cluster with it enabled, and that cluster's
//     services), a VPC flow log (its destination group);
//   - a bucket that still receives access logs refuses deletion: the objects
//     that arrive while force destroy empties it make DeleteBucket fail with
//     BucketNotEmpty (a CloudFront distribution that is disabled keeps
//     writing for up to 15 minutes, a load balancer until it is gone);
//   - an Elastic IP that a NAT gateway still uses refuses release.
//
// Each deletion starts as soon as nothing holds it back and takes the time
// AWS takes for its kind (a distribution's disable up to 15 minutes, an
// Aurora instance about 10, a NAT gateway a few; log groups, buckets and
// addresses a moment), so a writer that was asked to go at the same time
// as what it writes to is still there when the faster deletion completes.
func Teardown(composed []*unstructured.Unstructured) TeardownResult {
	td := newTeardown(composed)
	var res TeardownResult
	now := 0.0
	for len(td.remaining) > 0 {
		td.start(now, &res)
		next, ok := td.nextEvent(now)
		if !ok {
			break
		}
		now = next
		td.complete(now, &res)
	}
	res.Stuck = slices.Sorted(maps.Keys(td.remaining))
	return res
}

// teardown is the state of a teardown in progress.
type teardown struct {
	byName    map[string]*unstructured.Unstructured // by metadata.name
	remaining map[string]*unstructured.Unstructured // managed resources, by key
	// protectedBy maps a resource's key to the keys of its Usages' users.
	protectedBy map[string][]string
	// done is when a started deletion completes; retry when a refused one
	// is tried again.
	done, retry map[string]float64
	refused     map[string]bool
}

func newTeardown(composed []*unstructured.Unstructured) *teardown {
	td := &teardown{
		byName:      map[string]*unstructured.Unstructured{},
		remaining:   map[string]*unstructured.Unstructured{},
		protectedBy: map[string][]string{},
		done:        map[string]float64{},
		retry:       map[string]float64{},
		refused:     map[string]bool{},
	}
	for _, u := range composed {
		td.byName[u.GetName()] = u
	}
	for _, u := range composed {
		if u.GetKind() == "Usage" {
			of, _, _ := unstructured.NestedString(u.Object, "spec", "of", "resourceRef", "name")
			by, _, _ := unstructured.NestedString(u.Object, "spec", "by", "resourceRef", "name")
			if o, b := td.byName[of], td.byName[by]; o != nil && b != nil {
				td.protectedBy[compositionResourceName(o)] = append(td.protectedBy[compositionResourceName(o)], compositionResourceName(b))
			}
			continue
		}
		td.remaining[compositionResourceName(u)] = u
	}
	return td
}

// start starts every deletion no Usage holds back, unless AWS refuses it.
func (td *teardown) start(now float64, res *TeardownResult) {
	for _, k := range slices.Sorted(maps.Keys(td.remaining)) {
		if _, started := td.done[k]; started || td.held(k) || td.retry[k] > now {
			continue
		}
		if why := td.refusal(k); why != "" {
			td.refuse(k, why, now, res)
			continue
		}
		td.done[k] = now + duration(td.remaining[k])
	}
}

func (td *teardown) refuse(k, why string, now float64, res *TeardownResult) {
	if !td.refused[k] {
		td.refused[k] = true
		res.Refused = append(res.Refused, k+": "+why)
	}
	td.retry[k] = now + retryMinutes
}

// nextEvent is the time of the next completion or retry after now.
func (td *teardown) nextEvent(now float64) (float64, bool) {
	next, ok := 0.0, false
	for _, times := range []map[string]float64{td.done, td.retry} {
		for k, t := range times {
			if _, left := td.remaining[k]; left && t > now && (!ok || t < next) {
				next, ok = t, true
			}
		}
	}
	return next, ok
}

// complete finishes the deletions due now. A log group whose writer still
// exists is created again (leaked); a bucket that still receives logs fails
// to delete and is tried again. Resources that finish at the same instant
// still exist for each other.
func (td *teardown) complete(now float64, res *TeardownResult) {
	var due []string
	for _, k := range slices.Sorted(maps.Keys(td.remaining)) {
		if t, started := td.done[k]; started && t == now {
			due = append(due, k)
		}
	}
	var gone []string
	for _, k := range due {
		if why := td.refusal(k); why != "" {
			delete(td.done, k)
			td.refuse(k, why, now, res)
			continue
		}
		if w := td.writerOf(k); w != "" {
			res.Leaked = append(res.Leaked, fmt.Sprintf("log group %s (%s): recreated by %s", externalName(td.remaining[k]), k, w))
		}
		gone = append(gone, k)
	}
	for _, k := range gone {
		res.Order = append(res.Order, k)
		delete(td.remaining, k)
	}
}

// held reports whether a Usage still holds k back: one of its users remains.
func (td *teardown) held(k string) bool {
	return slices.ContainsFunc(td.protectedBy[k], func(by string) bool { _, ok := td.remaining[by]; return ok })
}

// refusal says why AWS refuses to delete k now, or "".
func (td *teardown) refusal(k string) string {
	u := td.remaining[k]
	switch u.GetKind() {
	case "EIP":
		if nat := td.firstRemaining(func(o *unstructured.Unstructured) bool {
			return o.GetKind() == "NATGateway" && td.refKey(o, "allocationIdRef") == k
		}); nat != nil {
			return "InvalidIPAddress.InUse: the address is associated with " + compositionResourceName(nat)
		}
	case "Bucket":
		if w := td.firstRemaining(func(o *unstructured.Unstructured) bool { return td.logsTo(o) == k }); w != nil {
			return "BucketNotEmpty: " + compositionResourceName(w) + " still writes access logs"
		}
	case "Rule":
		// EventBridge: "Rule can't be deleted since it has targets."
		if t := td.firstRemaining(func(o *unstructured.Unstructured) bool {
			return o.GetKind() == "Target" && td.refKey(o, "ruleRef") == k
		}); t != nil {
			return "ValidationException: Rule can't be deleted since it has targets (" + compositionResourceName(t) + ")"
		}
	}
	return ""
}

// firstRemaining is the first remaining resource, in key order, for which
// match holds, or nil.
func (td *teardown) firstRemaining(match func(*unstructured.Unstructured) bool) *unstructured.Unstructured {
	for _, o := range td.sortedRemaining() {
		if match(o) {
			return o
		}
	}
	return nil
}

// writerOf returns a remaining resource that writes to log group k, or "".
func (td *teardown) writerOf(k string) string {
	u := td.remaining[k]
	if u.GetKind() != "Group" {
		return ""
	}
	name := externalName(u)
	for _, other := range td.sortedRemaining() {
		if slices.Contains(td.writesLogGroups(other), name) {
			return compositionResourceName(other)
		}
	}
	return ""
}

// writesLogGroups are the names of the log groups AWS writes to (and
// creates if missing) on behalf of u.
func (td *teardown) writesLogGroups(u *unstructured.Unstructured) []string {
	switch u.GetKind() {
	case "ClusterInstance":
		return td.exportedLogGroups(td.byName[refName(u, "clusterIdentifierRef")])
	case "Cluster":
		return insightsLogGroups(u)
	case "Service":
		return insightsLogGroups(td.byName[refName(u, "clusterRef")])
	case "FlowLog":
		if group := td.byName[refName(u, "logDestinationRef")]; group != nil {
			return []string{externalName(group)}
		}
	}
	return nil
}

// exportedLogGroups are the groups RDS exports an Aurora cluster's logs to.
func (td *teardown) exportedLogGroups(cluster *unstructured.Unstructured) []string {
	if cluster == nil {
		return nil
	}
	exports, _, _ := unstructured.NestedStringSlice(cluster.Object, "spec", "forProvider", "enabledCloudwatchLogsExports")
	out := make([]string, len(exports))
	for i, e := range exports {
		out[i] = "/aws/rds/cluster/" + externalName(cluster) + "/" + e
	}
	return out
}

// insightsLogGroups is the group Container Insights writes an ECS cluster's
// (and its services') performance events to.
func insightsLogGroups(cluster *unstructured.Unstructured) []string {
	if cluster == nil || !insightsEnabled(cluster) {
		return nil
	}
	return []string{"/aws/ecs/containerinsights/" + externalName(cluster) + "/performance"}
}

// logsTo returns the key of the bucket u writes access logs to, or "".
func (td *teardown) logsTo(u *unstructured.Unstructured) string {
	switch u.GetKind() {
	case "Distribution":
		domain, _, _ := unstructured.NestedString(u.Object, "spec", "forProvider", "loggingConfig", "bucket")
		name := strings.TrimSuffix(domain, ".s3.amazonaws.com")
		for k, b := range td.remaining {
			if b.GetKind() == "Bucket" && externalName(b) == name {
				return k
			}
		}
	case "LB":
		if enabled, _, _ := unstructured.NestedBool(u.Object, "spec", "forProvider", "accessLogs", "enabled"); enabled {
			name, _, _ := unstructured.NestedString(u.Object, "spec", "forProvider", "accessLogs", "bucketRef", "name")
			if b := td.byName[name]; b != nil {
				return compositionResourceName(b)
			}
		}
	}
	return ""
}

// refKey is the key of the resource u's forProvider reference field names.
func (td *teardown) refKey(u *unstructured.Unstructured, field string) string {
	if target := td.byName[refName(u, field)]; target != nil {
		return compositionResourceName(target)
	}
	return ""
}

func (td *teardown) sortedRemaining() []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, 0, len(td.remaining))
	for _, k := range slices.Sorted(maps.Keys(td.remaining)) {
		out = append(out, td.remaining[k])
	}
	return out
}

func refName(u *unstructured.Unstructured, field string) string {
	name, _, _ := unstructured.NestedString(u.Object, "spec", "forProvider", field, "name")
	return name
}

func insightsEnabled(u *unstructured.Unstructured) bool {
	settings, _, _ := unstructured.NestedSlice(u.Object, "spec", "forProvider", "setting")
	return slices.ContainsFunc(settings, func(s any) bool {
		m, _ := s.(map[string]any)
		return m["name"] == "containerInsights" && m["value"] == "enabled"
	})
}

// externalName is a resource's AWS name: the external-name annotation, as
// Crossplane defaults it to metadata.name.
func externalName(u *unstructured.Unstructured) string {
	if n := u.GetAnnotations()[annotationExternalName]; n != "" {
		return n
	}
	return u.GetName()
}
