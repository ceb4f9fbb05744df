package fn

import (
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	ec2 "github.com/upbound/provider-aws/v2/apis/namespaced/ec2/v1beta1"

	"github.com/crossplane/function-sdk-go/resource/composite"

	"github.com/platform/function-catalog-api/input/v1beta1"
	"github.com/platform/function-catalog-api/internal/engine"
)

func endpointsInput(nat string) *v1beta1.Input {
	return &v1beta1.Input{NATGateways: nat, VPCEndpoints: new(true)}
}

// TestVPCEndpoints: with the Input's vpcEndpoints the network part adds
// the endpoints the tasks call, in the private subnets with their own
// security group; natGateways None drops the NAT gateways and the private
// default routes.
func TestVPCEndpoints(t *testing.T) {
	cases := map[string]struct {
		reason    string
		in        *v1beta1.Input
		service   map[string]any
		wantIface []string
		wantNATs  int
	}{
		"Off": {reason: "no endpoints by default", in: &v1beta1.Input{}, wantNATs: 2},
		"PerAZ": {
			reason: "endpoints beside the NAT gateways", in: endpointsInput(""),
			wantIface: []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager"}, wantNATs: 2,
		},
		"NoNAT": {
			reason: "the endpoints alone", in: endpointsInput("None"),
			wantIface: []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager"},
		},
		"SSMAndExec": {
			reason: "SSM parameters and ECS Exec add their services", in: endpointsInput("Single"),
			service:   map[string]any{"enableExecuteCommand": true, "secrets": []any{map[string]any{"name": "FLAGS", "valueFrom": goodParameterARN}}},
			wantIface: []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "ssmmessages"}, wantNATs: 1,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			opts := []specOption{withInput(tc.in)}
			if tc.service != nil {
				opts = append(opts, withSpecField("service", tc.service))
			}
			s := testSpec(t, opts...)
			b := buildNetwork(s, observedOf(t))
			iface := checkInterfaceEndpoints(t, s, b)
			nats, routes := countPrefixed(b, keyNATPrefix), countPrefixed(b, keyPrivateRoutePrefix)
			if diff := cmp.Diff(tc.wantIface, iface); diff != "" {
				t.Errorf("%s: interface endpoints -want +got:\n%s", tc.reason, diff)
			}
			if nats != tc.wantNATs || (tc.wantNATs == 0) != (routes == 0) {
				t.Errorf("%s: %d NAT gateways and %d private default routes, want %d NAT gateways", tc.reason, nats, routes, tc.wantNATs)
			}
		})
	}
}

// TestUnneededEndpointsLetGo: endpoints the stack no longer needs are let
// go, the ones it still needs are not.
func TestUnneededEndpointsLetGo(t *testing.T) {
	withExec := withSpecField("service", map[string]any{"enableExecuteCommand": true})
	all := buildNetwork(testSpec(t, withInput(endpointsInput("Single")), withExec), observedOf(t))
	observed := make([]observedResource, 0, len(all.Resources))
	for _, k := range renderedKeys(all) {
		observed = append(observed, observedReady(k))
	}
	o := observedOf(t, observed...)
	for name, tc := range map[string]struct {
		opts []specOption
		want []string
	}{
		"StillNeeded": {opts: []specOption{withInput(endpointsInput("Single")), withExec}},
		"ExecOff": {opts: []specOption{withInput(endpointsInput("Single"))}, want: []string{
			keyEndpoint("ssmmessages"), keyEndpoint("ssmmessages") + "-sg", keyEndpoint("ssmmessages") + "-" + KeyPrivateSubnet(0), keyEndpoint("ssmmessages") + "-" + KeyPrivateSubnet(1),
		}},
		"EndpointsOff": {opts: []specOption{withInput(&v1beta1.Input{NATGateways: "Single"})}, want: slices.DeleteFunc(renderedKeys(all), func(k string) bool { return !isEndpointKey(k) })},
	} {
		t.Run(name, func(t *testing.T) {
			b := buildNetwork(testSpec(t, tc.opts...), o)
			var got []string
			for _, k := range b.Retired {
				if isEndpointKey(k) {
					got = append(got, k)
				}
			}
			if diff := cmp.Diff(sorted(tc.want), sorted(got), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("endpoint resources let go (-want +got):\n%s", diff)
			}
		})
	}
}

