package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/platform/function-catalog-api/e2e"
	"github.com/platform/function-catalog-api/e2e/cluster/controlplane"
	"github.com/platform/function-catalog-api/internal/fnproc"
)

// Names and settings of the control plane.
const (
	crossplaneNamespace = "crossplane-system"
	crossplaneModule    = "github.com/crossplane/crossplane/v2"
	adminToken          = "catalog-api-e2e-admin-token"
	caSecret            = "crossplane-root-ca"
	serverSecret        = "crossplane-tls-server"
	clientSecret        = "crossplane-tls-client"
	webhookConfig       = "crossplane-no-usages"
	crossplaneArgsEnv   = "CATALOG_E2E_CROSSPLANE_ARGS"
	startTimeout        = 2 * time.Minute
	initAttempts        = 10
	// qps and burst of the test's own clients: they poll a lot, and must
	// not be throttled by client-go's defaults (5/10).
	clientQPS   = 200
	clientBurst = 400
)

// controlPlane is the running cluster: every process, its clients and
// where its files and logs are.
type controlPlane struct {
	t       *testing.T
	root    string
	dir     string // certificates, etcd data, kubeconfig
	logDir  string // kept after the run
	bins    controlplane.Binaries
	procs   []*process
	timings *timings

	kubeconfig   string // the admin's: the test, the installer, kube-controller-manager
	config       *rest.Config
	kube         kubernetes.Interface
	dyn          dynamic.Interface
	mapper       *restmapper.DeferredDiscoveryRESTMapper
	crossplane   *process
	xpCA         *authority
	metricsPort  int
	crossplaneMo string // the Crossplane module's directory (CRDs, webhook configurations)
	events       *events
	functionProc *fnproc.Proc
	functionLog  *os.File
	// providerGVRs are the provider-aws kinds installed (resource -> kind).
	providerGVRs map[schema.GroupVersionResource]string

	// crossplaneKubeconfig is the identity Crossplane core runs as: the
	// admin's kubeconfig, or with the chart's RBAC its service account's.
	crossplaneKubeconfig string
	chart                []*unstructured.Unstructured // Crossplane's Helm chart, rendered (chart RBAC only)
	rbacManager          *process                     // chart RBAC only
}

// buildBinaries builds the control plane's programs, or finds them up to
// date. Built here too, so that go test ./e2e/cluster alone works; .ci/run
// builds them first (e2e/cluster/cmd/build-binaries), so that there a warm
// run only checks them. Call it before the run's deadline starts: a cold
// build takes about twenty minutes on two cores (Helm included), bounded by
// go test -timeout.
func buildBinaries(t *testing.T, tm *timings, root string) controlplane.Binaries {
	t.Helper()
	var bins controlplane.Binaries
	tm.phase("build binaries (warm: up-to-date check)", func() {
		var err error
		if bins, err = controlplane.Build(t.Context(), root); err != nil {
			t.Fatal(err)
		}
	})
	return bins
}

// controlPlaneOptions choose how Crossplane runs.
type controlPlaneOptions struct {
	// chartRBAC runs Crossplane as its Helm chart installs it: the chart
	// (rendered by helm template) is applied, Crossplane core runs as the
	// chart's service account with the chart's ClusterRoles, and the RBAC
	// manager (crossplane rbac start) runs as its own (chartrbac_test.go).
	// Without it Crossplane runs as the test's admin.
	chartRBAC bool
}

