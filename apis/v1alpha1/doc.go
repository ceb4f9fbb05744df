// Package v1alpha1 holds the Go types of the CatalogApi composite resource
// (catalog.example.org/v1alpha1). The XRD in apis/xrd.yaml is generated from
// these types (see apis/generate.go), so the schema and the types cannot drift.
// +kubebuilder:object:generate=true
// +groupName=catalog.example.org
// +versionName=v1alpha1
package v1alpha1