func sorted(keys []string) []string { return slices.Sorted(slices.Values(keys)) }

// TestVPCEndpointsCost: the estimate adds the interface endpoints and drops
// the NAT gateways and their addresses; the difference is the table's.
func TestVPCEndpointsCost(t *testing.T) {
	total := func(in *v1beta1.Input) *big.Rat {
		e, err := testPrices(t).Estimate(testSpec(t, withInput(in)))
		if err != nil {
			t.Fatal(err)
		}
		return e.Total
	}
	perAZ, endpoints, none := total(&v1beta1.Input{}), total(endpointsInput("")), total(endpointsInput("None"))
	t.Logf("monthly estimate: NAT per AZ %s; + endpoints %s; endpoints, no NAT %s", perAZ.FloatString(2), endpoints.FloatString(2), none.FloatString(2))
	if none.Cmp(perAZ) >= 0 || perAZ.Cmp(endpoints) >= 0 {
		t.Errorf("estimates NAT per AZ %s, with endpoints %s, endpoints without NAT %s: want endpoints to add and no NAT to save", perAZ, endpoints, none)
	}
}

// TestNATNoneRefused: without NAT gateways the tasks reach ECR only
// through the endpoints.
func TestNATNoneRefused(t *testing.T) {
	cases := map[string]struct {
		in    *v1beta1.Input
		image string
		want  string
	}{
		"WithoutEndpoints": {
			in: &v1beta1.Input{NATGateways: "None"}, image: testImage,
			want: `input.natGateways: invalid value "None": None needs input.vpcEndpoints: true`,
		},
		"DockerHubImage": {
			in: endpointsInput("None"), image: "nginx:1.27",
			want: `spec.image: invalid value "nginx:1.27": must be in a private ECR repository of spec.region (eu-north-1)`,
		},
		"ECRInAnotherRegion": {
			in: endpointsInput("None"), image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/catalog-api:1.0.0",
			want: `must be in a private ECR repository of spec.region (eu-north-1)`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			xr := composite.New()
			xr.SetName("catalog-api")
			xr.SetNamespace("team-catalog")
			xr.Object["spec"] = map[string]any{"environmentSuffix": "dev", "image": tc.image}
			_, err := NewSpec(xr, tc.in, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("NewSpec error = %v, want it to say %q", err, tc.want)
			}
		})
	}
}

// countPrefixed counts the rendered keys with this prefix.
func countPrefixed(b engine.Built, prefix string) int {
	n := 0
	for _, k := range renderedKeys(b) {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n
}

// checkInterfaceEndpoints checks each rendered interface endpoint (service
// name, type, private DNS, its security group alone, an interface in each
// private subnet) and returns their services.
func checkInterfaceEndpoints(t *testing.T, s *Spec, b engine.Built) []string {
	t.Helper()
	if !hasEndpoints(s) {
		return nil
	}
	var out []string
	for _, svc := range interfaceEndpointServices(s) {
		ep := objectByKey[*ec2.VPCEndpoint](t, b, keyEndpoint(svc)).Spec.ForProvider
		if *ep.ServiceName != "com.amazonaws.eu-north-1."+svc || *ep.VPCEndpointType != "Interface" || !*ep.PrivateDNSEnabled {
			t.Errorf("%s endpoint: %s %s private DNS %v", svc, *ep.ServiceName, *ep.VPCEndpointType, *ep.PrivateDNSEnabled)
		}
		sg := objectByKey[*ec2.VPCEndpointSecurityGroupAssociation](t, b, keyEndpoint(svc)+"-sg").Spec.ForProvider
		if sg.SecurityGroupIDRef.Name != s.ObjectName(KeySGEndpoints) || !*sg.ReplaceDefaultAssociation {
			t.Errorf("%s endpoint is not in the endpoints' security group alone", svc)
		}
		desiredByKey(t, b, keyEndpoint(svc)+"-"+KeyPrivateSubnet(1))
		out = append(out, svc)
	}
	return out
}