// startControlPlane starts etcd, kube-apiserver, kube-controller-manager and
// Crossplane from the built binaries. Everything is stopped when the test
// ends, failed or not; a failed test prints the end of every log.
func startControlPlane(ctx context.Context, t *testing.T, tm *timings, root string, bins controlplane.Binaries, opts controlPlaneOptions) *controlPlane {
	t.Helper()
	logDir := filepath.Join(root, "_output", "controlplane", "logs", time.Now().Format("20060102-150405"))
	if err := os.MkdirAll(logDir, 0o750); err != nil {
		t.Fatalf("cannot create %s: %v", logDir, err)
	}
	cp := &controlPlane{t: t, root: root, dir: t.TempDir(), logDir: logDir, bins: bins, timings: tm, events: newEvents(), providerGVRs: map[schema.GroupVersionResource]string{}}
	t.Cleanup(cp.stop)

	mod, err := e2e.GoModuleDir(ctx, filepath.Join(root, controlplane.Module), crossplaneModule)
	if err != nil {
		t.Fatal(err)
	}
	cp.crossplaneMo = mod
	tm.phase("start etcd and kube-apiserver", func() {
		etcdURL := cp.startEtcd(ctx)
		cp.startAPIServer(ctx, etcdURL)
	})
	tm.phase("start kube-controller-manager", func() { cp.startControllerManager(ctx) })
	cp.crossplaneKubeconfig = cp.kubeconfig
	if opts.chartRBAC {
		tm.phase("Helm chart: RBAC, service accounts, tokens", func() { cp.installChart(ctx) })
	}
	tm.phase("crossplane core init", func() { cp.initCrossplane(ctx) })
	if opts.chartRBAC {
		tm.phase("start the RBAC manager (crossplane rbac init, rbac start)", func() { cp.startRBACManager(ctx) })
	}
	tm.phase("start Crossplane core (webhooks on)", func() { cp.startCrossplane(ctx) })
	return cp
}

// repoRoot is the repository's top directory: the one with the root go.mod
// above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatalf("cannot find the repository root: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, controlplane.Module, "go.mod")); err != nil {
		t.Fatalf("%s is not the repository root: %v", dir, err)
	}
	return dir
}

// stop ends every process in reverse order of start, prints the logs of a
// failed run and the run's peak memory.
func (cp *controlPlane) stop() {
	var total int64
	parts := make([]string, 0, len(cp.procs)+1)
	if fp := cp.functionProc; fp != nil {
		kib := peakRSSKiB(fp.Pid())
		if err := fp.Stop(); err != nil {
			cp.t.Logf("function: %v", err)
		}
		_ = cp.functionLog.Close()
		total += kib
		parts = append(parts, fmt.Sprintf("function %d MiB", kib/1024))
	}
	for _, p := range slices.Backward(cp.procs) {
		p.stop()
	}
	for _, p := range cp.procs {
		total += p.peakKiB
		parts = append(parts, fmt.Sprintf("%s %d MiB", p.name, p.peakKiB/1024))
	}
	cp.t.Logf("peak memory (sum of VmHWM): %d MiB (%s)", total/1024, strings.Join(parts, ", "))
	if cp.t.Failed() {
		if cp.functionLog != nil {
			cp.t.Logf("==== last %d lines of function (%s)\n%s", logTailLines, cp.functionLog.Name(), tailFile(cp.functionLog.Name(), logTailLines))
		}
		for _, p := range cp.procs {
			cp.t.Logf("==== last %d lines of %s (%s)\n%s", logTailLines, p.name, p.log, p.tail(logTailLines))
		}
	}
	cp.t.Logf("logs: %s", cp.logDir)
}

// start starts a process and registers it for stopping.
func (cp *controlPlane) start(ctx context.Context, name, bin string, env []string, args ...string) *process {
	cp.t.Helper()
	p, err := startProcess(ctx, cp.logDir, name, bin, env, args...)
	if err != nil {
		cp.t.Fatal(err)
	}
	cp.procs = append(cp.procs, p)
	return p
}

func (cp *controlPlane) startEtcd(ctx context.Context) string {
	cp.t.Helper()
	client := "http://127.0.0.1:" + strconv.Itoa(freePort(ctx, cp.t))
	peer := "http://127.0.0.1:" + strconv.Itoa(freePort(ctx, cp.t))
	p := cp.start(ctx, "etcd", cp.bins.Etcd, nil,
		"--name=e2e",
		"--data-dir="+filepath.Join(cp.dir, "etcd"),
		"--listen-client-urls="+client, "--advertise-client-urls="+client,
		"--listen-peer-urls="+peer, "--initial-advertise-peer-urls="+peer,
		"--initial-cluster=e2e="+peer,
		// A test disk need not survive a crash; fsync dominates etcd's
		// latency on shared disks.
		"--unsafe-no-fsync",
		"--log-level=warn",
	)
	err := waitFor(ctx, startTimeout, "etcd health", p, func(ctx context.Context) error {
		body, err := httpGet(ctx, http.DefaultClient, client+"/health", "")
		if err != nil || !strings.Contains(body, `"health":"true"`) {
			return fmt.Errorf("etcd /health: %q %w", body, err)
		}
		return nil
	})
	if err != nil {
		cp.t.Fatal(err)
	}
	return client
}

