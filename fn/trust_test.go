package fn

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	iam "github.com/upbound/provider-aws/v2/apis/namespaced/iam/v1beta1"

	"github.com/platform/function-catalog-api/internal/engine"
)

// trustOf is the trust policy a service-principal role is rendered with,
// decoded.
func trustOf(t *testing.T, b engine.Built, key string) map[string]any {
	t.Helper()
	return jsonOf(t, *objectByKey[*iam.Role](t, b, key).Spec.ForProvider.AssumeRolePolicy)
}

// wantTrust is a trust policy letting service assume a role only on behalf
// of sourceARN in testAccount.
func wantTrust(service, sourceARN string) map[string]any {
	return map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect":    "Allow",
		"Principal": map[string]any{"Service": service},
		"Action":    []any{"sts:AssumeRole"},
		"Condition": map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": testAccount},
			"ArnLike":      map[string]any{"aws:SourceArn": sourceARN},
		},
	}}}
}

// TestServicePrincipalTrust: every role an AWS service assumes trusts that
// service only on behalf of the stack's own resources in its account
// (aws:SourceAccount and aws:SourceArn against the confused deputy), in a
// network of its own and in an existing one, where the account comes from
// the claim marker security group.
func TestServicePrincipalTrust(t *testing.T) {
	const account = testAccount
	existingMarker := observedResource{key: KeyClaimMarker, ready: true, atProvider: map[string]any{"ownerId": account}}
	cases := map[string]struct {
		build    func(*Spec, engine.Observed) engine.Built
		existing bool
		key      string
		want     map[string]any
	}{
		"TaskExecutionRole": {
			build: buildService, key: KeyExecutionRole,
			want: wantTrust("ecs-tasks.amazonaws.com", "arn:aws:ecs:eu-north-1:"+account+":*"),
		},
		"TaskRole": {
			build: buildService, key: KeyTaskRole,
			want: wantTrust("ecs-tasks.amazonaws.com", "arn:aws:ecs:eu-north-1:"+account+":*"),
		},
		"TaskRoleInAnExistingNetwork": {
			build: buildService, existing: true, key: KeyTaskRole,
			want: wantTrust("ecs-tasks.amazonaws.com", "arn:aws:ecs:eu-north-1:"+account+":*"),
		},
		"RotationEventsRoleTrustsTheRuleOnly": {
			build: buildRotation, key: KeyRotationEventsRole,
			want: wantTrust("events.amazonaws.com", "arn:aws:events:eu-north-1:"+account+":rule/rule-secret-rotation-dev"),
		},
		"RotationRedeployRoleTrustsTheStateMachineOnly": {
			build: buildRotation, key: KeyRotationRedeployRole,
			want: wantTrust("states.amazonaws.com", "arn:aws:states:eu-north-1:"+account+":stateMachine:redeploy-on-rotation-dev"),
		},
		"RedeployRoleInAnExistingNetwork": {
			build: buildRotation, existing: true, key: KeyRotationRedeployRole,
			want: wantTrust("states.amazonaws.com", "arn:aws:states:eu-north-1:"+account+":stateMachine:redeploy-on-rotation-dev"),
		},
		"FlowLogRole": {
			build: buildNetwork, key: KeyFlowLogRole,
			want: wantTrust("vpc-flow-logs.amazonaws.com", "arn:aws:ec2:eu-north-1:"+account+":vpc-flow-log/*"),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s, marker := testSpec(t), observedAccount()
			if tc.existing {
				s, marker = testSpec(t, withSpecField("network", existingNetworkSpec())), existingMarker
			}
			b := tc.build(s, observedOf(t, marker))
			if diff := cmp.Diff(tc.want, trustOf(t, b, tc.key)); diff != "" {
				t.Errorf("trust policy of %s (-want +got):\n%s", tc.key, diff)
			}
		})
	}
}

// TestServicePrincipalTrustWithoutTheAccount: before the account is
// observed a role that was never rendered waits (its trust policy cannot
// name the account) and says so; a role rendered before keeps its observed
// trust policy, so that no render drops or changes it.
func TestServicePrincipalTrustWithoutTheAccount(t *testing.T) {
	previous := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"x"},"Action":["sts:AssumeRole"]}]}`
	cases := map[string]struct {
		build func(*Spec, engine.Observed) engine.Built
		keys  []string
	}{
		"TaskRoles":     {build: buildService, keys: []string{KeyExecutionRole, KeyTaskRole}},
		"RotationRoles": {build: buildRotation, keys: []string{KeyRotationEventsRole, KeyRotationRedeployRole}},
		"FlowLogRole":   {build: buildNetwork, keys: []string{KeyFlowLogRole}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := testSpec(t)
			b := tc.build(s, observedOf(t))
			for _, k := range tc.keys {
				if slices.Contains(renderedKeys(b), k) {
					t.Errorf("%s rendered before the account is known", k)
				}
				if !slices.ContainsFunc(b.Waiting, func(w string) bool {
					return strings.Contains(w, "status.atProvider.ownerId") && strings.HasSuffix(w, k)
				}) {
					t.Errorf("Waiting = %q, want the account ID for %s", b.Waiting, k)
				}
			}
			var observed []observedResource
			for _, k := range tc.keys {
				observed = append(observed, observedResource{key: k, ready: true, spec: map[string]any{"forProvider": map[string]any{"assumeRolePolicy": previous}}})
			}
			b = tc.build(s, observedOf(t, observed...))
			for _, k := range tc.keys {
				if got := *objectByKey[*iam.Role](t, b, k).Spec.ForProvider.AssumeRolePolicy; got != previous {
					t.Errorf("the observed %s's trust policy became %s, want it kept", k, got)
				}
			}
		})
	}
}
