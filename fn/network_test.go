package fn

import (
	"encoding/json"
	"testing"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/google/go-cmp/cmp"
	ec2 "github.com/upbound/provider-aws/v2/apis/namespaced/ec2/v1beta1"
	iam "github.com/upbound/provider-aws/v2/apis/namespaced/iam/v1beta1"

	"github.com/platform/function-catalog-api/input/v1beta1"
)

// netTestSpec is the Spec of CatalogApi default/catalog ("dev") with an
// Input.
func netTestSpec(t *testing.T, in *v1beta1.Input) *Spec {
	t.Helper()
	return logTestSpecFor(t, logTestXR("catalog", "default", "dev"), in)
}

// netTestRef is the reference to the composed resource with this key.
func netTestRef(s *Spec, key string) *xpv1.NamespacedReference {
	return &xpv1.NamespacedReference{Name: s.ObjectName(key)}
}

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
	s := netTestSpec(t, &v1beta1.Input{})
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
			fp := logTestFind[*ec2.Subnet](t, b, tc.key).Spec.ForProvider
			got := []string{*fp.CidrBlock, *fp.AvailabilityZone}
			if diff := cmp.Diff([]string{tc.wantCidr, tc.wantAZ}, got); diff != "" {
				t.Errorf("cidr, az (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(netTestRef(s, KeyVPC), fp.VPCIDRef); diff != "" {
				t.Errorf("vpcIdRef (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNetworkTwoAZs(t *testing.T) {
	b := buildNetwork(netTestSpec(t, &v1beta1.Input{}), nil)
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
	xr := logTestXR("catalog", "default", "dev")
	xr.Object["spec"].(map[string]any)["network"] = map[string]any{"vpcCidr": "172.16.0.0/20"}
	s := logTestSpecFor(t, xr, &v1beta1.Input{})
	b := buildNetwork(s, nil)
	fp := logTestFind[*ec2.VPC](t, b, KeyVPC).Spec.ForProvider
	got := []any{*fp.CidrBlock, *fp.EnableDNSHostnames, *fp.EnableDNSSupport}
	if diff := cmp.Diff([]any{"172.16.0.0/20", true, true}, got); diff != "" {
		t.Errorf("vpc (-want +got):\n%s", diff)
	}
	// A /20 splits into /22 quarters.
	if got := *logTestFind[*ec2.Subnet](t, b, KeyPrivateSubnet(1)).Spec.ForProvider.CidrBlock; got != "172.16.12.0/22" {
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
			s := netTestSpec(t, tc.in)
			b := buildNetwork(s, nil)
			var nats, eips []string
			for _, d := range b.Resources {
				switch d.Object.(type) {
				case *ec2.NATGateway:
					nats = append(nats, d.Key)
				case *ec2.EIP:
					eips = append(eips, d.Key)
				}
			}
			if diff := cmp.Diff(tc.wantNATs, nats); diff != "" {
				t.Errorf("NAT gateways (-want +got):\n%s", diff)
			}
			if len(eips) != len(tc.wantNATs) {
				t.Errorf("rendered %d EIPs for %d NAT gateways", len(eips), len(tc.wantNATs))
			}
			for i, key := range tc.wantNATs {
				fp := logTestFind[*ec2.NATGateway](t, b, key).Spec.ForProvider
				if diff := cmp.Diff(netTestRef(s, KeyPublicSubnet(i)), fp.SubnetIDRef); diff != "" {
					t.Errorf("%s subnetIdRef (-want +got):\n%s", key, diff)
				}
				if diff := cmp.Diff(netTestRef(s, KeyEIP(i)), fp.AllocationIDRef); diff != "" {
					t.Errorf("%s allocationIdRef (-want +got):\n%s", key, diff)
				}
			}
			for i := range zones {
				fp := logTestFind[*ec2.Route](t, b, KeyPrivateDefaultRoute(i)).Spec.ForProvider
				want := ec2.RouteParameters_2{
					RouteTableIDRef:      netTestRef(s, KeyPrivateRouteTable(i)),
					DestinationCidrBlock: ptr("0.0.0.0/0"),
					NATGatewayIDRef:      netTestRef(s, tc.wantRouteNAT[i]),
				}
				if diff := cmp.Diff(want, fp); diff != "" {
					t.Errorf("private route %s (-want +got):\n%s", zones[i], diff)
				}
			}
		})
	}
}