// apiServerCredentials writes into pki the API server's serving certificate,
// its service account key pair and the admin's token file.
func (cp *controlPlane) apiServerCredentials(pki string) (ca *authority, saKey, saPub, tokens string) {
	cp.t.Helper()
	ca, err := newAuthority("catalog-api-e2e-cluster-ca")
	if err != nil {
		cp.t.Fatal(err)
	}
	if err := ca.serving(pki, "kube-apiserver", "kubernetes", "kubernetes.default", "kubernetes.default.svc"); err != nil {
		cp.t.Fatal(err)
	}
	saKey, saPub, err = writeServiceAccountKeys(pki)
	if err != nil {
		cp.t.Fatal(err)
	}
	tokens = filepath.Join(pki, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(adminToken+",e2e-admin,e2e-admin,system:masters\n"), 0o600); err != nil {
		cp.t.Fatal(err)
	}
	return ca, saKey, saPub, tokens
}

func (cp *controlPlane) startAPIServer(ctx context.Context, etcdURL string) {
	cp.t.Helper()
	pki := filepath.Join(cp.dir, "pki")
	ca, saKey, saPub, tokens := cp.apiServerCredentials(pki)
	port := freePort(ctx, cp.t)
	server := "https://127.0.0.1:" + strconv.Itoa(port)
	p := cp.start(ctx, "kube-apiserver", cp.bins.APIServer, nil,
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(port),
		"--tls-cert-file="+filepath.Join(pki, "tls.crt"),
		"--tls-private-key-file="+filepath.Join(pki, "tls.key"),
		"--client-ca-file="+filepath.Join(pki, "ca.crt"),
		"--token-auth-file="+tokens,
		"--authorization-mode=Node,RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+saPub,
		"--service-account-signing-key-file="+saKey,
		"--service-cluster-ip-range=10.96.0.0/16",
		// No kubelets, no kube-proxy: nothing could reach a Service's
		// endpoints anyway.
		"--endpoint-reconciler-type=none",
		"--cert-dir="+filepath.Join(cp.dir, "apiserver-certs"),
		"--profiling=false",
	)
	cp.kubeconfig = filepath.Join(cp.dir, "kubeconfig")
	if err := writeKubeconfig(cp.kubeconfig, server, ca.certPEM, "admin", adminToken); err != nil {
		cp.t.Fatal(err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", cp.kubeconfig)
	if err != nil {
		cp.t.Fatal(err)
	}
	cfg.QPS, cfg.Burst = clientQPS, clientBurst
	// The API server warns on every write of the played provider that
	// provider-aws's finalizer name has no path; the name is provider-aws's,
	// so the warning (hundreds of lines per run) is only noise here.
	cfg.WarningHandler = rest.NoWarnings{}
	cp.config = cfg
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		cp.t.Fatal(err)
	}
	err = waitFor(ctx, startTimeout, "kube-apiserver /readyz", p, func(ctx context.Context) error {
		body, err := httpGet(ctx, hc, server+"/readyz", "")
		if err != nil || body != "ok" {
			return fmt.Errorf("/readyz: %q %w", body, err)
		}
		return nil
	})
	if err != nil {
		cp.t.Fatal(err)
	}
	cp.kube = kubernetes.NewForConfigOrDie(cfg)
	cp.dyn = dynamic.NewForConfigOrDie(cfg)
	cp.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(cp.kube.Discovery()))
}

func (cp *controlPlane) startControllerManager(ctx context.Context) {
	cp.t.Helper()
	// Crossplane relies on owner references: deleting an XR leaves its
	// composed resources to the garbage collector. The namespace controller
	// empties deleted namespaces. Crossplane's ClusterRole (with the
	// chart's RBAC) is an aggregation of the roles the chart and the RBAC
	// manager label for it: the clusterrole-aggregation controller fills it.
	cp.start(ctx, "kube-controller-manager", cp.bins.ControllerManager, nil,
		"--kubeconfig="+cp.kubeconfig,
		"--controllers=garbagecollector,namespace,clusterrole-aggregation",
		"--leader-elect=false",
		"--bind-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(freePort(ctx, cp.t)),
		"--cert-dir="+filepath.Join(cp.dir, "kcm-certs"),
	)
}

