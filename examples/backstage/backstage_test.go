// Package backstage holds the product's Backstage files; its test validates
// them with Backstage's own validators (the node script in validate/).
package backstage

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// summary is the last line the script prints.
var summary = regexp.MustCompile(`(?m)^(\d+) checks, 0 failed; bad input cases: (\d+) refused by the form, (\d+) left to the cluster$`)

// TestBackstageValidators runs examples/backstage/validate/validate.mjs: every entity
// and both templates through @backstage/catalog-model and
// @backstage/plugin-scaffolder-common, the form's JSON Schema over the
// example and the shared input cases, and the rendered manifests.
func TestBackstageValidators(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the Backstage validators (examples/backstage/validate) need Node.js 20 or later; CI has it")
	}
	dir := "validate"
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			t.Fatalf("node is installed but npm is not: cannot install examples/backstage/validate's packages")
		}
		install := exec.CommandContext(t.Context(), npm, "ci", "--no-audit", "--no-fund")
		install.Dir = dir
		if out, err := install.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in examples/backstage/validate: %v\n%s", err, out)
		}
	}
	cmd := exec.CommandContext(t.Context(), node, "validate.mjs")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("the Backstage validators failed: %v", err)
	}
	m := summary.FindSubmatch(out)
	if m == nil {
		t.Fatalf("no summary line with 0 failures in the output")
	}
	if string(m[2]) == "0" {
		t.Errorf("the form refused none of the bad input cases")
	}
}
