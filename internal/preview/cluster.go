package preview

import (
	"context"
	"errors"
	"fmt"
	"sort"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/platform/function-catalog-api/apis/v1alpha1"
)

// Resources the preview reads from a cluster.
func catalogAPIs() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: v1alpha1.Group, Version: v1alpha1.Version, Resource: "catalogapis"}
}

func compositions() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: "apiextensions.crossplane.io", Version: "v1", Resource: "compositions"}
}

func compositionRevisions() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: "apiextensions.crossplane.io", Version: "v1", Resource: "compositionrevisions"}
}

func secrets() schema.GroupVersionResource {
	return schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
}

// Cluster reads the live state of a CatalogApi from a cluster, read-only
// (get and list only), as kubectl would.
type Cluster struct {
	Client dynamic.Interface
	// Mapper maps the kinds of composed resources to their API resources.
	Mapper meta.RESTMapper
}

// NewCluster connects to the cluster of cfg: a dynamic client, and a
// mapper that discovers API resources as it first needs them.
func NewCluster(cfg *rest.Config) (Cluster, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return Cluster{}, fmt.Errorf("cannot create a discovery client: %w", err)
	}
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return Cluster{}, fmt.Errorf("cannot create a client: %w", err)
	}
	return Cluster{Client: client, Mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))}, nil
}

// ClusterOptions are what the user may give instead of what the cluster
// has.
type ClusterOptions struct {
	// Namespace of the CatalogApi; empty: the change's.
	Namespace string
	// Step names the pipeline step; empty: the one with the function's Input.
	Step string
	// Composition replaces the one the CatalogApi uses.
	Composition *unstructured.Unstructured
	// Credentials replace the Secrets the step names (as read by
	// LoadFiles); nil: read them from the cluster.
	Credentials []*unstructured.Unstructured
}

// Load reads the live CatalogApi of change, its composed resources, its
// Composition and the step's credentials.
func (c Cluster) Load(ctx context.Context, change *unstructured.Unstructured, o ClusterOptions) (Input, error) {
	ns := o.Namespace
	if ns == "" {
		ns = change.GetNamespace()
	}
	if ns == "" {
		return Input{}, errors.New("the CatalogApi has no namespace: give one with --namespace")
	}
	change = change.DeepCopy()
	change.SetNamespace(ns)
	live, err := c.live(ctx, ns, change.GetName())
	if err != nil {
		return Input{}, err
	}
	comp := o.Composition
	if comp == nil {
		comp, err = c.composition(ctx, live.XR)
		if err != nil {
			return Input{}, err
		}
	}
	p := Pipeline{}
	p.Step, err = FindStep(comp, o.Step)
	if err != nil {
		return Input{}, err
	}
	p.Credentials, err = c.credentials(ctx, p.Step, o.Credentials)
	if err != nil {
		return Input{}, err
	}
	return Input{Change: change, Live: live, Pipeline: p, Required: c.Required()}, nil
}

// Required supplies the resources the function requires from the cluster,
// as Crossplane does: a selector without a namespace lists every namespace.
func (c Cluster) Required() Supplier {
	return func(ctx context.Context, sel *fnv1.ResourceSelector) ([]*unstructured.Unstructured, error) {
		gvk := schema.FromAPIVersionAndKind(sel.GetApiVersion(), sel.GetKind())
		if name := sel.GetMatchName(); name != "" {
			o, found, err := c.get(ctx, resourceRef{gvk: gvk, namespace: sel.GetNamespace(), name: name})
			if err != nil || !found {
				return nil, err
			}
			return []*unstructured.Unstructured{o}, nil
		}
		return c.list(ctx, gvk, sel.GetNamespace(), labels.SelectorFromSet(sel.GetMatchLabels().GetLabels()).String())
	}
}

// live reads the CatalogApi and its composed resources; both are empty when
// the CatalogApi does not exist yet (everything will be created).
func (c Cluster) live(ctx context.Context, ns, name string) (State, error) {
	xr, err := c.Client.Resource(catalogAPIs()).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if kerrors.IsNotFound(err) {
		return State{}, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("cannot get CatalogApi %s/%s: %w", ns, name, err)
	}
	composed, err := c.composed(ctx, xr)
	if err != nil {
		return State{}, err
	}
	return State{XR: xr, Composed: composed}, nil
}

// resourceRef is one entry of an XR's spec.crossplane.resourceRefs.
type resourceRef struct {
	gvk             schema.GroupVersionKind
	namespace, name string
}

func resourceRefs(xr *unstructured.Unstructured) ([]resourceRef, error) {
	refs, _, err := unstructured.NestedSlice(xr.Object, "spec", "crossplane", "resourceRefs")
	if err != nil {
		return nil, fmt.Errorf("CatalogApi %s/%s: spec.crossplane.resourceRefs: %w", xr.GetNamespace(), xr.GetName(), err)
	}
	out := make([]resourceRef, 0, len(refs))
	for _, r := range refs {
		m, _ := r.(map[string]any)
		apiVersion, _ := m["apiVersion"].(string)
		kind, _ := m["kind"].(string)
		name, _ := m["name"].(string)
		ns, _ := m["namespace"].(string)
		if ns == "" {
			ns = xr.GetNamespace()
		}
		out = append(out, resourceRef{gvk: schema.FromAPIVersionAndKind(apiVersion, kind), namespace: ns, name: name})
	}
	return out, nil
}

