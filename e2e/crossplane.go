package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/platform/function-catalog-api/internal/yamlobj"
)

// annotationDevelopmentTarget tells crossplane render's Development runtime
// where the function already runs.
const annotationDevelopmentTarget = "render.crossplane.io/runtime-development-target"

// renderTimeout bounds crossplane render's wait for the function.
const renderTimeout = time.Minute

// RunCLI runs the Crossplane CLI and returns its stdout and stderr.
func RunCLI(ctx context.Context, cli string, timeout time.Duration, args ...string) (stdout, stderr []byte, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, cli, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.Bytes(), errOut.Bytes(), fmt.Errorf("crossplane %s: %w", strings.Join(args, " "), err)
	}
	return out.Bytes(), errOut.Bytes(), nil
}

// RenderArgs are the crossplane render arguments of a phase of the example,
// with the repository at root and the functions file functions. The output
// includes the full XR and the function's results.
func RenderArgs(root, functions string, p Phase) []string {
	at := func(f string) string {
		if filepath.IsAbs(f) {
			return f
		}
		return filepath.Join(root, f)
	}
	args := []string{
		"render", at(p.XR), at(p.CompositionFile()), functions,
		"--xrd", at(XRD),
		"--include-full-xr", "--include-function-results", "--timeout", renderTimeout.String(),
	}
	if p.Observed != "" {
		args = append(args, "--observed-resources", at(p.Observed))
	}
	if p.Required != "" {
		args = append(args, "--required-resources", at(p.Required))
	}
	return args
}

// PointFunctionsAt writes a copy of the functions file src to dst in which
// every Function's Development runtime connects to addr.
func PointFunctionsAt(src, dst, addr string) error {
	fns, err := yamlobj.Read(src)
	if err != nil {
		return err
	}
	if len(fns) == 0 {
		return fmt.Errorf("%s: no Functions", src)
	}
	for _, f := range fns {
		a := f.GetAnnotations()
		if _, ok := a[annotationDevelopmentTarget]; !ok {
			return fmt.Errorf("%s: Function %s has no %s annotation", src, f.GetName(), annotationDevelopmentTarget)
		}
		a[annotationDevelopmentTarget] = addr
		f.SetAnnotations(a)
	}
	return WriteObjects(dst, "", fns)
}

// WriteObjects writes objects to path as MarshalObjects renders them.
func WriteObjects(path, header string, objs []*unstructured.Unstructured) error {
	data, err := MarshalObjects(header, objs)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
