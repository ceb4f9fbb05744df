package main

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/platform/function-catalog-api/internal/preview"
)

// clusterInput reads the live state with the user's kubeconfig, as kubectl
// does: --kubeconfig (or KUBECONFIG, or ~/.kube/config), --context, and the
// namespace of the file, --namespace or the context.
func (c *previewCmd) clusterInput(ctx context.Context) (preview.Input, error) {
	change, err := preview.ReadObject(c.File)
	if err != nil {
		return preview.Input{}, err
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = c.Kubeconfig
	kc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: c.Context})
	cfg, err := kc.ClientConfig()
	if err != nil {
		return preview.Input{}, fmt.Errorf("cannot load the kubeconfig: %w", err)
	}
	ns := c.Namespace
	if ns == "" && change.GetNamespace() == "" {
		if ns, _, err = kc.Namespace(); err != nil {
			return preview.Input{}, fmt.Errorf("cannot read the context's namespace: %w", err)
		}
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return preview.Input{}, fmt.Errorf("cannot create a discovery client: %w", err)
	}
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return preview.Input{}, fmt.Errorf("cannot create a client: %w", err)
	}
	opts := preview.ClusterOptions{Namespace: ns, Step: c.Step}
	if c.Composition != "" {
		if opts.Composition, err = preview.ReadObject(c.Composition); err != nil {
			return preview.Input{}, err
		}
	}
	if c.Credentials != "" {
		if opts.Credentials, err = preview.ReadObjects(c.Credentials); err != nil {
			return preview.Input{}, err
		}
		if opts.Credentials == nil {
			opts.Credentials = []*unstructured.Unstructured{}
		}
	}
	cl := preview.Cluster{Client: client, Mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))}
	in, err := cl.Load(ctx, change, opts)
	if err != nil {
		return preview.Input{}, fmt.Errorf("cannot read the live state: %w", err)
	}
	return in, nil
}
