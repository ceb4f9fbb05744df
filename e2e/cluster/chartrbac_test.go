package cluster

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/platform/function-catalog-api/internal/yamlobj"
)

// Crossplane's Helm chart, as the test installs it.
const (
	// chartRelease is the release name of helm install crossplane
	// crossplane-stable/crossplane: the chart names its objects after it.
	chartRelease = "crossplane"
	// The chart's two Deployments: what their pods would run, and as whom.
	coreDeployment = "crossplane"
	rbacDeployment = "crossplane-rbac-manager"
	// rbacManagerMetrics is where crossplane rbac start serves its metrics:
	// controller-runtime's default (:8080), which it has no flag to move.
	rbacManagerMetrics = "127.0.0.1:8080"
	// tokenLifetime of the service-account tokens: longer than any run.
	tokenLifetime = 2 * time.Hour
)

// installChart installs Crossplane's Helm chart as helm install does, but
// without pods: helm template renders the pinned Crossplane module's chart
// (cluster/charts/crossplane), and every object but the two Deployments is
// applied as the admin who installs it (ServiceAccounts, ClusterRoles and
// their bindings, the empty TLS Secrets crossplane core init fills, the
// webhook Service). Crossplane core and the RBAC manager then run as the
// Deployments' service accounts, authenticated by tokens from the API
// server's TokenRequest API, exactly as a pod's projected token: what the
// chart does not grant them, they cannot do.
func (cp *controlPlane) installChart(ctx context.Context) {
	cp.t.Helper()
	objs := cp.renderChart(ctx)
	cp.createNamespace(ctx, crossplaneNamespace)
	kinds := map[string]int{}
	for _, o := range objs {
		if o.GetKind() == "Deployment" {
			continue
		}
		if _, err := cp.apply(ctx, o); err != nil {
			cp.t.Fatal(err)
		}
		kinds[o.GetKind()]++
	}
	applied := make([]string, 0, len(kinds))
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		applied = append(applied, fmt.Sprintf("%d %s", kinds[k], k))
	}
	cp.t.Logf("Crossplane's Helm chart applied: %s", strings.Join(applied, ", "))
	cp.chart = objs
	cp.waitBoundRolesAggregated(ctx, objs)
	cp.crossplaneKubeconfig = cp.serviceAccountKubeconfig(ctx, cp.deploymentServiceAccount(coreDeployment))
}

