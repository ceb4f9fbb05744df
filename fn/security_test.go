package fn

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	ec2 "github.com/upbound/provider-aws/v2/apis/namespaced/ec2/v1beta1"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"

	"github.com/platform/function-catalog-api/internal/engine"
)

func TestBuildSecurityKeys(t *testing.T) {
	s := testSpec(t, xrNamed("api", "team"))
	b := buildSecurity(s, engine.Observed{})
	checkRendersAtOnce(t, b, []string{
		KeySGLoadBalancer, KeySGTasks, KeySGDatabase,
		KeyRuleALBFromCloudFront, KeyRuleALBToTasks, KeyRuleTasksFromALB,
		KeyRuleTasksToDatabase, KeyRuleTasksToHTTPS, KeyRuleDatabaseFromTasks,
	}, "security needs nothing observed")
}

// securityGroupView is what a test checks of a SecurityGroup.
type securityGroupView struct {
	Name, AWSName, VPCRef string
	Revoke                any
	HasDescription        bool
}

func TestSecurityGroups(t *testing.T) {
	s := testSpec(t, xrNamed("api", "team"))
	b := buildSecurity(s, engine.Observed{})
	cases := map[string]securityGroupView{
		KeySGLoadBalancer: {Name: "security-group-alb-dev", AWSName: "security-group-alb-dev", VPCRef: "api-vpc", Revoke: true, HasDescription: true},
		KeySGTasks:        {Name: "security-group-tasks-dev", AWSName: "security-group-tasks-dev", VPCRef: "api-vpc", Revoke: true, HasDescription: true},
		KeySGDatabase:     {Name: "security-group-database-dev", AWSName: "security-group-database-dev", VPCRef: "api-vpc", Revoke: true, HasDescription: true},
	}
	for key, want := range cases {
		t.Run(key, func(t *testing.T) {
			p := objectByKey[*ec2.SecurityGroup](t, b, key).Spec.ForProvider
			view := securityGroupView{
				Name: *p.Name, AWSName: desiredByKey(t, b, key).AWSName, VPCRef: refName(p.VPCIDRef),
				Revoke: deref(p.RevokeRulesOnDelete), HasDescription: p.Description != nil && *p.Description != "",
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

// newRuleView views the fields an ingress and an egress rule share.
func newRuleView(direction string, group *xpv1.NamespacedReference, protocol *string, from, to *float64,
	prefixList, cidr *string, peer *xpv1.NamespacedReference,
) ruleView {
	v := ruleView{
		Direction: direction, Group: refName(group), Protocol: *protocol,
		From: deref(from), To: deref(to), PrefixList: deref(prefixList), CIDR: deref(cidr),
	}
	if peer != nil {
		v.Peer = peer.Name
	}
	return v
}

// ruleViewOf views a rendered rule; ok is false for anything else.
func ruleViewOf(d engine.Desired) (ruleView, bool) {
	switch r := d.Object.(type) {
	case *ec2.SecurityGroupIngressRule:
		p := r.Spec.ForProvider
		return newRuleView("ingress", p.SecurityGroupIDRef, p.IPProtocol, p.FromPort, p.ToPort,
			p.PrefixListID, p.CidrIPv4, p.ReferencedSecurityGroupIDRef), true
	case *ec2.SecurityGroupEgressRule:
		p := r.Spec.ForProvider
		return newRuleView("egress", p.SecurityGroupIDRef, p.IPProtocol, p.FromPort, p.ToPort,
			p.PrefixListID, p.CidrIPv4, p.ReferencedSecurityGroupIDRef), true
	}
	return ruleView{}, false
}

func TestSecurityRules(t *testing.T) {
	s := testSpec(t, xrNamed("api", "team"))
	b := buildSecurity(s, engine.Observed{})
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
			d := desiredByKey(t, b, key)
			view, ok := ruleViewOf(d)
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
	s := testSpec(t, xrNamed("api", "team"))
	b := buildSecurity(s, engine.Observed{})
	rules := 0
	for _, d := range b.Resources {
		v, ok := ruleViewOf(d)
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

// TestSecurityRulesAreTagged checks that the builders tag the groups and
// the rule kinds (they are taggable in provider-aws v2.5.0).
func TestSecurityRulesAreTagged(t *testing.T) {
	s := testSpec(t, xrNamed("api", "team"))
	for _, d := range buildSecurity(s, engine.Observed{}).Resources {
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
