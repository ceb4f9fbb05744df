//go:build generate

// Regenerates the Input's deepcopy methods and its CRD in package/input.
//go:generate go tool -modfile=../.ci/tools/go.mod controller-gen paths=./v1beta1 object crd:crdVersions=v1 output:artifacts:config=../package/input

package input