// renderChart runs helm template on the chart of the pinned Crossplane
// module, with the chart's default values, into Crossplane's namespace.
func (cp *controlPlane) renderChart(ctx context.Context) []*unstructured.Unstructured {
	cp.t.Helper()
	chart := filepath.Join(cp.crossplaneMo, "cluster", "charts", "crossplane")
	cmd := exec.CommandContext(ctx, cp.bins.Helm, "template", chartRelease, chart, "--namespace="+crossplaneNamespace)
	// Helm keeps no state for template; its cache and config stay in the
	// test's directory, not the user's home.
	cmd.Env = append(os.Environ(),
		"HELM_CACHE_HOME="+filepath.Join(cp.dir, "helm", "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(cp.dir, "helm", "config"),
		"HELM_DATA_HOME="+filepath.Join(cp.dir, "helm", "data"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		cp.t.Fatalf("helm template %s: %v\n%s", chart, err, stderr.String())
	}
	objs, err := yamlobj.Decode(bytes.NewReader(out))
	if err != nil {
		cp.t.Fatalf("helm template %s: %v", chart, err)
	}
	return objs
}

// chartObject finds an object the chart rendered.
func (cp *controlPlane) chartObject(kind, name string) *unstructured.Unstructured {
	cp.t.Helper()
	for _, o := range cp.chart {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	cp.t.Fatalf("Crossplane's chart renders no %s %s", kind, name)
	return nil
}

// deploymentServiceAccount is the service account a chart Deployment's pods
// run as.
func (cp *controlPlane) deploymentServiceAccount(name string) string {
	cp.t.Helper()
	sa, _, _ := unstructured.NestedString(cp.chartObject("Deployment", name).Object, "spec", "template", "spec", "serviceAccountName")
	if sa == "" {
		cp.t.Fatalf("the chart's Deployment %s names no service account", name)
	}
	return sa
}

// waitBoundRolesAggregated waits until every ClusterRole the chart binds to
// a service account has rules: Crossplane's own is an aggregation, empty
// until the clusterrole-aggregation controller fills it.
func (cp *controlPlane) waitBoundRolesAggregated(ctx context.Context, objs []*unstructured.Unstructured) {
	cp.t.Helper()
	for _, o := range objs {
		if o.GetKind() != "ClusterRoleBinding" {
			continue
		}
		var crb rbacv1.ClusterRoleBinding
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &crb); err != nil {
			cp.t.Fatalf("the chart's ClusterRoleBinding %s: %v", o.GetName(), err)
		}
		if !slices.ContainsFunc(crb.Subjects, func(s rbacv1.Subject) bool { return s.Kind == rbacv1.ServiceAccountKind }) {
			continue
		}
		err := waitFor(ctx, startTimeout, "ClusterRole "+crb.RoleRef.Name+" has rules", nil, func(ctx context.Context) error {
			cr, err := cp.kube.RbacV1().ClusterRoles().Get(ctx, crb.RoleRef.Name, metav1.GetOptions{})
			if err != nil {
				return fmt.Errorf("get: %w", err)
			}
			if len(cr.Rules) == 0 {
				return fmt.Errorf("%w: no rules (aggregated: %t)", errNotYet, cr.AggregationRule != nil)
			}
			return nil
		})
		if err != nil {
			cp.t.Fatal(err)
		}
	}
}

// serviceAccountKubeconfig issues a token for a service account of
// Crossplane's namespace (the TokenRequest API, as the kubelet does for a
// pod's projected token), writes a kubeconfig that uses it, and checks that
// the API server takes it as that service account and that it is not an
// admin.
func (cp *controlPlane) serviceAccountKubeconfig(ctx context.Context, sa string) string {
	cp.t.Helper()
	seconds := int64(tokenLifetime / time.Second)
	tr, err := cp.kube.CoreV1().ServiceAccounts(crossplaneNamespace).CreateToken(ctx, sa,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &seconds}}, metav1.CreateOptions{})
	if err != nil {
		cp.t.Fatalf("cannot issue a token for service account %s/%s: %v", crossplaneNamespace, sa, err)
	}
	path := filepath.Join(cp.dir, "kubeconfig-"+sa)
	if err := writeKubeconfig(path, cp.config.Host, cp.config.CAData, sa, tr.Status.Token); err != nil {
		cp.t.Fatal(err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		cp.t.Fatal(err)
	}
	review, err := kubernetes.NewForConfigOrDie(cfg).AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		cp.t.Fatalf("service account %s: who am I: %v", sa, err)
	}
	user := review.Status.UserInfo
	if want := "system:serviceaccount:" + crossplaneNamespace + ":" + sa; user.Username != want {
		cp.t.Fatalf("the token of service account %s authenticates as %q, want %q", sa, user.Username, want)
	}
	if slices.Contains(user.Groups, "system:masters") {
		cp.t.Fatalf("service account %s is in system:masters", sa)
	}
	if cp.may(ctx, user, authorizationv1.ResourceAttributes{Verb: "*", Group: "*", Resource: "*"}) {
		cp.t.Fatalf("service account %s may do anything to anything: an admin, not the chart's RBAC", sa)
	}
	cp.t.Logf("%s authenticates as %s (groups %s)", sa, user.Username, strings.Join(user.Groups, ", "))
	return path
}

// may asks the API server's authorizer whether a user may do something.
func (cp *controlPlane) may(ctx context.Context, user authenticationv1.UserInfo, attrs authorizationv1.ResourceAttributes) bool {
	cp.t.Helper()
	sar, err := cp.kube.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: user.Username, Groups: user.Groups, UID: user.UID, ResourceAttributes: &attrs,
	}}, metav1.CreateOptions{})
	if err != nil {
		cp.t.Fatalf("SubjectAccessReview for %s: %v", user.Username, err)
	}
	return sar.Status.Allowed
}

