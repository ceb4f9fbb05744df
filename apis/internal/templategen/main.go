// Command templategen writes the Backstage Software Templates of the
// CatalogApi and their manifest skeleton from the XRD, so that the portal's
// form has the same defaults, bounds, patterns and enums as the API: it reads
// apis/xrd.yaml (generated from the Go types by xrdgen) and writes
// template.yaml, template-apply.yaml and skeleton/catalogapi.yaml into the
// examples/backstage/ folder.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

func main() {
	xrdPath := flag.String("xrd", "xrd.yaml", "the generated XRD")
	out := flag.String("out", "../examples/backstage", "the examples/backstage/ folder")
	flag.Parse()
	if err := run(*xrdPath, *out); err != nil {
		fmt.Fprintln(os.Stderr, "templategen:", err)
		os.Exit(1)
	}
}

// Permissions of what the generator writes.
const (
	dirMode  = 0o750
	fileMode = 0o600
)

func run(xrdPath, out string) error {
	raw, err := os.ReadFile(xrdPath)
	if err != nil {
		return fmt.Errorf("cannot read the XRD: %w", err)
	}
	files, err := generate(raw)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
			return fmt.Errorf("cannot create %s: %w", filepath.Dir(path), err)
		}
		if err := os.WriteFile(path, files[name], fileMode); err != nil {
			return fmt.Errorf("cannot write %s: %w", path, err)
		}
	}
	return nil
}
