package controlplane

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/platform/function-catalog-api/e2e"
)

// The patched Crossplane: the pinned Crossplane module with the patches in
// PatchDir applied, built as a second binary beside the stock one.
const (
	// CrossplaneEnv selects the Crossplane the test runs: unset or "stock"
	// for the pinned module as released, "patched" for it with PatchDir's
	// patches (e.g. the one that starts one watch source per kind).
	CrossplaneEnv = "CATALOG_E2E_CROSSPLANE"
	// CrossplanePatched is CrossplaneEnv's value for the patched build.
	CrossplanePatched = "patched"
	// PatchDir holds the patches of the Crossplane module, applied with
	// patch -p1 in name order.
	PatchDir = Module + "/patches"
	// PatchedDir is where the patched source, its go.mod (the pinned one
	// plus a replace of Crossplane by that source) and stamp are written.
	PatchedDir     = "_output/controlplane/crossplane-patched"
	crossplaneMain = crossplaneModule + "/cmd/crossplane"
	patchedBinary  = "crossplane-patched"
)

// errCrossplaneEnv: CrossplaneEnv has a value nothing builds.
var errCrossplaneEnv = errors.New("unknown Crossplane build")

// crossplaneVariant returns the path of the Crossplane binary that
// CrossplaneEnv selects: stock (already built by Build) or patched (built
// here, only when asked).
func crossplaneVariant(ctx context.Context, root, stock string) (string, error) {
	switch v := os.Getenv(CrossplaneEnv); v {
	case "", "stock":
		return stock, nil
	case CrossplanePatched:
		return BuildPatchedCrossplane(ctx, root)
	default:
		return "", fmt.Errorf("controlplane: %s=%q: %w (want stock or %s)", CrossplaneEnv, v, errCrossplaneEnv, CrossplanePatched)
	}
}

// BuildPatchedCrossplane builds Crossplane core from the pinned module's
// source with PatchDir's patches applied, into BinDir/crossplane-patched.
// The pinned go.mod stays as it is: the build uses a copy of it that
// replaces the Crossplane module by the patched source (go build
// -modfile), so every other dependency keeps its pinned version and the
// stock binary is untouched. The source is copied and patched again only
// when the module or a patch changed, so a warm build only checks.
func BuildPatchedCrossplane(ctx context.Context, root string) (string, error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("controlplane: %w", err)
	}
	modDir := filepath.Join(absRoot, Module)
	src, modfile, err := PreparePatchedCrossplane(ctx, absRoot)
	if err != nil {
		return "", err
	}
	out := filepath.Join(absRoot, BinDir, patchedBinary)
	args := []string{"build", "-modfile=" + modfile, "-o", out, crossplaneMain}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = modDir
	if output, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("controlplane: go %s (in %s, Crossplane from %s): %w\n%s", strings.Join(args, " "), modDir, src, err, output)
	}
	return out, nil
}

// PreparePatchedCrossplane writes the patched Crossplane source and the
// go.mod that builds against it (returned as -modfile's argument; run go
// in Module with it, e.g. to run the patched package's tests).
func PreparePatchedCrossplane(ctx context.Context, absRoot string) (src, modfile string, err error) {
	modDir := filepath.Join(absRoot, Module)
	pristine, err := e2e.GoModuleDir(ctx, modDir, crossplaneModule)
	if err != nil {
		return "", "", fmt.Errorf("controlplane: %w", err)
	}
	patches, err := filepath.Glob(filepath.Join(absRoot, PatchDir, "crossplane-*.patch"))
	if err != nil || len(patches) == 0 {
		return "", "", fmt.Errorf("controlplane: no Crossplane patches in %s: %w", PatchDir, err)
	}
	slices.Sort(patches)
	dir := filepath.Join(absRoot, PatchedDir)
	src = filepath.Join(dir, "src")
	if err := patchedSource(pristine, src, filepath.Join(dir, "stamp"), patches); err != nil {
		return "", "", err
	}
	modfile = filepath.Join(dir, "go.mod")
	if err := writeReplaceModfile(modDir, modfile, src); err != nil {
		return "", "", err
	}
	return src, modfile, nil
}

// patchedSource copies the pristine module to src and applies the patches,
// unless stamp says src already is that module with those patches.
func patchedSource(pristine, src, stamp string, patches []string) error {
	want, err := sourceStamp(pristine, patches)
	if err != nil {
		return err
	}
	if got, err := os.ReadFile(stamp); err == nil && string(got) == want {
		if _, err := os.Stat(src); err == nil {
			return nil
		}
	}
	if err := os.RemoveAll(src); err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	if err := copyTree(pristine, src); err != nil {
		return err
	}
	for _, p := range patches {
		cmd := exec.Command("patch", "-p1", "--batch", "--forward", "-d", src, "-i", p) //nolint:noctx // patch runs in a moment.
		if output, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("controlplane: cannot apply %s to %s: %w\n%s", p, src, err, output)
		}
	}
	if err := os.WriteFile(stamp, []byte(want), 0o600); err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	return nil
}

// sourceStamp names the pristine module (its directory carries its
// version) and the patches' contents.
func sourceStamp(pristine string, patches []string) (string, error) {
	h := sha256.New()
	h.Write([]byte(pristine + "\n"))
	for _, p := range patches {
		b, err := os.ReadFile(p)
		if err != nil {
			return "", fmt.Errorf("controlplane: %w", err)
		}
		h.Write([]byte(filepath.Base(p) + "\n"))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// copyTree copies a module's directory tree; os.CopyFS makes the files
// writable (the module cache's are read-only) for patch.
func copyTree(from, to string) error {
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		return fmt.Errorf("controlplane: cannot copy %s to %s: %w", from, to, err)
	}
	return nil
}

// writeReplaceModfile writes a copy of Module's go.mod and go.sum that
// replaces the Crossplane module by src.
func writeReplaceModfile(modDir, modfile, src string) error {
	mod, err := os.ReadFile(filepath.Join(modDir, "go.mod"))
	if err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	sum, err := os.ReadFile(filepath.Join(modDir, "go.sum"))
	if err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	mod = fmt.Appendf(mod, "\n// The patched Crossplane (%s).\nreplace %s => %s\n", PatchDir, crossplaneModule, src)
	if err := os.WriteFile(modfile, mod, 0o600); err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	// go reads the go.sum beside the -modfile.
	if err := os.WriteFile(strings.TrimSuffix(modfile, ".mod")+".sum", sum, 0o600); err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	return nil
}