// startRBACManager runs the chart's RBAC manager Deployment as a process:
// its init container's arguments (crossplane rbac init) to completion, then
// its container's (crossplane rbac start
// --provider-clusterrole=crossplane:allowed-provider-permissions), as its
// own service account. Two things differ from the pod: leader election is
// off (outside a pod controller-runtime cannot find the namespace for its
// lease; one replica needs none), and GOMAXPROCS/GOMEMLIMIT, which the
// chart sets from the container's limits, are left to Go.
func (cp *controlPlane) startRBACManager(ctx context.Context) {
	cp.t.Helper()
	dep := cp.chartObject("Deployment", rbacDeployment)
	initArgs := cp.containerArgs(dep, "initContainers")
	args := cp.containerArgs(dep, "containers")
	env := []string{"KUBECONFIG=" + cp.serviceAccountKubeconfig(ctx, cp.deploymentServiceAccount(rbacDeployment)), "LEADER_ELECTION=false"}

	p := cp.start(ctx, "crossplane-rbac-init", cp.bins.Crossplane, env, initArgs...)
	<-p.done
	if p.waitErr != nil {
		cp.t.Fatalf("crossplane %s: %v\n%s", strings.Join(initArgs, " "), p.waitErr, p.tail(logTailLines))
	}
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", rbacManagerMetrics)
	if err != nil {
		cp.t.Fatalf("the RBAC manager serves its metrics on %s, and it is taken (crossplane rbac start has no flag to move it): %v", rbacManagerMetrics, err)
	}
	if err := l.Close(); err != nil {
		cp.t.Fatal(err)
	}
	cp.rbacManager = cp.start(ctx, "crossplane-rbac-manager", cp.bins.Crossplane, env, args...)
	err = waitFor(ctx, startTimeout, "the RBAC manager's metrics", cp.rbacManager, func(ctx context.Context) error {
		body, err := httpGet(ctx, http.DefaultClient, "http://"+rbacManagerMetrics+"/metrics", "")
		if err != nil || !strings.Contains(body, "controller_runtime_active_workers") {
			return fmt.Errorf("%w: /metrics: %w", errNotYet, err)
		}
		return nil
	})
	if err != nil {
		cp.t.Fatal(err)
	}
	cp.t.Logf("RBAC manager: crossplane %s", strings.Join(args, " "))
}

// containerArgs are the arguments of the one container in a Deployment's
// pod template list (containers or initContainers).
func (cp *controlPlane) containerArgs(dep *unstructured.Unstructured, list string) []string {
	cp.t.Helper()
	cs, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", list)
	if len(cs) != 1 {
		cp.t.Fatalf("the chart's Deployment %s has %d %s, want 1", dep.GetName(), len(cs), list)
	}
	c, _ := cs[0].(map[string]any)
	args, _, _ := unstructured.NestedStringSlice(c, "args")
	if len(args) == 0 {
		cp.t.Fatalf("the chart's Deployment %s: %s[0] has no args", dep.GetName(), list)
	}
	return args
}

// checkCrossplaneGrants waits until Crossplane's service account may manage
// the XR's kind and every provider kind the packages installed: grants no
// chart role holds, which the RBAC manager adds for each XRD and provider
// revision, labelled for aggregation into Crossplane's ClusterRole.
func (cp *controlPlane) checkCrossplaneGrants(ctx context.Context, xr schema.GroupVersionResource) {
	cp.t.Helper()
	user := authenticationv1.UserInfo{
		Username: "system:serviceaccount:" + crossplaneNamespace + ":" + cp.deploymentServiceAccount(coreDeployment),
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + crossplaneNamespace, "system:authenticated"},
	}
	gvrs := append([]schema.GroupVersionResource{xr}, slices.SortedFunc(maps.Keys(cp.providerGVRs), func(a, b schema.GroupVersionResource) int {
		return strings.Compare(a.String(), b.String())
	})...)
	for _, gvr := range gvrs {
		err := waitFor(ctx, establishTimeout, "Crossplane may update "+gvr.GroupResource().String(), cp.rbacManager, func(ctx context.Context) error {
			if !cp.may(ctx, user, authorizationv1.ResourceAttributes{Verb: "update", Group: gvr.Group, Resource: gvr.Resource}) {
				return fmt.Errorf("%w: not allowed", errNotYet)
			}
			return nil
		})
		if err != nil {
			cp.t.Fatal(err)
		}
	}
	cr, err := cp.kube.RbacV1().ClusterRoles().Get(ctx, chartRelease, metav1.GetOptions{})
	if err != nil {
		cp.t.Fatal(err)
	}
	cp.t.Logf("Crossplane's ClusterRole %s aggregates %d rules; its service account may manage %s and the %d provider kinds (roles of the RBAC manager)",
		cr.Name, len(cr.Rules), xr.GroupResource(), len(gvrs)-1)
}
