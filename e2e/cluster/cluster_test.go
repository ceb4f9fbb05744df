package cluster

import (
	"context"
	"fmt"
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/platform/function-catalog-api/e2e"
	"github.com/platform/function-catalog-api/fn"
	"github.com/platform/function-catalog-api/internal/preview"
	"github.com/platform/function-catalog-api/internal/yamlobj"
)

// The stack as the README describes it.
const (
	xrExample     = e2e.ExampleXR
	xrImageUpdate = e2e.ExampleImageUpdateXR
	// minFirstPhase is a floor for the first phase of the stack: the
	// function's own render gives the exact objects.
	minFirstPhase   = 50
	runTimeout      = 12 * time.Minute
	readyTimeout    = 5 * time.Minute
	teardownTimeout = 6 * time.Minute
)

var (
	catalogGVR = schema.GroupVersionResource{Group: "catalog.example.org", Version: "v1alpha1", Resource: "catalogapis"} //nolint:gochecknoglobals // A constant.
	usageGVR   = schema.GroupVersionResource{Group: "protection.crossplane.io", Version: "v1beta1", Resource: "usages"}  //nolint:gochecknoglobals // A constant.
	vpcGVR     = schema.GroupVersionResource{Group: "ec2.aws.m.upbound.io", Version: "v1beta1", Resource: "vpcs"}        //nolint:gochecknoglobals // A constant.
)

// claim is one CatalogApi an application team creates.
type claim struct {
	namespace, name, suffix string
	// refusedBy is set when the function must refuse the claim because
	// another CatalogApi (namespace/name) holds its suffix.
	refusedBy string
	// service is the claim's spec.service (its app's shape); nil for the
	// defaults.
	service map[string]any
	// domain is the claim's spec.domain (its own domain: the ACM
	// certificate, its validation and the Route 53 records); nil for none.
	domain map[string]any
}

// ownDomain is the spec.domain of a claim on its team's own domain.
func ownDomain() map[string]any {
	return map[string]any{"name": "orders.example.org", "hostedZoneId": "Z0123456789ABCDEFGHIJ"}
}

// customShape is the app shape of a claim that fits its own app: another
// port, health check and size, a command, a secret, a managed policy on
// the task role and ECS Exec.
func customShape() map[string]any {
	return map[string]any{
		"containerPort": int64(8080), "healthCheckPath": "/healthz", "cpu": int64(512), "memory": int64(1024),
		"command":              []any{"./server", "--listen", ":8080"},
		"secrets":              []any{map[string]any{"name": "API_KEY", "valueFrom": "arn:aws:secretsmanager:eu-north-1:123456789012:secret:orders-api-key-AbCdEf"}},
		"taskRolePolicyArns":   []any{"arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"},
		"enableExecuteCommand": true,
	}
}

// claims are claimed at once, in this order, to show that two stacks in two
// namespaces do not touch each other, and that a later CatalogApi with a
// suffix another one holds is refused (naming the holder) while the holder
// is not affected. The first is examples/xr.yaml; the second also serves
// HTTPS on its own domain.
var claims = []claim{ //nolint:gochecknoglobals // The test's table.
	{namespace: "team-catalog", name: "catalog-api", suffix: "dev"},
	{namespace: "team-orders", name: "orders-api", suffix: "staging", service: customShape(), domain: ownDomain()},
	{namespace: "team-copycat", name: "copycat-api", suffix: "dev", refusedBy: "team-catalog/catalog-api"},
}

