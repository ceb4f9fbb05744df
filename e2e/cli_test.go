package e2e

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/platform/function-catalog-api/internal/fnproc"
)

// The end-to-end tests run real binaries: this function's and the Crossplane
// CLI's. Both are built once per test binary into one temporary directory,
// which TestMain removes at the end. Only Go is needed: the CLI's version is
// pinned by the tools module in .ci/tools and comes from the module proxy.

// repoRoot is the repository's root: go test runs in the package directory.
const repoRoot = ".."

// repoPath is a repository file (a path relative to the root) as the tests
// open it.
func repoPath(rel string) string { return filepath.Join(repoRoot, rel) }

var binaries struct {
	dirOnce sync.Once
	dir     string
	dirErr  error

	cliOnce sync.Once
	cli     string
	cliErr  error

	fnOnce sync.Once
	fn     string
	fnErr  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binaries.dir != "" {
		_ = os.RemoveAll(binaries.dir)
	}
	os.Exit(code)
}

// binDir is the temporary directory the built binaries go to.
func binDir(t *testing.T) string {
	t.Helper()
	binaries.dirOnce.Do(func() {
		binaries.dir, binaries.dirErr = os.MkdirTemp("", "function-catalog-api-e2e-")
	})
	if binaries.dirErr != nil {
		t.Fatalf("cannot create the directory for test binaries: %v", binaries.dirErr)
	}
	return binaries.dir
}

// crossplaneCLI returns the path of the Crossplane CLI (crank) at the
// version .ci/tools/go.mod pins, building it on first use. The first build
// on a clean machine takes a few minutes; later ones come from the build
// cache.
func crossplaneCLI(t *testing.T) string {
	t.Helper()
	binaries.cliOnce.Do(func() {
		start := time.Now()
		out := filepath.Join(binDir(t), "crossplane")
		binaries.cliErr = BuildCLI(t.Context(), repoRoot, out)
		binaries.cli = out
		t.Logf("built the Crossplane CLI in %s", time.Since(start).Round(time.Millisecond))
	})
	if binaries.cliErr != nil {
		t.Fatalf("cannot build the Crossplane CLI: %v", binaries.cliErr)
	}
	return binaries.cli
}

// functionBinary returns the path of this function's binary (the main
// package at the repository root), building it on first use.
func functionBinary(t *testing.T) string {
	t.Helper()
	binaries.fnOnce.Do(func() {
		start := time.Now()
		binaries.fn, binaries.fnErr = fnproc.Build(t.Context(), repoRoot, filepath.Join(binDir(t), "function-catalog-api"))
		t.Logf("built the function in %s", time.Since(start).Round(time.Millisecond))
	})
	if binaries.fnErr != nil {
		t.Fatalf("cannot build the function: %v", binaries.fnErr)
	}
	return binaries.fn
}
