package preview

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/platform/function-catalog-api/internal/yamlobj"
)

// TestPreviewSuppliesRequiredResources: the preview plays Crossplane's
// requirement loop. A new CatalogApi whose suffix another CatalogApi holds
// (its VPC, supplied as Crossplane would list it across namespaces) is
// refused with the function's message; without that marker it would be
// created.
func TestPreviewSuppliesRequiredResources(t *testing.T) {
	in, err := LoadFiles(Files{Change: "../../examples/xr-suffix-taken.yaml", Composition: exampleComposition})
	if err != nil {
		t.Fatalf("LoadFiles: %v", err)
	}
	free, err := Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if free.Refused != "" || free.Summary.Create == 0 {
		t.Fatalf("without another claim: refused %q, %d to create; want the claim rendered", free.Refused, free.Summary.Create)
	}

	f, err := os.Open("../../examples/required-resources-suffix-held.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	held, err := yamlobj.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	in.Required = SupplyFrom(held)
	r, err := Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Refused, "CatalogApi team-catalog/catalog-api") || r.ExitCode() != ExitError {
		t.Errorf("with team-catalog's claim: refused %q (exit %d), want a refusal naming team-catalog/catalog-api", r.Refused, r.ExitCode())
	}
}