// initCrossplane runs crossplane core init as the Helm chart's init
// container does: Crossplane's CRDs, its CA and TLS Secrets, its webhook
// configuration. Its first runs can fail while the CRDs it just created are
// not established yet, so it is retried.
func (cp *controlPlane) initCrossplane(ctx context.Context) {
	cp.t.Helper()
	cp.createNamespace(ctx, crossplaneNamespace)
	args := []string{
		"core", "init",
		"--namespace=" + crossplaneNamespace,
		"--service-account=crossplane",
		"--cr-ds-path=" + filepath.Join(cp.crossplaneMo, "cluster", "crds"),
		"--webhook-configurations-path=" + filepath.Join(cp.crossplaneMo, "cluster", "webhookconfigurations"),
		"--webhook-service-name=crossplane-webhooks",
		"--webhook-service-namespace=" + crossplaneNamespace,
		"--webhook-service-port=9443",
		"--tlsca-secret-name=" + caSecret,
		"--tls-server-secret-name=" + serverSecret,
		"--tls-client-secret-name=" + clientSecret,
	}
	env := []string{"KUBECONFIG=" + cp.crossplaneKubeconfig}
	var last *process
	for attempt := 1; attempt <= initAttempts; attempt++ {
		p := cp.start(ctx, fmt.Sprintf("crossplane-init-%d", attempt), cp.bins.Crossplane, env, args...)
		<-p.done
		last = p
		if p.waitErr == nil {
			return
		}
		select {
		case <-ctx.Done():
			cp.t.Fatal(ctx.Err())
		case <-time.After(time.Second):
		}
	}
	cp.t.Fatalf("crossplane core init failed %d times; last output:\n%s", initAttempts, last.tail(logTailLines))
}

// startCrossplane starts Crossplane core with its webhooks on, serving them
// with a certificate its own CA signed, and points the Usage webhook at it.
func (cp *controlPlane) startCrossplane(ctx context.Context) {
	cp.t.Helper()
	ca, err := cp.secret(ctx, caSecret)
	if err != nil {
		cp.t.Fatal(err)
	}
	cp.xpCA, err = parseAuthority(ca.Data["tls.crt"], ca.Data["tls.key"])
	if err != nil {
		cp.t.Fatal(err)
	}
	clientDir := filepath.Join(cp.dir, "crossplane-client")
	cs, err := cp.secret(ctx, clientSecret)
	if err != nil {
		cp.t.Fatal(err)
	}
	if err := writeFiles(clientDir, map[string][]byte{"tls.crt": cs.Data["tls.crt"], "tls.key": cs.Data["tls.key"], "ca.crt": cs.Data["ca.crt"]}); err != nil {
		cp.t.Fatal(err)
	}
	// In a cluster the API server reaches the webhook through a Service;
	// here it dials localhost, so the serving certificate names localhost.
	serverDir := filepath.Join(cp.dir, "crossplane-server")
	if err := cp.xpCA.serving(serverDir, "crossplane-webhooks"); err != nil {
		cp.t.Fatal(err)
	}
	// The package manager caches what it pulls here; Crossplane does not
	// create the directory.
	xpkgCache := filepath.Join(cp.dir, "xpkg-cache")
	if err := os.MkdirAll(xpkgCache, 0o750); err != nil {
		cp.t.Fatal(err)
	}
	webhookPort, healthPort := freePort(ctx, cp.t), freePort(ctx, cp.t)
	cp.metricsPort = freePort(ctx, cp.t)
	// The test runs Crossplane's defaults (its circuit breaker included);
	// CATALOG_E2E_CROSSPLANE_ARGS adds flags, to measure other settings.
	args := slices.Concat([]string{
		"--debug", // the watch-event counts come from its debug log
		"core", "start",
		"--namespace=" + crossplaneNamespace,
		"--package-runtime=External",
		"--enable-webhooks=true",
		"--webhook-port=" + strconv.Itoa(webhookPort),
		"--metrics-port=" + strconv.Itoa(cp.metricsPort),
		"--health-probe-port=" + strconv.Itoa(healthPort),
		"--tls-server-certs-dir=" + serverDir,
		"--tls-client-certs-dir=" + clientDir,
		"--xpkg-cache-dir=" + xpkgCache,
		"--xfn-cache-dir=" + filepath.Join(cp.dir, "xfn-cache"),
	}, strings.Fields(os.Getenv(crossplaneArgsEnv)))
	cp.crossplane = cp.start(ctx, "crossplane", cp.bins.Crossplane, []string{"KUBECONFIG=" + cp.crossplaneKubeconfig}, args...)
	err = waitFor(ctx, startTimeout, "Crossplane /readyz", cp.crossplane, func(ctx context.Context) error {
		body, err := httpGet(ctx, http.DefaultClient, "http://127.0.0.1:"+strconv.Itoa(healthPort)+"/readyz", "")
		if err != nil || body != "ok" {
			return fmt.Errorf("/readyz: %q %w", body, err)
		}
		return nil
	})
	if err != nil {
		cp.t.Fatal(err)
	}
	cp.pointUsageWebhook(ctx, webhookPort)
}

