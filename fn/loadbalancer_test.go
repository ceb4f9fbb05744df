package fn

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	elbv2 "github.com/upbound/provider-aws/v2/apis/namespaced/elbv2/v1beta1"

	"github.com/platform/function-catalog-api/internal/engine"
)

func TestBuildLoadBalancerKeys(t *testing.T) {
	b := buildLoadBalancer(testSpec(t, xrNamed("api", "team")), engine.Observed{})
	if diff := cmp.Diff([]string{KeyLoadBalancer, KeyTargetGroup, KeyListener}, renderedKeys(b)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}

// TestLegacyLoadBalancerRetired: a stack rendered with the internet-facing
// ALB gets the internal one under new keys, and the observed legacy
// resources are retired (Crossplane deletes them); keys that are not
// observed are not retired.
func TestLegacyLoadBalancerRetired(t *testing.T) {
	cases := map[string]struct {
		observed []string
		want     []string
	}{
		"NewStack":      {},
		"LegacyStack":   {observed: []string{"load-balancer", "listener", "listener-rule-origin-verify"}, want: []string{"listener-rule-origin-verify", "listener", "load-balancer"}},
		"PartlyDeleted": {observed: []string{"load-balancer"}, want: []string{"load-balancer"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var rs []observedResource
			for _, k := range tc.observed {
				rs = append(rs, observedReady(k))
			}
			b := buildLoadBalancer(testSpec(t, xrNamed("api", "team")), observedOf(t, rs...))
			if diff := cmp.Diff(tc.want, b.Retired); diff != "" {
				t.Errorf("retired (-want +got):\n%s", diff)
			}
		})
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

func lbViewOf(lb *elbv2.LB) lbView {
	p := lb.Spec.ForProvider
	v := lbView{
		Name: *p.Name, Type: *p.LoadBalancerType,
		Internal: deref(p.Internal), DeletionProtection: deref(p.EnableDeletionProtection),
		DropInvalidHeaders: deref(p.DropInvalidHeaderFields),
	}
	for _, r := range p.SubnetRefs {
		v.Subnets = append(v.Subnets, r.Name)
	}
	for _, r := range p.SecurityGroupRefs {
		v.SecurityGroups = append(v.SecurityGroups, r.Name)
	}
	if a := p.AccessLogs; a != nil {
		v.LogsBucketRef, v.LogsPrefix, v.LogsEnabled = refName(a.BucketRef), *a.Prefix, deref(a.Enabled)
	}
	return v
}

func TestLoadBalancer(t *testing.T) {
	s := testSpec(t, xrNamed("api", "team"))
	got := lbViewOf(objectByKey[*elbv2.LB](t, buildLoadBalancer(s, engine.Observed{}), KeyLoadBalancer))
	want := lbView{
		Name: "alb-int-dev", Type: "application",
		Internal: true, DeletionProtection: false, DropInvalidHeaders: true,
		Subnets:        []string{"api-subnet-private-a", "api-subnet-private-b"},
		SecurityGroups: []string{"api-security-group-alb"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLoadBalancerAccessLogsGating(t *testing.T) {
	policy := func(ready bool) observedResource { return observedResource{key: KeyLogBucketPolicy, ready: ready} }
	lbWithLogs := func(on bool) observedResource {
		return observedResource{key: KeyLoadBalancer, ready: true, spec: map[string]any{"forProvider": map[string]any{
			"accessLogs": map[string]any{"enabled": on, "prefix": "alb"},
		}}}
	}
	cases := map[string]struct {
		observed []observedResource
		logs     bool
	}{
		"NothingObserved":          {observed: nil, logs: false},
		"PolicyNotReady":           {observed: []observedResource{policy(false)}, logs: false},
		"PolicyReady":              {observed: []observedResource{policy(true)}, logs: true},
		"LogsOnStayOnWithoutReady": {observed: []observedResource{policy(false), lbWithLogs(true)}, logs: true},
		"LogsOffObservedNoPolicy":  {observed: []observedResource{lbWithLogs(false)}, logs: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := buildLoadBalancer(testSpec(t, xrNamed("api", "team")), observedOf(t, tc.observed...))
			got := lbViewOf(objectByKey[*elbv2.LB](t, b, KeyLoadBalancer))
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
			if len(b.Resources) != 3 {
				t.Errorf("rendered %d resources, want 3", len(b.Resources))
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
	s := testSpec(t, xrNamed("api", "team"))
	tg := objectByKey[*elbv2.LBTargetGroup](t, buildLoadBalancer(s, engine.Observed{}), KeyTargetGroup)
	p := tg.Spec.ForProvider
	hc := p.HealthCheck
	got := targetGroupView{
		Name: *p.Name, Protocol: *p.Protocol, TargetType: *p.TargetType, VPCRef: refName(p.VPCIDRef),
		Deregistration: *p.DeregistrationDelay, Port: deref(p.Port),
		HCPath: *hc.Path, HCProtocol: *hc.Protocol, HCPort: *hc.Port, HCMatcher: *hc.Matcher,
		HCEnabled: deref(hc.Enabled), HCInterval: deref(hc.Interval), HCTimeout: deref(hc.Timeout),
		HCHealthy: deref(hc.HealthyThreshold), HCUnhealthy: deref(hc.UnhealthyThreshold),
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
	s := testSpec(t, xrNamed("api", "team"))
	l := objectByKey[*elbv2.LBListener](t, buildLoadBalancer(s, engine.Observed{}), KeyListener)
	p := l.Spec.ForProvider
	got := listenerView{LBRef: refName(p.LoadBalancerArnRef), Protocol: *p.Protocol, Port: deref(p.Port)}
	for _, a := range p.DefaultAction {
		got.Actions = append(got.Actions, strings.Join([]string{*a.Index, *a.Type, refName(a.TargetGroupArnRef)}, " "))
	}
	// Every request CloudFront's VPC origin sends reaches the target group.
	want := listenerView{
		LBRef: "api-load-balancer-internal", Protocol: "HTTP", Port: 80.0,
		Actions: []string{"default forward api-target-group"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
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
			b := buildLoadBalancer(testSpec(t, xrNamed("api", "team"), withSpecField("environmentSuffix", suffix)), engine.Observed{})
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
