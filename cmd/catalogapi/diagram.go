package main

import (
	"fmt"
	"io"
	"os"

	"github.com/platform/function-catalog-api/internal/diagram"
)

// outputMode is the permission of a diagram written to a file.
const outputMode = 0o600

// diagramCmd draws a rendered stack.
type diagramCmd struct {
	Rendered string `arg:"" help:"Rendered stack: the output of crossplane render (multi-document YAML), or - for stdin." type:"path"`
	Observed string `help:"Observed composed resources (the --observed-resources file of crossplane render, or kubectl get -o yaml output): colours each resource by its Ready condition." type:"existingfile"`
	Format   string `default:"mermaid" enum:"mermaid,dot" help:"Output format: mermaid or dot." name:"output" short:"o"`
	Output   string `help:"Write the diagram to this file instead of stdout." name:"out" type:"path"`
}

// Run reads the stack and writes the diagram.
func (c *diagramCmd) Run() error {
	rendered, closeRendered, err := open(c.Rendered)
	if err != nil {
		return err
	}
	defer closeRendered()
	var observed io.Reader
	if c.Observed != "" {
		f, closeObserved, err := open(c.Observed)
		if err != nil {
			return err
		}
		defer closeObserved()
		observed = f
	}
	g, err := diagram.Parse(rendered, observed)
	if err != nil {
		return fmt.Errorf("cannot draw %s: %w", c.Rendered, err)
	}
	out := g.Mermaid()
	if c.Format == "dot" {
		out = g.DOT()
	}
	if c.Output == "" {
		if _, err := os.Stdout.WriteString(out); err != nil {
			return fmt.Errorf("cannot write the diagram: %w", err)
		}
		return nil
	}
	if err := os.WriteFile(c.Output, []byte(out), outputMode); err != nil {
		return fmt.Errorf("cannot write the diagram: %w", err)
	}
	return nil
}

// open opens a file, or stdin for "-".
func open(path string) (io.Reader, func(), error) {
	if path == "-" {
		return os.Stdin, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	return f, func() { _ = f.Close() }, nil
}
