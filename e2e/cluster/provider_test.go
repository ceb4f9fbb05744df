package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"

	"github.com/platform/function-catalog-api/fn/providersim"
)

// The provider's side of a managed resource.
const (
	// providerFinalizer is the finalizer provider-aws puts on every managed
	// resource; it removes it once the AWS resource is deleted.
	providerFinalizer   = "finalizer.managedresource.crossplane.io"
	providerManager     = "provider-aws"
	labelComposite      = "crossplane.io/composite"
	annotationCRName    = providersim.AnnotationCompositionResourceName
	annotationExtName   = "crossplane.io/external-name"
	providerResync      = time.Second
	providerPassTimeout = 30 * time.Second
)

// deletion is one AWS resource the played provider deleted.
type deletion struct {
	namespace, key, kind, name string
	at                         time.Time
}

// provider plays provider-aws for every managed resource in the cluster:
// it adds its finalizer, records the external name, resolves references
// into the fields they populate, reports status.atProvider and
// Synced/Ready, and on deletion "deletes the AWS resource" and removes its
// finalizer. What it reports comes from fn/providersim. Resources of held
// composition resource names are left alone (a provider that has not got
// to them yet).
type provider struct {
	cp        *controlPlane
	informers dynamicinformer.DynamicSharedInformerFactory
	gvrs      map[schema.GroupVersionResource]string // resource -> kind
	kick      chan struct{}

	mu        sync.Mutex
	paused    bool
	only      map[string]bool // if set, the only keys played
	hold      map[string]bool // namespace/key
	deletions []deletion
	refusals  map[string]string // namespace/key -> why AWS refused it first
	errs      []string
}

// startProvider starts the played provider for the given kinds; it stops
// with ctx.
func startProvider(ctx context.Context, cp *controlPlane, gvrs map[schema.GroupVersionResource]string) *provider {
	p := &provider{
		cp:        cp,
		informers: dynamicinformer.NewDynamicSharedInformerFactory(cp.dyn, 0),
		gvrs:      gvrs,
		kick:      make(chan struct{}, 1),
		hold:      map[string]bool{},
	}
	h := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { p.poke() },
		UpdateFunc: func(any, any) { p.poke() },
		DeleteFunc: func(any) { p.poke() },
	}
	for gvr := range gvrs {
		if _, err := p.informers.ForResource(gvr).Informer().AddEventHandler(h); err != nil {
			cp.t.Fatalf("cannot watch %s: %v", gvr, err)
		}
	}
	p.informers.Start(ctx.Done())
	p.informers.WaitForCacheSync(ctx.Done())
	go p.run(ctx)
	return p
}

func (p *provider) poke() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// setHold holds back (or releases) one composition resource of the XR in
// namespace.
func (p *provider) setHold(namespace, key string, hold bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if hold {
		p.hold[namespace+"/"+key] = true
	} else {
		delete(p.hold, namespace+"/"+key)
	}
	p.poke()
}

// pause stops (or resumes) the provider altogether.
func (p *provider) pause(paused bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paused = paused
	p.only = nil
	p.poke()
}

// playOnly resumes the provider for these composition resource names only
// (in every namespace): a provider that has got to them first.
func (p *provider) playOnly(keys ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paused = false
	p.only = map[string]bool{}
	for _, k := range keys {
		p.only[k] = true
	}
	p.poke()
}

func (p *provider) isPaused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

func (p *provider) held(namespace, key string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hold[namespace+"/"+key] || (p.only != nil && !p.only[key])
}

func (p *provider) run(ctx context.Context) {
	t := time.NewTicker(providerResync)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.kick:
		case <-t.C:
		}
		// Let a burst of writes (one render applies dozens of objects)
		// settle into one pass.
		time.Sleep(50 * time.Millisecond)
		pctx, cancel := context.WithTimeout(ctx, providerPassTimeout)
		p.pass(pctx)
		cancel()
	}
}