// pointUsageWebhook makes the API server call Crossplane's Usage webhook on
// localhost, trusting Crossplane's CA.
func (cp *controlPlane) pointUsageWebhook(ctx context.Context, port int) {
	cp.t.Helper()
	vwc, err := cp.kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, webhookConfig, metav1.GetOptions{})
	if err != nil {
		cp.t.Fatalf("crossplane core init did not install the Usage webhook: %v", err)
	}
	for i := range vwc.Webhooks {
		w := &vwc.Webhooks[i]
		path := "/validate-no-usages"
		if w.ClientConfig.Service != nil && w.ClientConfig.Service.Path != nil {
			path = *w.ClientConfig.Service.Path
		}
		url := "https://localhost:" + strconv.Itoa(port) + path
		w.ClientConfig.Service = nil
		w.ClientConfig.URL = &url
		w.ClientConfig.CABundle = cp.xpCA.certPEM
	}
	if _, err := cp.kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().Update(ctx, vwc, metav1.UpdateOptions{}); err != nil {
		cp.t.Fatalf("cannot point the Usage webhook at Crossplane: %v", err)
	}
}

func (cp *controlPlane) secret(ctx context.Context, name string) (*corev1.Secret, error) {
	s, err := cp.kube.CoreV1().Secrets(crossplaneNamespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("cannot read Secret %s/%s that crossplane core init writes: %w", crossplaneNamespace, name, err)
	}
	return s, nil
}

func (cp *controlPlane) createNamespace(ctx context.Context, name string) {
	cp.t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := cp.kube.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !kerrors.IsAlreadyExists(err) {
		cp.t.Fatalf("cannot create namespace %s: %v", name, err)
	}
}

// writeKubeconfig writes a kubeconfig for a user's bearer token.
func writeKubeconfig(path, server string, caPEM []byte, user, token string) error {
	cfg := map[string]any{
		"apiVersion":      "v1",
		"kind":            "Config",
		"current-context": "e2e",
		"clusters": []any{map[string]any{"name": "e2e", "cluster": map[string]any{
			"server": server, "certificate-authority-data": caPEM,
		}}},
		"users":    []any{map[string]any{"name": user, "user": map[string]any{"token": token}}},
		"contexts": []any{map[string]any{"name": "e2e", "context": map[string]any{"cluster": "e2e", "user": user}}},
	}
	b, err := json.Marshal(cfg) // JSON is YAML; []byte marshals as base64, as the field wants.
	if err != nil {
		return fmt.Errorf("cannot encode the kubeconfig: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("cannot write the kubeconfig: %w", err)
	}
	return nil
}

// httpGet returns the body of a GET.
func httpGet(ctx context.Context, c *http.Client, url, accept string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, http.NoBody)
	if err != nil {
		return "", fmt.Errorf("cannot make a request for %s: %w", url, err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rsp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", url, err)
	}
	defer func() { _ = rsp.Body.Close() }()
	var sb strings.Builder
	if _, err := io.Copy(&sb, rsp.Body); err != nil {
		return "", fmt.Errorf("GET %s: %w", url, err)
	}
	return sb.String(), nil
}
