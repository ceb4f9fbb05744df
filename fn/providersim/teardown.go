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
	// Unknown are resources of kinds the simulator has no facts for, and
	// why: it does not delete them (they are Stuck too).
	Unknown []string
}

// How long AWS takes to delete a kind, roughly, in minutes (the rows'
// deleteMinutes).
const (
	distributionMinutes = 15 // disable, then delete
	vpcOriginMinutes    = 10 // CloudFront removes its network interfaces
	dbInstanceMinutes   = 10
	dbClusterMinutes    = 5
	natGatewayMinutes   = 2
	serviceMinutes      = 2 // draining
	loadBalancerMinutes = 1
	momentMinutes       = 0.01
	retryMinutes        = 0.5 // when a refused deletion is tried again
	// Records a flow log has aggregated (over up to 10 minutes by
	// default) are still delivered after it is deleted: an assumption.
	flowLogDeliveryMinutes = 5
)

// duration is how long AWS takes to delete a resource of a kind.
func duration(f kindFacts) float64 {
	if f.deleteMinutes != 0 {
		return f.deleteMinutes
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
	res.Unknown = td.unknown
	return res
}

// teardown is the state of a teardown in progress.
type teardown struct {
	byName    map[string]*unstructured.Unstructured // by metadata.name
	remaining map[string]*unstructured.Unstructured // managed resources, by key
	facts     map[*unstructured.Unstructured]kindFacts
	// unknown are the keys of resources without a row, and why; they are
	// never deleted.
	unknown []string
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
		facts:       map[*unstructured.Unstructured]kindFacts{},
		protectedBy: map[string][]string{},
		done:        map[string]float64{},
		retry:       map[string]float64{},
		refused:     map[string]bool{},
	}
	for _, u := range composed {
		td.byName[u.GetName()] = u
	}
	for _, u := range composed {
		switch f, err := factsOf(u); {
		case err != nil:
			td.unknown = append(td.unknown, compositionResourceName(u)+": "+err.Error())
		case f.usage:
			td.protect(u)
			continue
		default:
			td.facts[u] = f
		}
		td.remaining[compositionResourceName(u)] = u
	}
	return td
}

// protect records that what Usage u protects (spec.of) waits for its user
// (spec.by).
func (td *teardown) protect(u *unstructured.Unstructured) {
	of, _, _ := unstructured.NestedString(u.Object, "spec", "of", "resourceRef", "name")
	by, _, _ := unstructured.NestedString(u.Object, "spec", "by", "resourceRef", "name")
	if o, b := td.byName[of], td.byName[by]; o != nil && b != nil {
		td.protectedBy[compositionResourceName(o)] = append(td.protectedBy[compositionResourceName(o)], compositionResourceName(b))
	}
}