func TestClaimInARealControlPlane(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real control plane (about a minute warm, minutes to build cold); skipped with -short")
	}
	tm := newTimings(t)
	root := repoRoot(t)
	bins := buildBinaries(t, tm, root)
	ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
	defer cancel()
	cp := startControlPlane(ctx, t, tm, root, bins, controlPlaneOptions{})
	var endpoint string
	tm.phase("start the function (mTLS, Crossplane's CA)", func() { endpoint = cp.startFunction(ctx) })
	cp.install(ctx, endpoint)
	prov := startProvider(ctx, cp, cp.providerGVRs)
	prov.pause(true)

	xrs, refused := cp.claimAll(ctx, t, tm, prov)
	cp.checkReady(ctx, t, tm, xrs)
	cp.checkRefused(ctx, t, tm, refused, xrs)
	cp.checkNoCrossTalk(ctx, t, xrs)
	cp.reportEvents(t, xrs)
	cp.logBreaker(ctx, t, len(xrs), "from the claims to Ready (the refused claim included)")
	cp.dayTwoImage(ctx, t, tm, prov, xrs[0])
	cp.checkAdmission(ctx, t, tm, xrs[0])
	cp.teardown(ctx, t, tm, prov, xrs)
	if errs := prov.errors(); len(errs) > 0 {
		t.Errorf("the played provider failed to write: %s", strings.Join(errs, "; "))
	}
	t.Logf("phases:\n%s", tm.report())
}

// refusedClaim is a claim the function must refuse, and its XR.
type refusedClaim struct {
	claim

	xr *unstructured.Unstructured
}

// claimAll creates every claim at once and checks the first two renders
// Crossplane composes into the API server: the claim of the suffix (the VPC
// alone, with the provider paused), then, once the provider has made the
// VPC Ready, the first phase of the stack (exactly what the function
// renders for that state, nothing of the later phases).
func (cp *controlPlane) claimAll(ctx context.Context, t *testing.T, tm *timings, prov *provider) ([]*unstructured.Unstructured, []refusedClaim) {
	t.Helper()
	var xrs []*unstructured.Unstructured
	var refused []refusedClaim
	tm.phase("claim: the VPC alone (the suffix claim)", func() {
		for _, c := range claims {
			cp.createNamespace(ctx, c.namespace)
			xr, err := cp.apply(ctx, cp.catalogAPI(t, c))
			if err != nil {
				t.Fatal(err)
			}
			if c.refusedBy != "" {
				refused = append(refused, refusedClaim{claim: c, xr: xr})
				continue
			}
			cp.events.claimed(xr.GetNamespace()+"/"+xr.GetName(), time.Now())
			xrs = append(xrs, xr)
		}
		for _, xr := range xrs {
			cp.waitComposed(ctx, t, xr, 1)
			cp.checkClaimRender(ctx, t, xr)
		}
	})
	tm.phase("first phase, once the provider made the VPC Ready", func() {
		prov.playOnly(fn.KeyVPC)
		for _, xr := range xrs {
			want := cp.waitVPCReadyAndPreview(ctx, t, xr)
			cp.waitComposed(ctx, t, xr, len(want))
			cp.checkFirstPhase(ctx, t, xr, want)
		}
	})
	prov.pause(false)
	return xrs, refused
}

// checkClaimRender checks the first render: the VPC alone, marking a
// pending claim on the suffix.
func (cp *controlPlane) checkClaimRender(ctx context.Context, t *testing.T, xr *unstructured.Unstructured) {
	t.Helper()
	got, err := cp.composed(ctx, xr)
	if err != nil {
		t.Fatal(err)
	}
	vpc := got[fn.KeyVPC]
	if len(got) != 1 || vpc == nil {
		t.Fatalf("%s: the claim render composed %v, want the VPC alone", xr.GetName(), slices.Sorted(maps.Keys(got)))
	}
	if l := vpc.GetLabels(); l[fn.LabelSuffixClaim] != fn.ClaimPending || l[fn.LabelEnvironmentSuffix] == "" {
		t.Errorf("%s: the VPC's claim labels are %v, want a pending claim of the suffix", xr.GetName(), l)
	}
	t.Logf("%s/%s claim render in the API server: the VPC %s alone, claim %s", xr.GetNamespace(), xr.GetName(), vpc.GetName(), vpc.GetLabels()[fn.LabelSuffixClaim])
}

