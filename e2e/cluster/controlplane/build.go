// Package controlplane builds the programs the real control-plane test
// (e2e/cluster) runs: etcd, kube-apiserver, kube-controller-manager,
// kubectl and Crossplane core from the Go module in .ci/controlplane, which
// pins Kubernetes, Crossplane and etcd, Helm from .ci/helm (it renders
// Crossplane's chart), and this function. The test builds
// them lazily; e2e/cluster/cmd/build-binaries (run by .ci/run before go
// test) builds them first, so that a cold build (about twenty minutes on two
// cores) happens outside go test's timeout. Both call Build.
package controlplane

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/platform/function-catalog-api/internal/fnproc"
)

// Paths relative to the repository's root, and the version the Kubernetes
// binaries report.
const (
	// Module is the Go module that pins the control plane's programs.
	Module = ".ci/controlplane"
	// HelmModule pins Helm, which renders Crossplane's chart (its own
	// module: Helm brings newer k8s.io modules than the control plane's).
	HelmModule = ".ci/helm"
	helmMain   = "helm.sh/helm/v4/cmd/helm"
	// BinDir is where Build writes the programs. go build leaves an
	// up-to-date binary alone, so a warm build only checks them.
	BinDir      = "_output/controlplane/bin"
	kubeVersion = "v1.35.4"
	// crossplaneModule is the module Crossplane core is built from.
	crossplaneModule = "github.com/crossplane/crossplane/v2"
)

// packages are the main packages built from Module.
var packages = []string{ //nolint:gochecknoglobals // A constant list.
	"./etcd",
	"k8s.io/kubernetes/cmd/kube-apiserver",
	"k8s.io/kubernetes/cmd/kube-controller-manager",
	"k8s.io/kubernetes/cmd/kubectl",
	"github.com/crossplane/crossplane/v2/cmd/crossplane",
}

// Binaries are the paths of the built programs.
type Binaries struct {
	Etcd, APIServer, ControllerManager, Kubectl, Crossplane, Helm, Function string
}

// all lists every path, in build order.
func (b Binaries) all() []string {
	return []string{b.Etcd, b.APIServer, b.ControllerManager, b.Kubectl, b.Crossplane, b.Helm, b.Function}
}

// Build builds (or finds up to date) every program of the control plane
// and the function, under root (the repository's root), into root/BinDir.
func Build(ctx context.Context, root string) (Binaries, error) {
	out, err := filepath.Abs(filepath.Join(root, BinDir))
	if err != nil {
		return Binaries{}, fmt.Errorf("controlplane: %w", err)
	}
	// The version stamps make the servers report v1.35.4 (kubectl version and
	// discovery clients read it) and Crossplane its module's version (its
	// package manager checks each package's spec.crossplane.version against
	// it, and refuses every package without one); they change no compiled
	// package.
	xpVersion, err := moduleVersion(ctx, filepath.Join(root, Module), crossplaneModule)
	if err != nil {
		return Binaries{}, err
	}
	ldflags := "-X k8s.io/component-base/version.gitVersion=" + kubeVersion +
		" -X k8s.io/client-go/pkg/version.gitVersion=" + kubeVersion +
		" -X " + crossplaneModule + "/internal/version.version=" + xpVersion
	args := append([]string{"build", "-ldflags", ldflags, "-o", out + "/"}, packages...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = filepath.Join(root, Module)
	if output, err := cmd.CombinedOutput(); err != nil {
		return Binaries{}, fmt.Errorf("controlplane: go %s (in %s): %w\n%s", strings.Join(args, " "), cmd.Dir, err, output)
	}
	helm := exec.CommandContext(ctx, "go", "build", "-o", out+"/", helmMain)
	helm.Dir = filepath.Join(root, HelmModule)
	if output, err := helm.CombinedOutput(); err != nil {
		return Binaries{}, fmt.Errorf("controlplane: go build %s (in %s): %w\n%s", helmMain, helm.Dir, err, output)
	}
	fn, err := fnproc.Build(ctx, root, filepath.Join(out, "function-catalog-api"))
	if err != nil {
		return Binaries{}, fmt.Errorf("controlplane: %w", err)
	}
	b := Binaries{
		Etcd:              filepath.Join(out, "etcd"),
		APIServer:         filepath.Join(out, "kube-apiserver"),
		ControllerManager: filepath.Join(out, "kube-controller-manager"),
		Kubectl:           filepath.Join(out, "kubectl"),
		Crossplane:        filepath.Join(out, "crossplane"),
		Helm:              filepath.Join(out, "helm"),
		Function:          fn,
	}
	// CATALOG_E2E_CROSSPLANE=patched runs a second, patched Crossplane.
	if b.Crossplane, err = crossplaneVariant(ctx, root, b.Crossplane); err != nil {
		return Binaries{}, err
	}
	// Stat every binary. Called from a test, this also makes go test key
	// its cached result on them, so a rebuilt binary reruns the test.
	for _, p := range b.all() {
		if _, err := os.Stat(p); err != nil {
			return Binaries{}, fmt.Errorf("controlplane: go build did not write %s: %w", p, err)
		}
	}
	return b, nil
}

// moduleVersion is the version of a module the control plane's module pins.
func moduleVersion(ctx context.Context, dir, module string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Version}}", module)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("controlplane: go list -m %s (in %s): %w", module, dir, err)
	}
	return strings.TrimSpace(string(out)), nil
}
