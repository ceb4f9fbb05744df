package main

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/platform/function-catalog-api/internal/preview"
	"github.com/platform/function-catalog-api/internal/yamlobj"
)

// clusterInput reads the live state with the user's kubeconfig, as kubectl
// does: --kubeconfig (else KUBECONFIG, else ~/.kube/config), --context, and
// the namespace of --namespace, the file or the context.
func (c *previewCmd) clusterInput(ctx context.Context) (preview.Input, error) {
	change, err := yamlobj.ReadOne(c.File)
	if err != nil {
		return preview.Input{}, fmt.Errorf("cannot read the change: %w", err)
	}
	cl, contextNamespace, err := c.cluster()
	if err != nil {
		return preview.Input{}, err
	}
	opts, err := c.clusterOptions()
	if err != nil {
		return preview.Input{}, err
	}
	opts.Namespace = c.Namespace
	if opts.Namespace == "" && change.GetNamespace() == "" {
		opts.Namespace = contextNamespace
	}
	in, err := cl.Load(ctx, change, opts)
	if err != nil {
		return preview.Input{}, fmt.Errorf("cannot read the live state: %w", err)
	}
	return in, nil
}

// cluster connects to the kubeconfig's cluster; it also returns the
// context's namespace.
func (c *previewCmd) cluster() (preview.Cluster, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = c.Kubeconfig
	kc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: c.Context})
	cfg, err := kc.ClientConfig()
	if err != nil {
		return preview.Cluster{}, "", fmt.Errorf("cannot load the kubeconfig: %w", err)
	}
	ns, _, err := kc.Namespace()
	if err != nil {
		return preview.Cluster{}, "", fmt.Errorf("cannot read the context's namespace: %w", err)
	}
	cl, err := preview.NewCluster(cfg)
	return cl, ns, err
}

// clusterOptions reads the files that replace what the cluster has.
func (c *previewCmd) clusterOptions() (preview.ClusterOptions, error) {
	var opts preview.ClusterOptions
	opts.Step = c.Step
	if c.Composition != "" {
		comp, err := yamlobj.ReadOne(c.Composition)
		if err != nil {
			return opts, fmt.Errorf("cannot read the Composition: %w", err)
		}
		opts.Composition = comp
	}
	if c.Credentials != "" {
		secrets, err := yamlobj.Read(c.Credentials)
		if err != nil {
			return opts, fmt.Errorf("cannot read the credentials: %w", err)
		}
		// Non-nil even when empty: the user said where the credentials are.
		opts.Credentials = append([]*unstructured.Unstructured{}, secrets...)
	}
	return opts, nil
}