// waitVPCReadyAndPreview waits until the played provider has made the XR's
// VPC Ready and returns what the function renders for that state, by
// running it in-process on the live state (internal/preview, read from
// the API server): the keys Crossplane must compose next.
func (cp *controlPlane) waitVPCReadyAndPreview(ctx context.Context, t *testing.T, xr *unstructured.Unstructured) []string {
	t.Helper()
	err := waitFor(ctx, readyTimeout, "VPC of "+xr.GetName()+" Ready", cp.crossplane, func(ctx context.Context) error {
		got, err := cp.composed(ctx, xr)
		if err != nil {
			return err
		}
		vpc := got[fn.KeyVPC]
		if vpc == nil {
			return fmt.Errorf("%w: no VPC", errNotYet)
		}
		if s, why := conditionOf(vpc, "Ready"); s != "True" {
			return fmt.Errorf("%w: VPC ready %q: %s", errNotYet, s, why)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The phase is complete once rendering the live state creates nothing
	// more: the function composes one resource of each new kind first
	// (internal/engine/newkinds.go), and the rest once those exist.
	for range maxPhaseRenders {
		keys, creates := cp.previewKeys(ctx, t, xr)
		if creates == 0 {
			return keys
		}
		cp.waitComposed(ctx, t, xr, len(keys))
	}
	t.Fatalf("%s: the first phase still creates resources after %d renders", xr.GetName(), maxPhaseRenders)
	return nil
}

// previewKeys renders the live XR in-process: the keys it renders and how
// many of them it would create.
func (cp *controlPlane) previewKeys(ctx context.Context, t *testing.T, xr *unstructured.Unstructured) (keys []string, creates int) {
	t.Helper()
	cur, err := cp.getXR(ctx, xr)
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range cp.preview(ctx, t, cur).Resources {
		if rc.Action != preview.ActionDelete {
			keys = append(keys, rc.Key)
		}
		if rc.Action == preview.ActionCreate {
			creates++
		}
	}
	return keys, creates
}

// maxPhaseRenders bounds the renders of the first phase: one resource of
// each new kind, then the rest.
const maxPhaseRenders = 4

// checkFirstPhase checks the first phase of the stack in the API server:
// exactly the objects the function renders once the VPC is Ready and before
// anything else is, each labelled and owned by its XR, nothing of the later
// phases.
func (cp *controlPlane) checkFirstPhase(ctx context.Context, t *testing.T, xr *unstructured.Unstructured, want []string) {
	t.Helper()
	got, err := cp.composed(ctx, xr)
	if err != nil {
		t.Fatal(err)
	}
	usages := 0
	for key, u := range got {
		checkComposedOf(t, xr, key, u)
		if u.GetKind() == "Usage" {
			usages++
		}
	}
	if l := got[fn.KeyVPC].GetLabels()[fn.LabelSuffixClaim]; l != fn.ClaimHeld {
		t.Errorf("%s: the VPC's claim is %q once the stack renders, want %q", xr.GetName(), l, fn.ClaimHeld)
	}
	t.Logf("%s/%s first phase in the API server: %d objects (%d managed resources, %d Usages)", xr.GetNamespace(), xr.GetName(), len(got), len(got)-usages, usages)
	if g := slices.Sorted(maps.Keys(got)); !slices.Equal(g, slices.Sorted(slices.Values(want))) {
		t.Errorf("%s: first phase composed %d objects %v, the function renders %d: %v", xr.GetName(), len(g), g, len(want), want)
	}
	if len(want) < minFirstPhase {
		t.Errorf("%s: the first phase has %d objects, want the network, security, ALB, database, roles and logging (at least %d)", xr.GetName(), len(want), minFirstPhase)
	}
}

// catalogAPI is examples/xr.yaml moved to the claim's namespace, name and
// suffix.
func (cp *controlPlane) catalogAPI(t *testing.T, c claim) *unstructured.Unstructured {
	t.Helper()
	objs, err := yamlobj.Read(filepath.Join(cp.root, xrExample))
	if err != nil || len(objs) != 1 {
		t.Fatalf("%s: want one CatalogApi: %v", xrExample, err)
	}
	xr := objs[0]
	xr.SetNamespace(c.namespace)
	xr.SetName(c.name)
	if err := unstructured.SetNestedField(xr.Object, c.suffix, "spec", "environmentSuffix"); err != nil {
		t.Fatal(err)
	}
	for field, v := range map[string]map[string]any{"service": c.service, "domain": c.domain} {
		if v == nil {
			continue
		}
		if err := unstructured.SetNestedField(xr.Object, v, "spec", field); err != nil {
			t.Fatal(err)
		}
	}
	return xr
}

// composed returns the XR's composed resources as the API server has them
// (by its resource references), keyed by composition resource name.
func (cp *controlPlane) composed(ctx context.Context, xr *unstructured.Unstructured) (map[string]*unstructured.Unstructured, error) {
	cur, err := cp.getXR(ctx, xr)
	if err != nil {
		return nil, err
	}
	refs, _, _ := unstructured.NestedSlice(cur.Object, "spec", "crossplane", "resourceRefs")
	out := map[string]*unstructured.Unstructured{}
	for _, r := range refs {
		m, _ := r.(map[string]any)
		ref := &unstructured.Unstructured{Object: map[string]any{"apiVersion": m["apiVersion"], "kind": m["kind"]}}
		ref.SetNamespace(xr.GetNamespace())
		ri, err := cp.resourceFor(ref)
		if err != nil {
			return nil, err
		}
		name, _ := m["name"].(string)
		u, err := ri.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("composed %s %s: %w", m["kind"], name, err)
		}
		out[u.GetAnnotations()[annotationCRName]] = u
	}
	return out, nil
}

func (cp *controlPlane) getXR(ctx context.Context, xr *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	ri, err := cp.resourceFor(xr)
	if err != nil {
		return nil, err
	}
	cur, err := ri.Get(ctx, xr.GetName(), metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("get CatalogApi %s/%s: %w", xr.GetNamespace(), xr.GetName(), err)
	}
	return cur, nil
}

// waitComposed waits until the XR references n composed resources.
func (cp *controlPlane) waitComposed(ctx context.Context, t *testing.T, xr *unstructured.Unstructured, n int) {
	t.Helper()
	err := waitFor(ctx, readyTimeout, "first render of "+xr.GetNamespace()+"/"+xr.GetName(), cp.crossplane, func(ctx context.Context) error {
		got, err := cp.composed(ctx, xr)
		if err != nil {
			return err
		}
		if len(got) < n {
			return fmt.Errorf("%w: %d of %d composed resources", errNotYet, len(got), n)
		}
		return nil
	})
	if err != nil {
		cp.dumpXR(ctx, t, xr)
		t.Fatal(err)
	}
}

// checkComposedOf checks that a composed resource of the first phase is
// labelled and owned by its XR and needs no observed value.
func checkComposedOf(t *testing.T, xr *unstructured.Unstructured, key string, u *unstructured.Unstructured) {
	t.Helper()
	if u.GetLabels()[labelComposite] != xr.GetName() {
		t.Errorf("%s: composed %s %s is labelled for %q", xr.GetName(), u.GetKind(), key, u.GetLabels()[labelComposite])
	}
	if !ownedBy(u, xr) {
		t.Errorf("%s: composed %s %s has no controller reference to its XR", xr.GetName(), u.GetKind(), key)
	}
	if key == fn.KeyService || fn.IsTaskDefinitionKey(key) || u.GetKind() == "Distribution" {
		t.Errorf("%s: first render composed %s, which needs observed values", xr.GetName(), key)
	}
}

func ownedBy(u, xr *unstructured.Unstructured) bool {
	return slices.ContainsFunc(u.GetOwnerReferences(), func(o metav1.OwnerReference) bool {
		return o.Kind == xr.GetKind() && o.Name == xr.GetName() && o.Controller != nil && *o.Controller
	})
}

// checkReady waits until every XR is Ready while the provider plays, then
// checks status.url, every part condition and kubectl get's columns.
func (cp *controlPlane) checkReady(ctx context.Context, t *testing.T, tm *timings, xrs []*unstructured.Unstructured) {
	t.Helper()
	tm.phase("provider plays until every CatalogApi is Ready", func() {
		for _, xr := range xrs {
			cp.waitXRReady(ctx, t, xr)
		}
	})
	for _, xr := range xrs {
		cp.checkReadyXR(ctx, t, xr)
		cp.checkAppShape(ctx, t, xr)
		cp.checkDomain(ctx, t, xr)
	}
}

// domainKeys are the composed resources of spec.domain.
func domainKeys() []string {
	return []string{fn.KeyCertificate, fn.KeyCertificateValidationRecord, fn.KeyCertificateValidation, fn.KeyDNSRecordA, fn.KeyDNSRecordAAAA}
}

// checkDomain checks that a claim with spec.domain has its certificate,
// the certificate's validation record and validation, and the A and AAAA
// alias records composed and Ready, and that a claim without has none.
func (cp *controlPlane) checkDomain(ctx context.Context, t *testing.T, xr *unstructured.Unstructured) {
	t.Helper()
	cur, err := cp.getXR(ctx, xr)
	if err != nil {
		t.Fatal(err)
	}
	name, _, _ := unstructured.NestedString(cur.Object, "spec", "domain", "name")
	composed, err := cp.composed(ctx, xr)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range domainKeys() {
		r, ok := composed[k]
		switch {
		case name == "" && ok:
			t.Errorf("%s: %s composed without spec.domain", xr.GetName(), k)
		case name != "" && !ok:
			t.Errorf("%s: %s not composed for spec.domain %s", xr.GetName(), k, name)
		case name != "":
			if s, why := conditionOf(r, "Ready"); s != "True" {
				t.Errorf("%s: %s Ready = %q (%s), want True", xr.GetName(), k, s, why)
			}
		}
	}
}

// checkAppShape checks the app's shape as the API server stored it (the
// XRD's defaults written into a claim that set none) and as the stack
// runs it: the task definition's port and the task role's attachments.
func (cp *controlPlane) checkAppShape(ctx context.Context, t *testing.T, xr *unstructured.Unstructured) {
	t.Helper()
	cur, err := cp.getXR(ctx, xr)
	if err != nil {
		t.Fatal(err)
	}
	port, _, _ := unstructured.NestedInt64(cur.Object, "spec", "service", "containerPort")
	cpu, _, _ := unstructured.NestedInt64(cur.Object, "spec", "service", "cpu")
	if port == 0 || cpu == 0 {
		t.Errorf("%s: the API server stored no spec.service.containerPort/cpu (%d/%d): the XRD's defaults are not recorded", xr.GetName(), port, cpu)
	}
	composed, err := cp.composed(ctx, xr)
	if err != nil {
		t.Fatal(err)
	}
	ports, attachments := countAppShape(composed, port)
	policies, _, _ := unstructured.NestedStringSlice(cur.Object, "spec", "service", "taskRolePolicyArns")
	if wantAttachments := len(policies); ports == 0 || attachments != wantAttachments {
		t.Errorf("%s: %d task definitions on port %d and %d policy attachments, want at least one and %d", xr.GetName(), ports, port, attachments, wantAttachments)
	}
}

// waitXRReady waits until the XR is Ready and records when it became so.
func (cp *controlPlane) waitXRReady(ctx context.Context, t *testing.T, xr *unstructured.Unstructured) {
	t.Helper()
	id := xr.GetNamespace() + "/" + xr.GetName()
	err := waitFor(ctx, readyTimeout, id+" Ready", cp.crossplane, func(ctx context.Context) error {
		cur, err := cp.getXR(ctx, xr)
		if err != nil {
			return err
		}
		if s, why := conditionOf(cur, "Ready"); s != "True" {
			return fmt.Errorf("%w: ready %q: %s", errNotYet, s, why)
		}
		cp.events.ready(id, time.Now())
		return nil
	})
	if err != nil {
		cp.dumpXR(ctx, t, xr)
		t.Fatal(err)
	}
}

// checkReadyXR checks a Ready XR's status.url, part conditions and
// kubectl get's columns.
func (cp *controlPlane) checkReadyXR(ctx context.Context, t *testing.T, xr *unstructured.Unstructured) {
	t.Helper()
	cur, err := cp.getXR(ctx, xr)
	if err != nil {
		t.Fatal(err)
	}
	url, _, _ := unstructured.NestedString(cur.Object, "status", "url")
	if domain, _, _ := unstructured.NestedString(cur.Object, "spec", "domain", "name"); domain != "" {
		if url != "https://"+domain {
			t.Errorf("%s: status.url = %q, want https://%s (spec.domain)", xr.GetName(), url, domain)
		}
	} else if !strings.HasPrefix(url, "https://") || !strings.HasSuffix(url, ".cloudfront.net") {
		t.Errorf("%s: status.url = %q, want https://<distribution>.cloudfront.net", xr.GetName(), url)
	}
	// Every part of the stack reports <Name>Ready on the XR (README, What
	// one CatalogApi renders).
	for _, part := range fn.Parts() {
		typ := part.Name + "Ready"
		if s, why := conditionOf(cur, typ); s != "True" {
			t.Errorf("%s: condition %s = %q (%s), want True", xr.GetName(), typ, s, why)
		}
	}
	cp.checkPrinterColumns(ctx, t, xr, url)
}

// checkPrinterColumns runs kubectl get catalogapi, as a team would.
func (cp *controlPlane) checkPrinterColumns(ctx context.Context, t *testing.T, xr *unstructured.Unstructured, url string) {
	t.Helper()
	out, err := cp.kubectl(ctx, "-n", xr.GetNamespace(), "get", "catalogapi", xr.GetName())
	if err != nil {
		t.Fatalf("kubectl get catalogapi: %v\n%s", err, out)
	}
	t.Logf("kubectl -n %s get catalogapi %s:\n%s", xr.GetNamespace(), xr.GetName(), out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("kubectl get printed %d lines, want a header and one row", len(lines))
	}
	header, row := strings.Fields(lines[0]), strings.Fields(lines[1])
	want := map[string]string{"NAME": xr.GetName(), "URL": url, "SYNCED": "True", "READY": "True"}
	for col, v := range want {
		i := slices.Index(header, col)
		if i < 0 || i >= len(row) || row[i] != v {
			t.Errorf("kubectl get: column %s: want %q in %q", col, v, lines)
		}
	}
}

func (cp *controlPlane) kubectl(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, cp.bins.Kubectl, append([]string{"--kubeconfig=" + cp.kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %w", strings.Join(args, " "), err)
	}
	return string(out), nil
}

// dumpXR logs an XR's conditions, to explain a timeout.
func (cp *controlPlane) dumpXR(ctx context.Context, t *testing.T, xr *unstructured.Unstructured) {
	t.Helper()
	out, _ := cp.kubectl(ctx, "-n", xr.GetNamespace(), "get", "catalogapi", xr.GetName(), "-o", "yaml")
	t.Logf("CatalogApi %s/%s:\n%s", xr.GetNamespace(), xr.GetName(), out)
}

// liveState reads the XR as it is now and its composed resources by
// composition resource name, failing the test when either read fails.
func (cp *controlPlane) liveState(ctx context.Context, t *testing.T, xr *unstructured.Unstructured) (live *unstructured.Unstructured, composed map[string]*unstructured.Unstructured) {
	t.Helper()
	var err error
	if live, err = cp.getXR(ctx, xr); err != nil {
		t.Fatal(err)
	}
	if composed, err = cp.composed(ctx, xr); err != nil {
		t.Fatal(err)
	}
	return live, composed
}

// countAppShape counts the composed task definitions on this port and the
// task role's policy attachments.
func countAppShape(composed map[string]*unstructured.Unstructured, port int64) (ports, attachments int) {
	for key, u := range composed {
		defs, _, _ := unstructured.NestedString(u.Object, "spec", "forProvider", "containerDefinitions")
		if fn.IsTaskDefinitionKey(key) && strings.Contains(defs, fmt.Sprintf(`"containerPort":%d`, port)) {
			ports++
		}
		if strings.HasPrefix(key, "role-policy-attachment-task-") {
			attachments++
		}
	}
	return ports, attachments
}