// pass brings every managed resource to what the provider would report.
func (p *provider) pass(ctx context.Context) {
	if p.isPaused() {
		return
	}
	byXR := map[string][]*unstructured.Unstructured{}
	// stacks are every existing managed resource of each XR, being deleted
	// or not: what AWS looks at when it refuses a deletion.
	stacks := map[string][]*unstructured.Unstructured{}
	var deleting []deletingObject
	for gvr := range p.gvrs {
		objs, err := p.informers.ForResource(gvr).Lister().List(labels.Everything())
		if err != nil {
			p.failf("list %s: %v", gvr, err)
			continue
		}
		for _, o := range objs {
			u, ok := o.(*unstructured.Unstructured)
			if !ok {
				continue
			}
			xr := u.GetNamespace() + "/" + u.GetLabels()[labelComposite]
			if u.GetDeletionTimestamp() != nil {
				deleting = append(deleting, deletingObject{gvr: gvr, xr: xr, u: u})
				stacks[xr] = append(stacks[xr], u)
				continue
			}
			byXR[xr] = append(byXR[xr], u.DeepCopy())
			stacks[xr] = append(stacks[xr], u)
		}
	}
	for _, d := range deleting {
		p.deleteExternal(ctx, d.gvr, d.u, stacks[d.xr])
	}
	for _, xr := range slices.Sorted(maps.Keys(byXR)) {
		p.report(ctx, byXR[xr])
	}
}

// deletingObject is a managed resource Kubernetes is deleting, and the XR
// (namespace/name) whose stack it belongs to.
type deletingObject struct {
	gvr schema.GroupVersionResource
	xr  string
	u   *unstructured.Unstructured
}

// report simulates one XR's managed resources together (their references
// point at each other) and writes what changed.
func (p *provider) report(ctx context.Context, mrs []*unstructured.Unstructured) {
	in := make([]*unstructured.Unstructured, 0, len(mrs))
	for _, u := range mrs {
		c := u.DeepCopy()
		// providersim derives fake IDs from the composition resource name;
		// with the namespace in front, two CatalogApis get different IDs
		// and URLs, so that cross-talk would show.
		a := c.GetAnnotations()
		a[annotationCRName] = c.GetNamespace() + "/" + a[annotationCRName]
		c.SetAnnotations(a)
		in = append(in, c)
	}
	out, _ := providersim.Simulate(in) // Unresolvable references are reported in the conditions.
	byName := map[string]*unstructured.Unstructured{}
	for _, u := range mrs {
		byName[u.GetKind()+"/"+u.GetName()] = u
	}
	for _, sim := range out {
		cur := byName[sim.GetKind()+"/"+sim.GetName()]
		if cur == nil || p.held(cur.GetNamespace(), cur.GetAnnotations()[annotationCRName]) {
			continue
		}
		p.write(ctx, cur, sim)
	}
}

// write patches the object's metadata and spec, then its status, where
// they differ from what the provider reports.
func (p *provider) write(ctx context.Context, cur, sim *unstructured.Unstructured) {
	ri, err := p.cp.resourceFor(cur)
	if err != nil {
		p.failf("%v", err)
		return
	}
	patch := specPatch(cur, sim)
	if len(patch) > 0 {
		p.patch(ctx, ri, cur, patch, "")
	}
	want, _, _ := unstructured.NestedMap(sim.Object, "status")
	have, _, _ := unstructured.NestedMap(cur.Object, "status")
	if !statusEqual(want, have) {
		p.patch(ctx, ri, cur, map[string]any{"status": want}, "status")
	}
}

// specPatch is the merge patch of the metadata (external name, finalizer)
// and spec sections where the simulated object differs from the current one;
// empty if none does.
func specPatch(cur, sim *unstructured.Unstructured) map[string]any {
	meta := map[string]any{}
	if en := sim.GetAnnotations()[annotationExtName]; en != "" && cur.GetAnnotations()[annotationExtName] != en {
		meta["annotations"] = map[string]any{annotationExtName: en}
	}
	if !slices.Contains(cur.GetFinalizers(), providerFinalizer) {
		meta["finalizers"] = append(cur.GetFinalizers(), providerFinalizer)
	}
	patch := map[string]any{}
	if len(meta) > 0 {
		patch["metadata"] = meta
	}
	for _, section := range []string{"forProvider", "initProvider"} {
		want, _, _ := unstructured.NestedMap(sim.Object, "spec", section)
		have, _, _ := unstructured.NestedMap(cur.Object, "spec", section)
		if want != nil && !equality.Semantic.DeepEqual(want, have) {
			_ = unstructured.SetNestedMap(patch, want, "spec", section)
		}
	}
	return patch
}