func TestNetworkPublicRoute(t *testing.T) {
	s := netTestSpec(t, &v1beta1.Input{})
	b := buildNetwork(s, nil)
	want := ec2.RouteParameters_2{
		RouteTableIDRef:      netTestRef(s, KeyPublicRouteTable),
		DestinationCidrBlock: ptr("0.0.0.0/0"),
		GatewayIDRef:         netTestRef(s, KeyInternetGateway),
	}
	if diff := cmp.Diff(want, logTestFind[*ec2.Route](t, b, KeyPublicDefaultRoute).Spec.ForProvider); diff != "" {
		t.Errorf("public route (-want +got):\n%s", diff)
	}
	igw := logTestFind[*ec2.InternetGateway](t, b, KeyInternetGateway).Spec.ForProvider
	if diff := cmp.Diff(netTestRef(s, KeyVPC), igw.VPCIDRef); diff != "" {
		t.Errorf("internet gateway vpcIdRef (-want +got):\n%s", diff)
	}
}

func TestNetworkRouteTableAssociations(t *testing.T) {
	s := netTestSpec(t, &v1beta1.Input{})
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
			fp := logTestFind[*ec2.RouteTableAssociation](t, b, tc.key).Spec.ForProvider
			want := ec2.RouteTableAssociationParameters{
				RouteTableIDRef: netTestRef(s, tc.wantTable),
				SubnetIDRef:     netTestRef(s, tc.wantSubnet),
			}
			if diff := cmp.Diff(want, fp); diff != "" {
				t.Errorf("association (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNetworkFlowLog(t *testing.T) {
	s := netTestSpec(t, &v1beta1.Input{})
	b := buildNetwork(s, nil)
	want := ec2.FlowLogParameters{
		VPCIDRef:           netTestRef(s, KeyVPC),
		TrafficType:        ptr("ALL"),
		LogDestinationType: ptr("cloud-watch-logs"),
		LogDestinationRef:  netTestRef(s, KeyFlowLogGroup),
		IAMRoleArnRef:      netTestRef(s, KeyFlowLogRole),
	}
	if diff := cmp.Diff(want, logTestFind[*ec2.FlowLog](t, b, KeyFlowLog).Spec.ForProvider); diff != "" {
		t.Errorf("flow log (-want +got):\n%s", diff)
	}
	group := logTestDesired(t, b, KeyFlowLogGroup)
	if group.AWSName != "/aws/vpc/flow-logs-dev" || !group.ExternalName {
		t.Errorf("flow log group AWSName=%q ExternalName=%v", group.AWSName, group.ExternalName)
	}
}

func TestNetworkFlowLogRole(t *testing.T) {
	s := netTestSpec(t, &v1beta1.Input{})
	b := buildNetwork(s, nil)

	role := logTestFind[*iam.Role](t, b, KeyFlowLogRole).Spec.ForProvider
	var trust logTestPolicy
	if err := json.Unmarshal([]byte(*role.AssumeRolePolicy), &trust); err != nil {
		t.Fatalf("trust policy: %v", err)
	}
	if len(trust.Statement) != 1 ||
		!cmp.Equal(map[string]any{"Service": "vpc-flow-logs.amazonaws.com"}, trust.Statement[0].Principal) ||
		!cmp.Equal([]string{"sts:AssumeRole"}, trust.Statement[0].Action) {
		t.Errorf("trust policy = %s, want vpc-flow-logs.amazonaws.com allowed sts:AssumeRole", *role.AssumeRolePolicy)
	}

	rp := logTestFind[*iam.RolePolicy](t, b, KeyFlowLogRolePolicy).Spec.ForProvider
	if diff := cmp.Diff(netTestRef(s, KeyFlowLogRole), rp.RoleRef); diff != "" {
		t.Errorf("roleRef (-want +got):\n%s", diff)
	}
	var doc logTestPolicy
	if err := json.Unmarshal([]byte(*rp.Policy), &doc); err != nil {
		t.Fatalf("role policy: %v", err)
	}
	group := "arn:aws:logs:eu-north-1:*:log-group:/aws/vpc/flow-logs-dev"
	if len(doc.Statement) != 1 {
		t.Fatalf("role policy has %d statements, want 1: %s", len(doc.Statement), *rp.Policy)
	}
	st := doc.Statement[0]
	if st.Effect != "Allow" {
		t.Errorf("Effect = %q, want Allow", st.Effect)
	}
	if diff := cmp.Diff([]string{group, group + ":log-stream:*"}, st.Resource); diff != "" {
		t.Errorf("Resource is not scoped to the flow-log group (-want +got):\n%s", diff)
	}
	for _, a := range st.Action {
		if a == "*" || a == "logs:*" || a == "logs:CreateLogGroup" {
			t.Errorf("Action %q is broader than writing to the existing group", a)
		}
	}
}
