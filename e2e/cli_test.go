package e2e

import (
	"context"
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

// binaries are built once per test binary and shared by every test that
// runs one; TestMain removes them. A cache that outlives each test can only
// be package state.
var binaries struct { //nolint:gochecknoglobals // a cache shared by every test of the binary
	dirOnce sync.Once
	dir     string
	dirErr  error

	cli, fn builtOnce
}

// builtOnce is a binary the tests build on first use.
type builtOnce struct {
	once sync.Once
	path string
	err  error
}

// get returns the binary's path, building it into the binaries' directory
// as name with build on first use.
func (b *builtOnce) get(t *testing.T, name string, build func(ctx context.Context, out string) (string, error)) string {
	t.Helper()
	b.once.Do(func() {
		start := time.Now()
		b.path, b.err = build(t.Context(), filepath.Join(binDir(t), name))
		t.Logf("built %s in %s", name, time.Since(start).Round(time.Millisecond))
	})
	if b.err != nil {
		t.Fatalf("cannot build %s: %v", name, b.err)
	}
	return b.path
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
		// Not t.TempDir: that is removed when the first test ends, and the
		// binaries serve every test. TestMain removes this directory.
		binaries.dir, binaries.dirErr = os.MkdirTemp("", "function-catalog-api-e2e-") //nolint:usetesting // outlives each test
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
	return binaries.cli.get(t, "crossplane", func(ctx context.Context, out string) (string, error) {
		return out, BuildCLI(ctx, repoRoot, out)
	})
}

// functionBinary returns the path of this function's binary (the main
// package at the repository root), building it on first use.
func functionBinary(t *testing.T) string {
	t.Helper()
	return binaries.fn.get(t, "function-catalog-api", func(ctx context.Context, out string) (string, error) {
		return fnproc.Build(ctx, repoRoot, out)
	})
}
