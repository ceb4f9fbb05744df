package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDiagramCommand draws the converged example in both formats into files.
func TestDiagramCommand(t *testing.T) {
	const fixture = "../../examples/observed/phase-5.yaml"
	for format, first := range map[string]string{"mermaid": "flowchart LR", "dot": "digraph stack {"} {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "stack."+format)
			cmd := &diagramCmd{Rendered: fixture, Observed: fixture, Format: format, Output: out}
			if err := cmd.Run(); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), first) || !strings.Contains(string(b), "aurora-cluster") {
				t.Errorf("%s output lacks %q or the Aurora cluster:\n%.300s", format, first, b)
			}
		})
	}
}

func TestDiagramCommandMissingFile(t *testing.T) {
	cmd := &diagramCmd{Rendered: filepath.Join(t.TempDir(), "missing.yaml"), Format: "dot"}
	if err := cmd.Run(); err == nil || !strings.Contains(err.Error(), "cannot open") {
		t.Errorf("error %v, want one about the rendered stack", err)
	}
}
