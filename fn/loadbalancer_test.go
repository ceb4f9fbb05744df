package fn

import (
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"
	elbv2 "github.com/upbound/provider-aws/v2/apis/namespaced/elbv2/v1beta1"
)

func lbTestLB(t *testing.T, b Built) *elbv2.LB {
	t.Helper()
	lb, ok := lbTestByKey(t, b)[KeyLoadBalancer].Object.(*elbv2.LB)
	if !ok {
		t.Fatalf("%s is not an *elbv2.LB", KeyLoadBalancer)
	}
	return lb
}

func TestBuildLoadBalancerKeys(t *testing.T) {
	b := buildLoadBalancer(lbTestSpec(t, "dev"), Observed{})
	if diff := cmp.Diff([]string{KeyLoadBalancer, KeyTargetGroup, KeyListener, KeyListenerRule}, lbTestKeys(b)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}

// lbView is what a test checks of the ALB.
type lbView struct {
	Name, Type                   string
	Internal, DeletionProtection any
	DropInvalidHeaders           any
	Subnets, SecurityGroups      []string
	LogsBucketRef, LogsPrefix    string
	LogsEnabled                  any
}

func lbTestView(lb *elbv2.LB) lbView {
	p := lb.Spec.ForProvider
	v := lbView{
		Name: *p.Name, Type: *p.LoadBalancerType,
		Internal: lbTestDeref(p.Internal), DeletionProtection: lbTestDeref(p.EnableDeletionProtection),
		DropInvalidHeaders: lbTestDeref(p.DropInvalidHeaderFields),
	}
	for _, r := range p.SubnetRefs {
		v.Subnets = append(v.Subnets, r.Name)
	}
	for _, r := range p.SecurityGroupRefs {
		v.SecurityGroups = append(v.SecurityGroups, r.Name)
	}
	if a := p.AccessLogs; a != nil {
		v.LogsBucketRef, v.LogsPrefix, v.LogsEnabled = lbTestRefName(a.BucketRef), *a.Prefix, lbTestDeref(a.Enabled)
	}
	return v
}

func TestLoadBalancer(t *testing.T) {
	s := lbTestSpec(t, "dev")
	got := lbTestView(lbTestLB(t, buildLoadBalancer(s, Observed{})))
	want := lbView{
		Name: "alb-dev", Type: "application",
		Internal: false, DeletionProtection: false, DropInvalidHeaders: true,
		Subnets:        []string{"api-subnet-public-a", "api-subnet-public-b"},
		SecurityGroups: []string{"api-security-group-alb"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLoadBalancerAccessLogsGating(t *testing.T) {
	policy := func(ready bool) *composed.Unstructured { return lbTestObject(ready, nil) }
	lbWithLogs := func(on bool) *composed.Unstructured {
		return lbTestObject(true, map[string]any{"spec": map[string]any{"forProvider": map[string]any{
			"accessLogs": map[string]any{"enabled": on, "prefix": "alb"},
		}}})
	}
	cases := map[string]struct {
		observed map[string]*composed.Unstructured
		logs     bool
	}{
		"NothingObserved":          {observed: nil, logs: false},
		"PolicyNotReady":           {observed: map[string]*composed.Unstructured{KeyLogBucketPolicy: policy(false)}, logs: false},
		"PolicyReady":              {observed: map[string]*composed.Unstructured{KeyLogBucketPolicy: policy(true)}, logs: true},
		"LogsOnStayOnWithoutReady": {observed: map[string]*composed.Unstructured{KeyLogBucketPolicy: policy(false), KeyLoadBalancer: lbWithLogs(true)}, logs: true},
		"LogsOffObservedNoPolicy":  {observed: map[string]*composed.Unstructured{KeyLoadBalancer: lbWithLogs(false)}, logs: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := buildLoadBalancer(lbTestSpec(t, "dev"), lbTestObserved(tc.observed))
			got := lbTestView(lbTestLB(t, b))
			want := lbView{}
			if tc.logs {
				want = lbView{LogsBucketRef: "api-bucket-access-logs", LogsPrefix: "alb", LogsEnabled: true}
			}
			gotLogs := lbView{LogsBucketRef: got.LogsBucketRef, LogsPrefix: got.LogsPrefix, LogsEnabled: got.LogsEnabled}
			if diff := cmp.Diff(want, gotLogs); diff != "" {
				t.Errorf("access logs (-want +got):\n%s", diff)
			}
			// The part waits exactly while logs are still off.
			if waiting := len(b.Waiting) > 0; waiting == tc.logs {
				t.Errorf("Waiting = %v with logs=%v", b.Waiting, tc.logs)
			}
			// Everything renders regardless of the logs.
			if len(b.Resources) != 4 {
				t.Errorf("rendered %d resources, want 4", len(b.Resources))
			}
		})
	}
}

// targetGroupView is what a test checks of the target group.
type targetGroupView struct {
	Name, Protocol, TargetType, VPCRef, Deregistration string
	Port                                               any
	HCPath, HCProtocol, HCPort, HCMatcher              string
	HCEnabled, HCInterval, HCTimeout                   any
	HCHealthy, HCUnhealthy                             any
}

func TestTargetGroup(t *testing.T) {
	s := lbTestSpec(t, "dev")
	tg, ok := lbTestByKey(t, buildLoadBalancer(s, Observed{}))[KeyTargetGroup].Object.(*elbv2.LBTargetGroup)
	if !ok {
		t.Fatalf("%s is not an *elbv2.LBTargetGroup", KeyTargetGroup)
	}
	p := tg.Spec.ForProvider
	hc := p.HealthCheck
	got := targetGroupView{
		Name: *p.Name, Protocol: *p.Protocol, TargetType: *p.TargetType, VPCRef: lbTestRefName(p.VPCIDRef),
		Deregistration: *p.DeregistrationDelay, Port: lbTestDeref(p.Port),
		HCPath: *hc.Path, HCProtocol: *hc.Protocol, HCPort: *hc.Port, HCMatcher: *hc.Matcher,
		HCEnabled: lbTestDeref(hc.Enabled), HCInterval: lbTestDeref(hc.Interval), HCTimeout: lbTestDeref(hc.Timeout),
		HCHealthy: lbTestDeref(hc.HealthyThreshold), HCUnhealthy: lbTestDeref(hc.UnhealthyThreshold),
	}
	want := targetGroupView{
		Name: "tg-dev", Protocol: "HTTP", TargetType: "ip", VPCRef: "api-vpc", Deregistration: "30", Port: 3000.0,
		HCPath: "/health", HCProtocol: "HTTP", HCPort: "traffic-port", HCMatcher: "200",
		HCEnabled: true, HCInterval: 30.0, HCTimeout: 5.0, HCHealthy: 2.0, HCUnhealthy: 2.0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if *hc.Timeout >= *hc.Interval {
		t.Errorf("health check timeout %v must be less than the interval %v", *hc.Timeout, *hc.Interval)
	}
}

// listenerView is what a test checks of the listener.
type listenerView struct {
	LBRef, Protocol string
	Port            any
	Actions         []string
}

func TestListener(t *testing.T) {
	s := lbTestSpec(t, "dev")
	l, ok := lbTestByKey(t, buildLoadBalancer(s, Observed{}))[KeyListener].Object.(*elbv2.LBListener)
	if !ok {
		t.Fatalf("%s is not an *elbv2.LBListener", KeyListener)
	}
	p := l.Spec.ForProvider
	got := listenerView{LBRef: lbTestRefName(p.LoadBalancerArnRef), Protocol: *p.Protocol, Port: lbTestDeref(p.Port)}
	for _, a := range p.DefaultAction {
		got.Actions = append(got.Actions, strings.Join([]string{*a.Index, *a.Type, *a.FixedResponse.StatusCode}, " "))
	}
	// Without the origin-verify header a request gets 403.
	want := listenerView{LBRef: "api-load-balancer", Protocol: "HTTP", Port: 80.0,
		Actions: []string{"default fixed-response 403"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestListenerRuleRequiresOriginHeader: only requests with this stack's
// origin-verify header reach the target group.
func TestListenerRuleRequiresOriginHeader(t *testing.T) {
	s := lbTestSpec(t, "dev")
	s.OriginVerifyValue = "0123456789abcdef"
	r, ok := lbTestByKey(t, buildLoadBalancer(s, Observed{}))[KeyListenerRule].Object.(*elbv2.LBListenerRule)
	if !ok {
		t.Fatalf("%s is not an *elbv2.LBListenerRule", KeyListenerRule)
	}
	p := r.Spec.ForProvider
	if len(p.Condition) != 1 || p.Condition[0].HTTPHeader == nil {
		t.Fatalf("rule conditions = %+v, want one HTTP header condition", p.Condition)
	}
	h := p.Condition[0].HTTPHeader
	got := []string{lbTestRefName(p.ListenerArnRef), *h.HTTPHeaderName, *h.Values[0], *p.Action[0].Type, lbTestRefName(p.Action[0].TargetGroupArnRef)}
	want := []string{"api-listener", OriginVerifyHeader, "0123456789abcdef", "forward", "api-target-group"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("listener rule (-want +got):\n%s", diff)
	}
}

// TestLoadBalancerNameLengths checks the 32-character limit of ALB and
// target group names with the longest suffix a CatalogApi may have.
func TestLoadBalancerNameLengths(t *testing.T) {
	cases := map[string]string{
		"Short":   "dev",
		"Longest": strings.Repeat("a", MaxSuffixLength),
	}
	for name, suffix := range cases {
		t.Run(name, func(t *testing.T) {
			b := buildLoadBalancer(lbTestSpec(t, suffix), Observed{})
			for _, d := range b.Resources {
				var n string
				switch o := d.Object.(type) {
				case *elbv2.LB:
					n = *o.Spec.ForProvider.Name
				case *elbv2.LBTargetGroup:
					n = *o.Spec.ForProvider.Name
				default:
					continue
				}
				if len(n) > 32 {
					t.Errorf("%s name %q is %d characters, limit 32", d.Key, n, len(n))
				}
				if n != d.AWSName {
					t.Errorf("%s name %q differs from AWSName %q", d.Key, n, d.AWSName)
				}
			}
		})
	}
}