// statusEqual compares what the provider reports with what is there.
func statusEqual(want, have map[string]any) bool {
	for k, v := range want {
		if !equality.Semantic.DeepEqual(v, have[k]) {
			return false
		}
	}
	return true
}

// deleteExternal plays the provider's delete: AWS refuses it while
// something else of the stack uses the resource (the finalizer stays, and
// the next pass tries again, as provider-aws retries); otherwise the AWS
// resource goes, then the finalizer, which lets the API server remove the
// object. A deletion that leaves something behind in AWS (a log group its
// writer creates again) fails the test.
func (p *provider) deleteExternal(ctx context.Context, gvr schema.GroupVersionResource, u *unstructured.Unstructured, stack []*unstructured.Unstructured) {
	key := u.GetAnnotations()[annotationCRName]
	if !slices.Contains(u.GetFinalizers(), providerFinalizer) || p.held(u.GetNamespace(), key) {
		return
	}
	if why := providersim.RefusesDeletion(u, stack); why != "" {
		p.refused(u.GetNamespace(), key, why)
		return
	}
	if leak := providersim.LeaksOnDeletion(u, stack); leak != "" {
		p.failf("deleting %s/%s leaves something behind in AWS: %s", u.GetNamespace(), key, leak)
	}
	fins := slices.DeleteFunc(slices.Clone(u.GetFinalizers()), func(f string) bool { return f == providerFinalizer })
	patch := map[string]any{"metadata": map[string]any{"finalizers": fins, "resourceVersion": u.GetResourceVersion()}}
	ri := p.cp.dyn.Resource(gvr).Namespace(u.GetNamespace())
	if !p.patch(ctx, ri, u, patch, "") {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deletions = append(p.deletions, deletion{namespace: u.GetNamespace(), key: key, kind: u.GetKind(), name: u.GetName(), at: time.Now()})
}

type patcher interface {
	Patch(ctx context.Context, name string, pt types.PatchType, data []byte, options metav1.PatchOptions, subresources ...string) (*unstructured.Unstructured, error)
}

// patch merge-patches an object as the provider; a conflict or a vanished
// object is left to the next pass.
func (p *provider) patch(ctx context.Context, ri patcher, cur *unstructured.Unstructured, patch map[string]any, sub string) bool {
	b, err := json.Marshal(patch)
	if err != nil {
		p.failf("encode patch: %v", err)
		return false
	}
	subs := []string{}
	if sub != "" {
		subs = append(subs, sub)
	}
	if _, err := ri.Patch(ctx, cur.GetName(), types.MergePatchType, b, metav1.PatchOptions{FieldManager: providerManager}, subs...); err != nil {
		if !isTransient(err) {
			p.failf("patch %s %s/%s %s: %v", cur.GetKind(), cur.GetNamespace(), cur.GetName(), sub, err)
		}
		return false
	}
	return true
}

func (p *provider) failf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.errs = append(p.errs, fmt.Sprintf(format, args...))
}

// errors returns what went wrong so far (not conflicts, which retry).
func (p *provider) errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.errs)
}

// refused records a deletion AWS refused (once per resource).
func (p *provider) refused(namespace, key, why string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	id := namespace + "/" + key
	if p.refusals == nil {
		p.refusals = map[string]string{}
	}
	if _, ok := p.refusals[id]; !ok {
		p.refusals[id] = why
	}
}

// refusedDeletions are the deletions AWS refused at least once, by
// namespace/key.
func (p *provider) refusedDeletions() map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.refusals)
}

// deletedInOrder returns the deletions so far, in order.
func (p *provider) deletedInOrder() []deletion {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := slices.Clone(p.deletions)
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

func isTransient(err error) bool {
	return kerrors.IsConflict(err) || kerrors.IsNotFound(err)
}
