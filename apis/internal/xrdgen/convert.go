package main

import (
	"errors"
	"fmt"
)

// toXRD maps a CRD (as generic YAML) to a Crossplane v2 XRD. Only the spec
// and status of the schema are kept: Crossplane adds apiVersion, kind,
// metadata and its own spec.crossplane fields itself.
func toXRD(crd map[string]any) (map[string]any, error) {
	spec, ok := crd["spec"].(map[string]any)
	if !ok {
		return nil, errors.New("CRD has no spec")
	}
	versions, ok := spec["versions"].([]any)
	if !ok || len(versions) != 1 {
		return nil, errors.New("CRD must have exactly one version")
	}
	v, ok := versions[0].(map[string]any)
	if !ok {
		return nil, errors.New("CRD version is not an object")
	}
	schema, err := xrdSchema(v)
	if err != nil {
		return nil, err
	}
	names, _ := spec["names"].(map[string]any)
	version := map[string]any{
		"name":          v["name"],
		"served":        true,
		"referenceable": true,
		"schema":        map[string]any{"openAPIV3Schema": schema},
	}
	if cols, ok := v["additionalPrinterColumns"]; ok {
		version["additionalPrinterColumns"] = cols
	}
	return map[string]any{
		"apiVersion": "apiextensions.crossplane.io/v2",
		"kind":       "CompositeResourceDefinition",
		"metadata": map[string]any{
			"name":        fmt.Sprintf("%s.%s", names["plural"], spec["group"]),
			"annotations": portalAnnotations(),
		},
		"spec": map[string]any{
			"scope": "Namespaced",
			"group": spec["group"],
			"names": map[string]any{
				"kind":       names["kind"],
				"listKind":   names["listKind"],
				"plural":     names["plural"],
				"singular":   names["singular"],
				"categories": names["categories"],
			},
			"versions": []any{version},
		},
	}, nil
}

// SourceURL is where the CatalogApi's sources live; the portal links to it.
const SourceURL = "https://github.com/platform/function-catalog-api"

// portalAnnotations are what the community Backstage ingestor for Crossplane
// (TeraSky's kubernetes-ingestor) reads from an XRD: add-to-catalog opts the
// XRD in when the ingestor does not ingest every XRD, and api-annotations
// (comma-separated key=value pairs) are copied onto the API entity it
// creates for the XRD. The ingestor takes the owner and system of that API
// entity from its own configuration, not from XRD annotations; owner and
// system annotations belong on each CatalogApi (see examples/backstage/skeleton).
func portalAnnotations() map[string]any {
	return map[string]any{
		"terasky.backstage.io/add-to-catalog":  "true",
		"terasky.backstage.io/api-annotations": "backstage.io/source-location=url:" + SourceURL + "/tree/main/apis/",
	}
}

func xrdSchema(v map[string]any) (map[string]any, error) {
	s, ok := v["schema"].(map[string]any)
	if !ok {
		return nil, errors.New("CRD version has no schema")
	}
	o, ok := s["openAPIV3Schema"].(map[string]any)
	if !ok {
		return nil, errors.New("CRD version has no openAPIV3Schema")
	}
	props, ok := o["properties"].(map[string]any)
	if !ok {
		return nil, errors.New("CRD schema has no properties")
	}
	out := map[string]any{
		"type":        "object",
		"description": o["description"],
		"properties": map[string]any{
			"spec":   props["spec"],
			"status": props["status"],
		},
		"required": []any{"spec"},
	}
	return out, nil
}
