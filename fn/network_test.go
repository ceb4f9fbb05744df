package fn

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	ec2 "github.com/upbound/provider-aws/v2/apis/namespaced/ec2/v1beta1"
	iam "github.com/upbound/provider-aws/v2/apis/namespaced/iam/v1beta1"

	"github.com/platform/function-catalog-api/input/v1beta1"
	"github.com/platform/function-catalog-api/internal/engine"
)

func TestNetworkSubnets(t *testing.T) {
	cases := map[string]struct {
		key      string
		wantCidr string
		wantAZ   string
	}{
		"PublicA":  {key: KeyPublicSubnet(0), wantCidr: "10.0.0.0/18", wantAZ: "eu-north-1a"},
		"PublicB":  {key: KeyPublicSubnet(1), wantCidr: "10.0.64.0/18", wantAZ: "eu-north-1b"},
		"PrivateA": {key: KeyPrivateSubnet(0), wantCidr: "10.0.128.0/18", wantAZ: "eu-north-1a"},
		"PrivateB": {key: KeyPrivateSubnet(1), wantCidr: "10.0.192.0/18", wantAZ: "eu-north-1b"},
	}
	s := testSpec(t)
	b := buildNetwork(s, nil)
	subnets := 0
	for _, d := range b.Resources {
		if _, ok := d.Object.(*ec2.Subnet); ok {
			subnets++
		}
	}
	if subnets != 4 {
		t.Errorf("rendered %d subnets, want 4", subnets)
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			fp := objectByKey[*ec2.Subnet](t, b, tc.key).Spec.ForProvider
			got := []string{*fp.CidrBlock, *fp.AvailabilityZone}
			if diff := cmp.Diff([]string{tc.wantCidr, tc.wantAZ}, got); diff != "" {
				t.Errorf("cidr, az (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(refTo(s, KeyVPC), fp.VPCIDRef); diff != "" {
				t.Errorf("vpcIdRef (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNetworkTwoAZs(t *testing.T) {
	b := buildNetwork(testSpec(t), nil)
	azs := map[string]int{}
	for _, d := range b.Resources {
		if sn, ok := d.Object.(*ec2.Subnet); ok {
			azs[*sn.Spec.ForProvider.AvailabilityZone]++
		}
	}
	if diff := cmp.Diff(map[string]int{"eu-north-1a": 2, "eu-north-1b": 2}, azs); diff != "" {
		t.Errorf("subnets per AZ (-want +got):\n%s", diff)
	}
}

func TestNetworkVPC(t *testing.T) {
	s := testSpec(t, withSpecField("network", map[string]any{"vpcCidr": "172.16.0.0/20"}))
	b := buildNetwork(s, nil)
	fp := objectByKey[*ec2.VPC](t, b, KeyVPC).Spec.ForProvider
	got := []any{*fp.CidrBlock, *fp.EnableDNSHostnames, *fp.EnableDNSSupport}
	if diff := cmp.Diff([]any{"172.16.0.0/20", true, true}, got); diff != "" {
		t.Errorf("vpc (-want +got):\n%s", diff)
	}
	// A /20 splits into /22 quarters.
	if got := *objectByKey[*ec2.Subnet](t, b, KeyPrivateSubnet(1)).Spec.ForProvider.CidrBlock; got != "172.16.12.0/22" {
		t.Errorf("private subnet b cidr = %s, want 172.16.12.0/22", got)
	}
}

func TestNetworkNATGateways(t *testing.T) {
	cases := map[string]struct {
		in *v1beta1.Input
		// wantNATs are the NAT gateway keys rendered, in order.
		wantNATs []string
		// wantRouteNAT is the NAT gateway each private route (a, b) uses.
		wantRouteNAT [2]string
	}{
		"DefaultIsPerAZ": {
			in:           &v1beta1.Input{},
			wantNATs:     []string{KeyNATGateway(0), KeyNATGateway(1)},
			wantRouteNAT: [2]string{KeyNATGateway(0), KeyNATGateway(1)},
		},
		"PerAZ": {
			in:           &v1beta1.Input{NATGateways: "PerAZ"},
			wantNATs:     []string{KeyNATGateway(0), KeyNATGateway(1)},
			wantRouteNAT: [2]string{KeyNATGateway(0), KeyNATGateway(1)},
		},
		"Single": {
			in:           &v1beta1.Input{NATGateways: "Single"},
			wantNATs:     []string{KeyNATGateway(0)},
			wantRouteNAT: [2]string{KeyNATGateway(0), KeyNATGateway(0)},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := testSpec(t, withInput(tc.in))
			b := buildNetwork(s, nil)
			checkNATGatewayKeys(t, b, tc.wantNATs)
			checkNATGatewayRefs(t, s, b, tc.wantNATs)
			checkPrivateRoutes(t, s, b, tc.wantRouteNAT)
		})
	}
}

// checkNATGatewayKeys: the NAT gateways rendered, in order, each with its EIP.
func checkNATGatewayKeys(t *testing.T, b engine.Built, wantNATs []string) {
	t.Helper()
	var nats, eips []string
	for _, d := range b.Resources {
		switch d.Object.(type) {
		case *ec2.NATGateway:
			nats = append(nats, d.Key)
		case *ec2.EIP:
			eips = append(eips, d.Key)
		}
	}
	if diff := cmp.Diff(wantNATs, nats); diff != "" {
		t.Errorf("NAT gateways (-want +got):\n%s", diff)
	}
	if len(eips) != len(wantNATs) {
		t.Errorf("rendered %d EIPs for %d NAT gateways", len(eips), len(wantNATs))
	}
}

// checkNATGatewayRefs: the i-th NAT gateway sits in the i-th public subnet
// with the i-th EIP.
func checkNATGatewayRefs(t *testing.T, s *Spec, b engine.Built, wantNATs []string) {
	t.Helper()
	for i, key := range wantNATs {
		fp := objectByKey[*ec2.NATGateway](t, b, key).Spec.ForProvider
		if diff := cmp.Diff(refTo(s, KeyPublicSubnet(i)), fp.SubnetIDRef); diff != "" {
			t.Errorf("%s subnetIdRef (-want +got):\n%s", key, diff)
		}
		if diff := cmp.Diff(refTo(s, KeyEIP(i)), fp.AllocationIDRef); diff != "" {
			t.Errorf("%s allocationIdRef (-want +got):\n%s", key, diff)
		}
	}
}

// checkPrivateRoutes: each AZ's private default route goes through the NAT
// gateway wantRouteNAT names.
func checkPrivateRoutes(t *testing.T, s *Spec, b engine.Built, wantRouteNAT [2]string) {
	t.Helper()
	for i := range zoneCount {
		fp := objectByKey[*ec2.Route](t, b, KeyPrivateDefaultRoute(i)).Spec.ForProvider
		want := ec2.RouteParameters_2{
			Region:               new("eu-north-1"),
			RouteTableIDRef:      refTo(s, KeyPrivateRouteTable(i)),
			DestinationCidrBlock: new("0.0.0.0/0"),
			NATGatewayIDRef:      refTo(s, wantRouteNAT[i]),
		}
		if diff := cmp.Diff(want, fp); diff != "" {
			t.Errorf("private route %s (-want +got):\n%s", zone(i), diff)
		}
	}
}

// TestNetworkLetsGoOfUnneededNAT: a stack with a NAT gateway per AZ that
// is asked for fewer lets go of the ones it no longer needs, with their
// Elastic IPs (and, with none, of the private default routes), rather
// than keeping them at their cost; with as many as before it lets go of
// nothing.
func TestNetworkLetsGoOfUnneededNAT(t *testing.T) {
	observed := observedOf(t, observedReady(KeyVPC),
		observedReady(KeyNATGateway(0)), observedReady(KeyEIP(0)), observedReady(KeyPrivateDefaultRoute(0)),
		observedReady(KeyNATGateway(1)), observedReady(KeyEIP(1)), observedReady(KeyPrivateDefaultRoute(1)))
	endpoints := true
	for name, tc := range map[string]struct {
		in   *v1beta1.Input
		want []string
	}{
		"PerAZ":  {in: &v1beta1.Input{}},
		"Single": {in: &v1beta1.Input{NATGateways: "Single"}, want: []string{KeyNATGateway(1), KeyEIP(1)}},
		"None": {in: &v1beta1.Input{NATGateways: "None", VPCEndpoints: &endpoints}, want: []string{
			KeyNATGateway(0), KeyEIP(0), KeyNATGateway(1), KeyEIP(1), KeyPrivateDefaultRoute(0), KeyPrivateDefaultRoute(1),
		}},
	} {
		t.Run(name, func(t *testing.T) {
			b := buildNetwork(testSpec(t, withInput(tc.in), withSpecField("image", "123456789012.dkr.ecr.eu-north-1.amazonaws.com/catalog-api:1.0.0")), observed)
			if diff := cmp.Diff(tc.want, b.Retired, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("retired (-want +got):\n%s", diff)
			}
			for _, k := range b.Retired {
				if slices.Contains(renderedKeys(b), k) {
					t.Errorf("%s is both rendered and retired", k)
				}
			}
		})
	}
}

func TestNetworkPublicRoute(t *testing.T) {
	s := testSpec(t)
	b := buildNetwork(s, nil)
	want := ec2.RouteParameters_2{
		Region:               new("eu-north-1"),
		RouteTableIDRef:      refTo(s, KeyPublicRouteTable),
		DestinationCidrBlock: new("0.0.0.0/0"),
		GatewayIDRef:         refTo(s, KeyInternetGateway),
	}
	if diff := cmp.Diff(want, objectByKey[*ec2.Route](t, b, KeyPublicDefaultRoute).Spec.ForProvider); diff != "" {
		t.Errorf("public route (-want +got):\n%s", diff)
	}
	igw := objectByKey[*ec2.InternetGateway](t, b, KeyInternetGateway).Spec.ForProvider
	if diff := cmp.Diff(refTo(s, KeyVPC), igw.VPCIDRef); diff != "" {
		t.Errorf("internet gateway vpcIdRef (-want +got):\n%s", diff)
	}
}

func TestNetworkRouteTableAssociations(t *testing.T) {
	s := testSpec(t)
	b := buildNetwork(s, nil)
	cases := map[string]struct {
		key, wantTable, wantSubnet string
	}{
		"PublicA":  {KeyPublicRTA(0), KeyPublicRouteTable, KeyPublicSubnet(0)},
		"PublicB":  {KeyPublicRTA(1), KeyPublicRouteTable, KeyPublicSubnet(1)},
		"PrivateA": {KeyPrivateRTA(0), KeyPrivateRouteTable(0), KeyPrivateSubnet(0)},
		"PrivateB": {KeyPrivateRTA(1), KeyPrivateRouteTable(1), KeyPrivateSubnet(1)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			fp := objectByKey[*ec2.RouteTableAssociation](t, b, tc.key).Spec.ForProvider
			want := ec2.RouteTableAssociationParameters{
				Region:          new("eu-north-1"),
				RouteTableIDRef: refTo(s, tc.wantTable),
				SubnetIDRef:     refTo(s, tc.wantSubnet),
			}
			if diff := cmp.Diff(want, fp); diff != "" {
				t.Errorf("association (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNetworkFlowLog(t *testing.T) {
	s := testSpec(t)
	b := buildNetwork(s, vpcOwnedBy(t, "123456789012"))
	want := ec2.FlowLogParameters{
		Region:             new("eu-north-1"),
		Tags:               map[string]*string{"Environment": new("production"), "Project": new("catalog-api"), "Name": new("flow-log-dev")},
		VPCIDRef:           refTo(s, KeyVPC),
		TrafficType:        new("ALL"),
		LogDestinationType: new("cloud-watch-logs"),
		LogDestinationRef:  refTo(s, KeyFlowLogGroup),
		IAMRoleArnRef:      refTo(s, KeyFlowLogRole),
	}
	if diff := cmp.Diff(want, objectByKey[*ec2.FlowLog](t, b, KeyFlowLog).Spec.ForProvider); diff != "" {
		t.Errorf("flow log (-want +got):\n%s", diff)
	}
	group := desiredByKey(t, b, KeyFlowLogGroup)
	if group.AWSName != "/aws/vpc/flow-logs-dev" || !group.ExternalName {
		t.Errorf("flow log group AWSName=%q ExternalName=%v", group.AWSName, group.ExternalName)
	}
}

// vpcOwnedBy is the VPC as the provider reports it: AWS names its owner.
func vpcOwnedBy(t *testing.T, account string) engine.Observed {
	t.Helper()
	return observedOf(t, observedResource{key: KeyVPC, ready: true, atProvider: map[string]any{"ownerId": account}})
}

// jsonOf decodes a policy document for comparison.
func jsonOf(t *testing.T, doc string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("invalid policy JSON %s: %v", doc, err)
	}
	return m
}

// TestNetworkFlowLogRole: VPC Flow Logs alone may assume the role, only for
// flow logs of the stack's account and region (aws:SourceAccount,
// aws:SourceArn), and the role may do what AWS documents for delivery to
// CloudWatch Logs, on the stack's flow-log group.
func TestNetworkFlowLogRole(t *testing.T) {
	s := testSpec(t)
	b := buildNetwork(s, vpcOwnedBy(t, "210987654321"))

	role := objectByKey[*iam.Role](t, b, KeyFlowLogRole).Spec.ForProvider
	wantTrust := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect":    "Allow",
		"Principal": map[string]any{"Service": "vpc-flow-logs.amazonaws.com"},
		"Action":    []any{"sts:AssumeRole"},
		"Condition": map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": "210987654321"},
			"ArnLike":      map[string]any{"aws:SourceArn": "arn:aws:ec2:eu-north-1:210987654321:vpc-flow-log/*"},
		},
	}}}
	if diff := cmp.Diff(wantTrust, jsonOf(t, *role.AssumeRolePolicy)); diff != "" {
		t.Errorf("trust policy (-want +got):\n%s", diff)
	}

	rp := objectByKey[*iam.RolePolicy](t, b, KeyFlowLogRolePolicy).Spec.ForProvider
	if diff := cmp.Diff(refTo(s, KeyFlowLogRole), rp.RoleRef); diff != "" {
		t.Errorf("roleRef (-want +got):\n%s", diff)
	}
	group := "arn:aws:logs:eu-north-1:*:log-group:/aws/vpc/flow-logs-dev"
	wantPolicy := map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{
			"Effect":   "Allow",
			"Action":   []any{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
			"Resource": []any{group, group + ":log-stream:*"},
		},
		map[string]any{
			"Effect":   "Allow",
			"Action":   []any{"logs:DescribeLogGroups"},
			"Resource": []any{"arn:aws:logs:eu-north-1:*:log-group:*"},
		},
	}}
	if diff := cmp.Diff(wantPolicy, jsonOf(t, *rp.Policy)); diff != "" {
		t.Errorf("role policy (-want +got):\n%s", diff)
	}
}

// TestNetworkFlowLogRoleWaitsForTheAccount: without the account the trust
// policy cannot be conditioned: the role, its policy and the flow log wait,
// unless the role exists already, which keeps its trust policy.
func TestNetworkFlowLogRoleWaitsForTheAccount(t *testing.T) {
	s := testSpec(t)
	b := buildNetwork(s, nil)
	for _, k := range []string{KeyFlowLogRole, KeyFlowLogRolePolicy, KeyFlowLog} {
		if slices.Contains(renderedKeys(b), k) {
			t.Errorf("%s rendered before the account is known", k)
		}
	}
	if len(b.Waiting) != 1 || !strings.Contains(b.Waiting[0], "status.atProvider.ownerId") {
		t.Errorf("Waiting = %q, want the account ID", b.Waiting)
	}
	previous := `{"Version":"2012-10-17","Statement":[]}`
	o := observedOf(t, observedResource{key: KeyFlowLogRole, ready: true, spec: map[string]any{"forProvider": map[string]any{"assumeRolePolicy": previous}}})
	b = buildNetwork(s, o)
	if got := *objectByKey[*iam.Role](t, b, KeyFlowLogRole).Spec.ForProvider.AssumeRolePolicy; got != previous {
		t.Errorf("an existing role's trust policy became %s, want it kept: %s", got, previous)
	}
}

// TestFlowLogTrafficType: ALL by default, REJECT from the Input, anything
// else refused naming the Input field.
func TestFlowLogTrafficType(t *testing.T) {
	cases := map[string]struct {
		in      string
		want    string
		wantErr string
	}{
		"Default": {want: "ALL"},
		"Reject":  {in: "REJECT", want: "REJECT"},
		"Accept":  {in: "ACCEPT", wantErr: "input.flowLogTrafficType: invalid value \"ACCEPT\": must be ALL or REJECT"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s, err := newTestSpec(withInput(&v1beta1.Input{FlowLogTrafficType: tc.in}))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("got %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s.Claim = ClaimHeld
			fl := objectByKey[*ec2.FlowLog](t, buildNetwork(s, vpcOwnedBy(t, "123456789012")), KeyFlowLog)
			if got := *fl.Spec.ForProvider.TrafficType; got != tc.want {
				t.Errorf("trafficType = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestNetworkDefaultSecurityGroup: the stack's own VPC gets its default
// security group restricted (no ingress, no egress: Security Hub EC2.2),
// adopted by reference to the VPC with no external name (the provider sets
// the group's ID) and without late-initialization (a rule added by hand is
// removed, not adopted); an existing network's default group is left to
// its owner.
func TestNetworkDefaultSecurityGroup(t *testing.T) {
	cases := map[string]struct {
		spec []specOption
		want bool
	}{
		"OwnVPC":          {want: true},
		"OwnVPCNoNAT":     {spec: []specOption{withInput(&v1beta1.Input{NATGateways: "None", VPCEndpoints: new(true)})}, want: true},
		"ExistingNetwork": {spec: []specOption{withSpecField("network", existingNetworkSpec())}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := testSpec(t, tc.spec...)
			b := buildNetwork(s, vpcOwnedBy(t, testAccount))
			if !tc.want {
				if slices.Contains(renderedKeys(b), KeyDefaultSG) {
					t.Errorf("%s rendered in an existing network", KeyDefaultSG)
				}
				return
			}
			d := desiredByKey(t, b, KeyDefaultSG)
			sg := objectByKey[*ec2.DefaultSecurityGroup](t, b, KeyDefaultSG).Spec
			checkValues(t, map[string]gotWant{
				"NoIngress":          {len(sg.ForProvider.Ingress) + len(sg.InitProvider.Ingress), 0},
				"NoEgress":           {len(sg.ForProvider.Egress) + len(sg.InitProvider.Egress), 0},
				"VPC":                {sg.ForProvider.VPCIDRef.Name, s.ObjectName(KeyVPC)},
				"Region":             {*sg.ForProvider.Region, s.Region},
				"NoExternalName":     {d.ExternalName, false},
				"NameTag":            {*sg.ForProvider.Tags["Name"], "security-group-default-dev"},
				"ManagementPolicies": {sg.ManagementPolicies, withoutLateInitialize()},
			})
		})
	}
}
