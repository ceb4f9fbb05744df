package cluster

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/platform/function-catalog-api/internal/fnproc"
)

// The control-plane binaries come from the Go module in .ci/controlplane,
// which pins Kubernetes, Crossplane and etcd. They are built into
// _output/controlplane/bin: go build leaves an up-to-date binary alone, so a
// warm run only checks it. .ci/run builds them before go test, so that a
// cold build (several minutes) happens outside the test timeout.
const (
	controlPlaneModule = ".ci/controlplane"
	binOutput          = "_output/controlplane/bin"
	kubeVersion        = "v1.35.4"
)

// controlPlanePackages are the main packages built from controlPlaneModule.
var controlPlanePackages = []string{ //nolint:gochecknoglobals // A constant list.
	"./etcd",
	"k8s.io/kubernetes/cmd/kube-apiserver",
	"k8s.io/kubernetes/cmd/kube-controller-manager",
	"k8s.io/kubernetes/cmd/kubectl",
	"github.com/crossplane/crossplane/v2/cmd/crossplane",
}

// binaries are the paths of the built programs.
type binaries struct {
	etcd, apiserver, controllerManager, kubectl, crossplane, function string
}

// repoRoot is the repository's top directory: the one with the root go.mod
// above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatalf("cannot find the repository root: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, controlPlaneModule, "go.mod")); err != nil {
		t.Fatalf("%s is not the repository root: %v", dir, err)
	}
	return dir
}

// buildBinaries builds (or finds up to date) every binary the test runs.
func buildBinaries(ctx context.Context, t *testing.T, root string) binaries {
	t.Helper()
	out := filepath.Join(root, binOutput)
	// The version stamp makes the servers report v1.35.4 (kubectl version and
	// discovery clients read it); it changes no compiled package.
	ldflags := "-X k8s.io/component-base/version.gitVersion=" + kubeVersion +
		" -X k8s.io/client-go/pkg/version.gitVersion=" + kubeVersion
	args := append([]string{"build", "-ldflags", ldflags, "-o", out + "/"}, controlPlanePackages...)
	goRun(ctx, t, filepath.Join(root, controlPlaneModule), args...)
	fn, err := fnproc.Build(ctx, root, filepath.Join(out, "function-catalog-api"))
	if err != nil {
		t.Fatal(err)
	}
	b := binaries{
		etcd:              filepath.Join(out, "etcd"),
		apiserver:         filepath.Join(out, "kube-apiserver"),
		controllerManager: filepath.Join(out, "kube-controller-manager"),
		kubectl:           filepath.Join(out, "kubectl"),
		crossplane:        filepath.Join(out, "crossplane"),
		function:          fn,
	}
	// Stat every binary: go test then keys its cached result on them, so a
	// rebuilt binary (.ci/run builds them first) reruns this test.
	for _, p := range []string{b.etcd, b.apiserver, b.controllerManager, b.kubectl, b.crossplane, b.function} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("go build did not write %s: %v", p, err)
		}
	}
	return b
}

// goRun runs the go command in dir and fails the test with its output.
func goRun(ctx context.Context, t *testing.T, dir string, args ...string) {
	t.Helper()
	start := time.Now()
	var buf bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		t.Fatalf("go %s (in %s): %v\n%s", strings.Join(args, " "), dir, err, buf.String())
	}
	t.Logf("go %s: %s", args[0], time.Since(start).Round(time.Millisecond))
}

// TestBuildBinaries only builds the binaries. .ci/run runs it first, with a
// long timeout, so that a cold build (about ten minutes on two cores) does
// not count against the timeout of the test that uses them.
func TestBuildBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Kubernetes and Crossplane; skipped with -short")
	}
	buildBinaries(t.Context(), t, repoRoot(t))
}