// composed reads the composed resources of an XR: every kind its
// resourceRefs name is listed with the crossplane.io/composite label (one
// request per kind), and a referenced resource without the label is read
// by name. A referenced resource that does not exist is not observed, as
// for Crossplane.
func (c Cluster) composed(ctx context.Context, xr *unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	refs, err := resourceRefs(xr)
	if err != nil {
		return nil, err
	}
	found, err := c.listComposed(ctx, xr, refs)
	if err != nil {
		return nil, err
	}
	out := make([]*unstructured.Unstructured, 0, len(refs))
	for _, r := range refs {
		o, ok := found[r]
		if !ok {
			o, ok, err = c.get(ctx, r)
			if err != nil {
				return nil, err
			}
		}
		if ok && o.GetAnnotations()[AnnotationCompositionResourceName] != "" {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].GetAnnotations()[AnnotationCompositionResourceName] < out[j].GetAnnotations()[AnnotationCompositionResourceName]
	})
	return out, nil
}

// listComposed lists, once per kind the references name, the resources
// labelled as the XR's.
func (c Cluster) listComposed(ctx context.Context, xr *unstructured.Unstructured, refs []resourceRef) (map[resourceRef]*unstructured.Unstructured, error) {
	found := map[resourceRef]*unstructured.Unstructured{}
	listed := map[schema.GroupVersionKind]bool{}
	for _, r := range refs {
		if listed[r.gvk] {
			continue
		}
		listed[r.gvk] = true
		objs, err := c.list(ctx, r.gvk, xr.GetNamespace(), LabelComposite+"="+xr.GetName())
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			found[resourceRef{gvk: r.gvk, namespace: o.GetNamespace(), name: o.GetName()}] = o
		}
	}
	return found, nil
}

func (c Cluster) resource(gvk schema.GroupVersionKind, ns string) (dynamic.ResourceInterface, error) {
	m, err := c.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("cannot find the API resource of %s: %w", gvk, err)
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return c.Client.Resource(m.Resource).Namespace(ns), nil
	}
	return c.Client.Resource(m.Resource), nil
}

func (c Cluster) list(ctx context.Context, gvk schema.GroupVersionKind, ns, selector string) ([]*unstructured.Unstructured, error) {
	ri, err := c.resource(gvk, ns)
	if err != nil {
		return nil, err
	}
	l, err := ri.List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, fmt.Errorf("cannot list %s: %w", gvk.Kind, err)
	}
	out := make([]*unstructured.Unstructured, 0, len(l.Items))
	for i := range l.Items {
		out = append(out, &l.Items[i])
	}
	return out, nil
}

// get reads one referenced resource; found is false when it does not
// exist.
func (c Cluster) get(ctx context.Context, r resourceRef) (*unstructured.Unstructured, bool, error) {
	ri, err := c.resource(r.gvk, r.namespace)
	if err != nil {
		return nil, false, err
	}
	o, err := ri.Get(ctx, r.name, metav1.GetOptions{})
	if kerrors.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cannot get %s %s/%s: %w", r.gvk.Kind, r.namespace, r.name, err)
	}
	return o, true, nil
}

// composition reads what the XR runs: its CompositionRevision if it names
// one, else its Composition. Without a live XR it is the one Composition
// for CatalogApis.
func (c Cluster) composition(ctx context.Context, xr *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	if xr != nil {
		if name, _, _ := unstructured.NestedString(xr.Object, "spec", "crossplane", "compositionRevisionRef", "name"); name != "" {
			return c.getClusterScoped(ctx, compositionRevisions(), name)
		}
		if name, _, _ := unstructured.NestedString(xr.Object, "spec", "crossplane", "compositionRef", "name"); name != "" {
			return c.getClusterScoped(ctx, compositions(), name)
		}
	}
	l, err := c.Client.Resource(compositions()).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("cannot list Compositions: %w", err)
	}
	var matches []*unstructured.Unstructured
	for i := range l.Items {
		apiVersion, _, _ := unstructured.NestedString(l.Items[i].Object, "spec", "compositeTypeRef", "apiVersion")
		kind, _, _ := unstructured.NestedString(l.Items[i].Object, "spec", "compositeTypeRef", "kind")
		if apiVersion == v1alpha1.APIVersion && kind == v1alpha1.Kind {
			matches = append(matches, &l.Items[i])
		}
	}
	if len(matches) != 1 {
		return nil, fmt.Errorf("the CatalogApi does not exist yet and %d Compositions are for CatalogApis: name one with --composition", len(matches))
	}
	return matches[0], nil
}

func (c Cluster) getClusterScoped(ctx context.Context, gvr schema.GroupVersionResource, name string) (*unstructured.Unstructured, error) {
	o, err := c.Client.Resource(gvr).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("cannot get %s %s: %w", gvr.Resource, name, err)
	}
	return o, nil
}

// credentials reads the Secret of every credential of the step, unless the
// user gave them.
func (c Cluster) credentials(ctx context.Context, step *Step, given []*unstructured.Unstructured) (map[string]map[string][]byte, error) {
	if given != nil {
		return credentialsFrom(step, given)
	}
	out := map[string]map[string][]byte{}
	for _, cr := range step.Credentials {
		s, err := c.Client.Resource(secrets()).Namespace(cr.SecretNamespace).Get(ctx, cr.SecretName, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("cannot read Secret %s/%s of the step's credential %q (Crossplane supplies it to the function; give it with --credentials): %w", cr.SecretNamespace, cr.SecretName, cr.Name, err)
		}
		data, err := SecretData(s)
		if err != nil {
			return nil, err
		}
		out[cr.Name] = data
	}
	return out, nil
}
