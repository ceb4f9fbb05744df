package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The end-to-end tests run real binaries: this function's and the Crossplane
// CLI's. Both are built once per test binary into one temporary directory,
// which TestMain removes at the end. Only Go is needed: the CLI's version is
// pinned by the tools module in .ci/tools and comes from the module proxy.

// toolsModule is the Go module that pins the Crossplane CLI.
const toolsModule = ".ci/tools"

// crankPackage is the Crossplane CLI's main package.
const crankPackage = "github.com/crossplane/crossplane/v2/cmd/crank"

// crossplaneModulePath is the module that holds the CLI and Crossplane's
// own CRDs (cluster/crds).
const crossplaneModulePath = "github.com/crossplane/crossplane/v2"

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
		tools, err := filepath.Abs(toolsModule)
		if err != nil {
			binaries.cliErr = err
			return
		}
		out := filepath.Join(binDir(t), "crossplane")
		binaries.cliErr = goBuild(t, tools, "-o", out, crankPackage)
		binaries.cli = out
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
		out := filepath.Join(binDir(t), "function-catalog-api")
		binaries.fnErr = goBuild(t, ".", "-o", out, ".")
		binaries.fn = out
	})
	if binaries.fnErr != nil {
		t.Fatalf("cannot build the function: %v", binaries.fnErr)
	}
	return binaries.fn
}

// goBuild runs go build in the module at dir and logs how long it took.
func goBuild(t *testing.T, dir string, args ...string) error {
	t.Helper()
	start := time.Now()
	out, err := goCommand(dir, append([]string{"build"}, args...)...)
	if err != nil {
		return fmt.Errorf("go build %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("go build %s (in %s): %s", strings.Join(args, " "), dir, time.Since(start).Round(time.Millisecond))
	return nil
}

// goModuleDir returns the directory of a module in the module cache, as the
// module at moduleDir (a directory) resolves it.
func goModuleDir(moduleDir, modulePath string) (string, error) {
	out, err := goCommand(moduleDir, "list", "-m", "-f", "{{.Dir}}", modulePath)
	if err != nil {
		return "", fmt.Errorf("go list -m %s: %w\n%s", modulePath, err, out)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("go list -m %s: module is not downloaded", modulePath)
	}
	return dir, nil
}

// goModuleVersion returns the version of a module as the module at
// moduleDir requires it.
func goModuleVersion(moduleDir, modulePath string) (string, error) {
	out, err := goCommand(moduleDir, "list", "-m", "-f", "{{.Version}}", modulePath)
	if err != nil {
		return "", fmt.Errorf("go list -m %s: %w\n%s", modulePath, err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// goCommand runs the go command in dir and returns its combined output. It
// is the go command that runs the tests: go test puts its GOROOT/bin first
// on PATH.
func goCommand(dir string, args ...string) ([]byte, error) {
	var out bytes.Buffer
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}
