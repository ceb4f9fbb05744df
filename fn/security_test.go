package fn

import (
	"strings"
	"testing"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/crossplane/function-sdk-go/resource/composite"
	"github.com/google/go-cmp/cmp"
	ec2 "github.com/upbound/provider-aws/v2/apis/namespaced/ec2/v1beta1"

	"github.com/platform/function-catalog-api/input/v1beta1"
)

// lbTestSpec is the Spec of a CatalogApi "api" in namespace "team" with
// this environment suffix and image nginx:1.27.
func lbTestSpec(t *testing.T, suffix string) *Spec {
	t.Helper()
	xr := composite.New()
	xr.SetAPIVersion("platform.example.org/v1alpha1")
	xr.SetKind("CatalogApi")
	xr.SetName("api")
	xr.SetNamespace("team")
	xr.Object["spec"] = map[string]any{"environmentSuffix": suffix, "image": "nginx:1.27"}
	s, err := NewSpec(xr, &v1beta1.Input{})
	if err != nil {
		t.Fatalf("NewSpec: %v", err)
	}
	return s
}

// lbTestObject is an observed composed resource with these top-level
// fields (spec, status) and, if ready, the condition Ready=True.
func lbTestObject(ready bool, fields map[string]any) *composed.Unstructured {
	u := composed.New()
	for k, v := range fields {
		u.Object[k] = v
	}
	if ready {
		u.SetConditions(xpv1.Available())
	} else {
		u.SetConditions(xpv1.Creating())
	}
	return u
}

// lbTestObserved builds Observed from resources by key.
func lbTestObserved(objs map[string]*composed.Unstructured) Observed {
	o := Observed{}
	for k, u := range objs {
		o[resource.Name(k)] = resource.ObservedComposed{Resource: u}
	}
	return o
}

// lbTestByKey indexes rendered resources by key.
func lbTestByKey(t *testing.T, b Built) map[string]Desired {
	t.Helper()
	m := map[string]Desired{}
	for _, d := range b.Resources {
		if _, dup := m[d.Key]; dup {
			t.Fatalf("key %q rendered twice", d.Key)
		}
		m[d.Key] = d
	}
	return m
}

func lbTestKeys(b Built) []string {
	keys := make([]string, len(b.Resources))
	for i, d := range b.Resources {
		keys[i] = d.Key
	}
	return keys
}

func lbTestDeref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func lbTestRefName(r *xpv1.NamespacedReference) string {
	if r == nil {
		return ""
	}
	return r.Name
}

