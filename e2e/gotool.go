package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Modules and packages the harness resolves with the go command.
const (
	// CrossplaneModule holds the CLI and Crossplane's own CRDs
	// (cluster/crds).
	CrossplaneModule = "github.com/crossplane/crossplane/v2"
	// crankPackage is the Crossplane CLI's main package.
	crankPackage = CrossplaneModule + "/cmd/crank"
	// ProviderAWSModule holds the provider-aws CRDs (package/crds).
	ProviderAWSModule = "github.com/upbound/provider-aws/v2"
)

// BuildCLI builds the Crossplane CLI at the version the tools module under
// root pins into out. The first build on a clean machine takes minutes.
func BuildCLI(ctx context.Context, root, out string) error {
	abs, err := filepath.Abs(out)
	if err != nil {
		return fmt.Errorf("build the Crossplane CLI: %w", err)
	}
	if output, err := goCommand(ctx, filepath.Join(root, ToolsModule), "build", "-o", abs, crankPackage); err != nil {
		return fmt.Errorf("build the Crossplane CLI: %w\n%s", err, output)
	}
	return nil
}

// GoModuleDir returns the directory of a module in the module cache, as the
// module at moduleDir (a directory) resolves it.
func GoModuleDir(ctx context.Context, moduleDir, modulePath string) (string, error) {
	dir, err := goList(ctx, moduleDir, "{{.Dir}}", modulePath)
	if err == nil && dir == "" {
		err = fmt.Errorf("go list -m %s: module is not downloaded", modulePath)
	}
	return dir, err
}

// GoModuleVersion returns the version of a module as the module at
// moduleDir requires it.
func GoModuleVersion(ctx context.Context, moduleDir, modulePath string) (string, error) {
	return goList(ctx, moduleDir, "{{.Version}}", modulePath)
}

func goList(ctx context.Context, moduleDir, format, modulePath string) (string, error) {
	out, err := goCommand(ctx, moduleDir, "list", "-m", "-f", format, modulePath)
	if err != nil {
		return "", fmt.Errorf("%w\n%s", err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// goCommand runs the go command in dir and returns its combined output. It
// is the go command on PATH: go test and go run put their own first.
func goCommand(ctx context.Context, dir string, args ...string) ([]byte, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("go %s (in %s): %w", strings.Join(args, " "), dir, err)
	}
	return out.Bytes(), nil
}
