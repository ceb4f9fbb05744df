//go:build generate

// Regenerates the CatalogApi deepcopy methods and the XRD in xrd.yaml from the
// Go types in v1alpha1: controller-gen writes a CRD, xrdgen turns its schema
// into a Crossplane v2 CompositeResourceDefinition, and templategen writes the
// Backstage Software Templates in ../examples/backstage from the XRD.
//go:generate go tool -modfile=../.ci/tools/go.mod controller-gen paths=./v1alpha1 object crd:crdVersions=v1 output:crd:artifacts:config=../_output/apis-crd
//go:generate go run ./internal/xrdgen -crd ../_output/apis-crd/catalog.example.org_catalogapis.yaml -out xrd.yaml
//go:generate go run ./internal/templategen -xrd xrd.yaml -out ../examples/backstage

package apis