func TestBuildSecurityKeys(t *testing.T) {
	s := lbTestSpec(t, "dev")
	b := buildSecurity(s, Observed{})
	want := []string{
		KeySGLoadBalancer, KeySGTasks, KeySGDatabase,
		KeyRuleALBFromCloudFront, KeyRuleALBToTasks, KeyRuleTasksFromALB,
		KeyRuleTasksToDatabase, KeyRuleTasksToHTTPS, KeyRuleDatabaseFromTasks,
	}
	if diff := cmp.Diff(want, lbTestKeys(b)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if len(b.Waiting) != 0 {
		t.Errorf("Waiting = %v, want nothing: security needs nothing observed", b.Waiting)
	}
}

// securityGroupView is what a test checks of a SecurityGroup.
type securityGroupView struct {
	Name, AWSName, VPCRef string
	Revoke                any
	HasDescription        bool
}

func TestSecurityGroups(t *testing.T) {
	s := lbTestSpec(t, "dev")
	got := lbTestByKey(t, buildSecurity(s, Observed{}))
	cases := map[string]securityGroupView{
		KeySGLoadBalancer: {Name: "security-group-alb-dev", AWSName: "security-group-alb-dev", VPCRef: "api-vpc", Revoke: true, HasDescription: true},
		KeySGTasks:        {Name: "security-group-tasks-dev", AWSName: "security-group-tasks-dev", VPCRef: "api-vpc", Revoke: true, HasDescription: true},
		KeySGDatabase:     {Name: "security-group-database-dev", AWSName: "security-group-database-dev", VPCRef: "api-vpc", Revoke: true, HasDescription: true},
	}
	for key, want := range cases {
		t.Run(key, func(t *testing.T) {
			sg, ok := got[key].Object.(*ec2.SecurityGroup)
			if !ok {
				t.Fatalf("%s is %T, want *ec2.SecurityGroup", key, got[key].Object)
			}
			p := sg.Spec.ForProvider
			view := securityGroupView{
				Name: *p.Name, AWSName: got[key].AWSName, VPCRef: lbTestRefName(p.VPCIDRef),
				Revoke: lbTestDeref(p.RevokeRulesOnDelete), HasDescription: p.Description != nil && *p.Description != "",
			}
			if diff := cmp.Diff(want, view); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			// EC2 rejects group names starting with "sg-".
			if strings.HasPrefix(*p.Name, "sg-") {
				t.Errorf("name %q starts with sg-", *p.Name)
			}
		})
	}
}

// ruleView is what a test checks of one security group rule.
type ruleView struct {
	Direction, Group, Protocol string
	From, To                   any
	PrefixList, Peer, CIDR     any
}

func ingressView(r *ec2.SecurityGroupIngressRule) ruleView {
	p := r.Spec.ForProvider
	v := ruleView{Direction: "ingress", Group: lbTestRefName(p.SecurityGroupIDRef), Protocol: *p.IPProtocol,
		From: lbTestDeref(p.FromPort), To: lbTestDeref(p.ToPort), PrefixList: lbTestDeref(p.PrefixListID), CIDR: lbTestDeref(p.CidrIPv4)}
	if p.ReferencedSecurityGroupIDRef != nil {
		v.Peer = p.ReferencedSecurityGroupIDRef.Name
	}
	return v
}

func egressView(r *ec2.SecurityGroupEgressRule) ruleView {
	p := r.Spec.ForProvider
	v := ruleView{Direction: "egress", Group: lbTestRefName(p.SecurityGroupIDRef), Protocol: *p.IPProtocol,
		From: lbTestDeref(p.FromPort), To: lbTestDeref(p.ToPort), PrefixList: lbTestDeref(p.PrefixListID), CIDR: lbTestDeref(p.CidrIPv4)}
	if p.ReferencedSecurityGroupIDRef != nil {
		v.Peer = p.ReferencedSecurityGroupIDRef.Name
	}
	return v
}

// lbTestRuleView views a rendered rule; ok is false for anything else.
func lbTestRuleView(d Desired) (ruleView, bool) {
	switch r := d.Object.(type) {
	case *ec2.SecurityGroupIngressRule:
		return ingressView(r), true
	case *ec2.SecurityGroupEgressRule:
		return egressView(r), true
	}
	return ruleView{}, false
}

func TestSecurityRules(t *testing.T) {
	s := lbTestSpec(t, "dev")
	got := lbTestByKey(t, buildSecurity(s, Observed{}))
	cases := map[string]struct {
		want    ruleView
		awsName string
	}{
		KeyRuleALBFromCloudFront: {
			want:    ruleView{Direction: "ingress", Group: "api-security-group-alb", Protocol: "tcp", From: 80.0, To: 80.0, PrefixList: "pl-fab65393"},
			awsName: "sgr-alb-ingress-cloudfront-dev",
		},
		KeyRuleALBToTasks: {
			want:    ruleView{Direction: "egress", Group: "api-security-group-alb", Protocol: "tcp", From: 3000.0, To: 3000.0, Peer: "api-security-group-tasks"},
			awsName: "sgr-alb-egress-tasks-dev",
		},
		KeyRuleTasksFromALB: {
			want:    ruleView{Direction: "ingress", Group: "api-security-group-tasks", Protocol: "tcp", From: 3000.0, To: 3000.0, Peer: "api-security-group-alb"},
			awsName: "sgr-tasks-ingress-alb-dev",
		},
		KeyRuleTasksToDatabase: {
			want:    ruleView{Direction: "egress", Group: "api-security-group-tasks", Protocol: "tcp", From: 5432.0, To: 5432.0, Peer: "api-security-group-database"},
			awsName: "sgr-tasks-egress-database-dev",
		},
		KeyRuleTasksToHTTPS: {
			want:    ruleView{Direction: "egress", Group: "api-security-group-tasks", Protocol: "tcp", From: 443.0, To: 443.0, CIDR: "0.0.0.0/0"},
			awsName: "sgr-tasks-egress-https-dev",
		},
		KeyRuleDatabaseFromTasks: {
			want:    ruleView{Direction: "ingress", Group: "api-security-group-database", Protocol: "tcp", From: 5432.0, To: 5432.0, Peer: "api-security-group-tasks"},
			awsName: "sgr-database-ingress-tasks-dev",
		},
	}
	for key, tc := range cases {
		t.Run(key, func(t *testing.T) {
			d, ok := got[key]
			if !ok {
				t.Fatalf("%s not rendered", key)
			}
			view, ok := lbTestRuleView(d)
			if !ok {
				t.Fatalf("%s is %T, want an ingress or egress rule kind", key, d.Object)
			}
			if diff := cmp.Diff(tc.want, view); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if d.AWSName != tc.awsName {
				t.Errorf("AWSName = %q, want %q", d.AWSName, tc.awsName)
			}
		})
	}
}

// TestSecurityLeastPrivilege checks the properties the contract promises for
// every rule, whatever rules are added later.
func TestSecurityLeastPrivilege(t *testing.T) {
	s := lbTestSpec(t, "dev")
	b := buildSecurity(s, Observed{})
	rules := 0
	for _, d := range b.Resources {
		v, ok := lbTestRuleView(d)
		if !ok {
			continue
		}
		rules++
		if v.Direction == "ingress" && v.CIDR != nil {
			t.Errorf("%s: ingress from CIDR %v; ingress must come from the CloudFront prefix list or a security group", d.Key, v.CIDR)
		}
		if v.Direction == "egress" && v.Group == s.ObjectName(KeySGDatabase) {
			t.Errorf("%s: egress rule on the database security group", d.Key)
		}
		if v.From != v.To {
			t.Errorf("%s: port range %v-%v, want a single port", d.Key, v.From, v.To)
		}
		if v.Protocol != "tcp" {
			t.Errorf("%s: protocol %q, want tcp", d.Key, v.Protocol)
		}
	}
	if rules != 6 {
		t.Errorf("rendered %d rules, want 6", rules)
	}
}

// TestSecurityRulesAreTagged checks that finalize finds the tags field of
// the rule kinds (they are taggable in provider-aws v2.5.0).
func TestSecurityRulesAreTagged(t *testing.T) {
	s := lbTestSpec(t, "dev")
	for _, d := range buildSecurity(s, Observed{}).Resources {
		s.finalize(d)
		var tags map[string]*string
		switch r := d.Object.(type) {
		case *ec2.SecurityGroupIngressRule:
			tags = r.Spec.ForProvider.Tags
		case *ec2.SecurityGroupEgressRule:
			tags = r.Spec.ForProvider.Tags
		case *ec2.SecurityGroup:
			tags = r.Spec.ForProvider.Tags
		}
		got := map[string]string{}
		for k, v := range tags {
			got[k] = *v
		}
		want := map[string]string{"Environment": "production", "Project": "catalog-api", "Name": d.AWSName}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s tags (-want +got):\n%s", d.Key, diff)
		}
	}
}