// start starts every deletion no Usage holds back, unless AWS refuses it.
// A resource of an unknown kind is never deleted.
func (td *teardown) start(now float64, res *TeardownResult) {
	for _, k := range slices.Sorted(maps.Keys(td.remaining)) {
		if _, started := td.done[k]; started || td.held(k) || td.retry[k] > now || td.isUnknown(k) {
			continue
		}
		if why := td.refusal(k); why != "" {
			td.refuse(k, why, now, res)
			continue
		}
		td.done[k] = now + duration(td.facts[td.remaining[k]])
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

// isUnknown reports whether k is of a kind the table lacks.
func (td *teardown) isUnknown(k string) bool {
	_, ok := td.facts[td.remaining[k]]
	return !ok
}

// refusal says why AWS refuses to delete k now, or "".
func (td *teardown) refusal(k string) string {
	if refuse := td.facts[td.remaining[k]].refuseDelete; refuse != nil {
		return refuse(td, k)
	}
	return ""
}

// addressInUse: EC2 refuses to release an Elastic IP that a NAT gateway
// still uses.
func (td *teardown) addressInUse(k string) string {
	if nat := td.firstRemaining(func(o *unstructured.Unstructured) bool {
		return kindOf(o) == "ec2/NATGateway" && td.refKey(o, "allocationIdRef") == k
	}); nat != nil {
		return "InvalidIPAddress.InUse: the address is associated with " + compositionResourceName(nat)
	}
	return ""
}

// bucketReceivesLogs: S3 refuses to delete a bucket that still receives
// access logs, as the objects that arrive while force destroy empties it
// make DeleteBucket fail.
func (td *teardown) bucketReceivesLogs(k string) string {
	if w := td.firstRemaining(func(o *unstructured.Unstructured) bool { return td.logsTo(o) == k }); w != nil {
		return "BucketNotEmpty: " + compositionResourceName(w) + " still writes access logs"
	}
	return ""
}

// ruleHasTargets: EventBridge refuses to delete a rule that still has
// targets.
func (td *teardown) ruleHasTargets(k string) string {
	if t := td.firstRemaining(func(o *unstructured.Unstructured) bool {
		return kindOf(o) == "cloudwatchevents/Target" && td.refKey(o, "ruleRef") == k
	}); t != nil {
		return "ValidationException: Rule can't be deleted since it has targets (" + compositionResourceName(t) + ")"
	}
	return ""
}

// vpcOriginInUse: CloudFront refuses to delete a VPC origin that a
// distribution still has as an origin.
func (td *teardown) vpcOriginInUse(k string) string {
	id, _, _ := unstructured.NestedString(td.remaining[k].Object, "status", "atProvider", "id")
	if d := td.firstRemaining(func(o *unstructured.Unstructured) bool {
		return kindOf(o) == "cloudfront/Distribution" && distributionOriginsVPCOrigin(o, id)
	}); d != nil {
		return "CannotDeleteEntityWhileInUse: the VPC origin is an origin of " + compositionResourceName(d)
	}
	return ""
}

// distributionOriginsVPCOrigin reports whether a distribution has the VPC
// origin with this ID as an origin.
func distributionOriginsVPCOrigin(d *unstructured.Unstructured, id string) bool {
	origins, _, _ := unstructured.NestedSlice(d.Object, "spec", "forProvider", "origin")
	for _, o := range origins {
		m, _ := o.(map[string]any)
		if got, _, _ := unstructured.NestedString(m, "vpcOriginConfig", "vpcOriginId"); id != "" && got == id {
			return true
		}
	}
	return false
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
	if !td.facts[u].recreatedByWriter {
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
	if writes := td.facts[u].writesLogGroups; writes != nil {
		return writes(td, u)
	}
	return nil
}

// flowLogGroups: a flow log delivers to its destination group.
func (td *teardown) flowLogGroups(u *unstructured.Unstructured) []string {
	if group := td.byName[refName(u, "logDestinationRef")]; group != nil {
		return []string{externalName(group)}
	}
	return nil
}

// exportedLogGroups are the groups RDS exports the logs of an Aurora
// instance's cluster to.
func (td *teardown) exportedLogGroups(instance *unstructured.Unstructured) []string {
	cluster := td.byName[refName(instance, "clusterIdentifierRef")]
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

// clusterInsightsLogGroups: Container Insights writes an ECS cluster's
// performance events.
func clusterInsightsLogGroups(_ *teardown, cluster *unstructured.Unstructured) []string {
	return insightsLogGroups(cluster)
}

// serviceInsightsLogGroups: and its services'.
func (td *teardown) serviceInsightsLogGroups(service *unstructured.Unstructured) []string {
	return insightsLogGroups(td.byName[refName(service, "clusterRef")])
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
	if logsTo := td.facts[u].accessLogsTo; logsTo != nil {
		return logsTo(td, u)
	}
	return ""
}

// distributionLogBucket: a distribution logs to the bucket its logging
// configuration names by domain.
func (td *teardown) distributionLogBucket(u *unstructured.Unstructured) string {
	domain, _, _ := unstructured.NestedString(u.Object, "spec", "forProvider", "loggingConfig", "bucket")
	name := strings.TrimSuffix(domain, ".s3.amazonaws.com")
	for k, b := range td.remaining {
		if kindOf(b) == "s3/Bucket" && externalName(b) == name {
			return k
		}
	}
	return ""
}

// loadBalancerLogBucket: a load balancer logs to the bucket it references,
// if access logs are enabled.
func (td *teardown) loadBalancerLogBucket(u *unstructured.Unstructured) string {
	if enabled, _, _ := unstructured.NestedBool(u.Object, "spec", "forProvider", "accessLogs", "enabled"); !enabled {
		return ""
	}
	name, _, _ := unstructured.NestedString(u.Object, "spec", "forProvider", "accessLogs", "bucketRef", "name")
	if b := td.byName[name]; b != nil {
		return compositionResourceName(b)
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

// RefusesDeletion says why AWS refuses to delete u now, while the resources
// of stack (its XR's composed resources that still exist, u among them)
// exist, or "". A played provider leaves such a resource's finalizer and
// tries again, as provider-aws does.
func RefusesDeletion(u *unstructured.Unstructured, stack []*unstructured.Unstructured) string {
	td := newTeardown(stack)
	k := compositionResourceName(u)
	if _, ok := td.remaining[k]; !ok || td.isUnknown(k) {
		return ""
	}
	return td.refusal(k)
}

// LeaksOnDeletion says what deleting u now leaves behind in AWS while the
// resources of stack exist: a log group a remaining writer creates again,
// or "".
func LeaksOnDeletion(u *unstructured.Unstructured, stack []*unstructured.Unstructured) string {
	td := newTeardown(stack)
	k := compositionResourceName(u)
	if _, ok := td.remaining[k]; !ok || td.isUnknown(k) {
		return ""
	}
	if w := td.writerOf(k); w != "" {
		return fmt.Sprintf("log group %s (%s): recreated by %s", externalName(u), k, w)
	}
	return ""
}
