// Package cluster holds the real control-plane test: etcd, kube-apiserver,
// kube-controller-manager and Crossplane core run as local processes, built
// from pinned Go modules (.ci/controlplane), and this function serves them
// over mTLS. The package-manager test runs Crossplane with its Helm chart's
// RBAC (the chart rendered by Helm, pinned in .ci/helm) and its RBAC
// manager, as their service accounts. Only AWS is played, by
// fn/providersim. The package has only tests; run them with go test
// ./e2e/cluster (skipped with -short). They build the programs with
// e2e/cluster/controlplane, which e2e/cluster/cmd/build-binaries runs on its
// own (.ci/run, before go test).
package cluster
