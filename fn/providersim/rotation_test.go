package providersim

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

const (
	testSecretARN = "arn:aws:secretsmanager:eu-north-1:123456789012:secret:rds!cluster-1234-AbCdEf"
	testSMARN     = "arn:aws:states:eu-north-1:123456789012:stateMachine:redeploy-dev"
	testSvcARN    = "arn:aws:ecs:eu-north-1:123456789012:service/ecs-cluster-dev/ecs-service-dev"
)

// mustJSON marshals v for a test.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// allowDoc is an identity policy allowing one action on one resource.
func allowDoc(t *testing.T, action, resource string) string {
	t.Helper()
	return mustJSON(t, map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Effect": "Allow", "Action": []string{action}, "Resource": resource},
	}})
}

// testRuleARN is the ARN the simulated provider gives the rule rule-dev.
const testRuleARN = "arn:aws:events:eu-north-1:123456789012:rule/rule-dev"

// trustDoc is a trust policy letting service assume the role on behalf of
// sourceARN in the simulated account.
func trustDoc(t *testing.T, service, sourceARN string) string {
	t.Helper()
	return mustJSON(t, map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Principal": map[string]any{"Service": service}, "Action": []string{"sts:AssumeRole"},
		"Condition": map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": Account},
			"ArnLike":      map[string]any{"aws:SourceArn": sourceARN},
		},
	}}})
}

// testDefinition is a state machine like the stack's: describe the service
// until one deployment remains, then force a new one.
func testDefinition(t *testing.T) string {
	t.Helper()
	return mustJSON(t, map[string]any{
		"StartAt": "Describe", "TimeoutSeconds": 600,
		"States": map[string]any{
			"Describe": map[string]any{
				"Type": "Task", "Resource": sdkDescribeServices,
				"Parameters":     map[string]any{"Cluster": "ecs-cluster-dev", "Services": []string{"ecs-service-dev"}},
				"ResultSelector": map[string]any{"deployments.$": "States.ArrayLength($.Services[0].Deployments)"},
				"Next":           "Steady",
			},
			"Steady": map[string]any{
				"Type": "Choice", "Default": "Wait",
				"Choices": []any{map[string]any{"Variable": "$.deployments", "NumericEquals": 1, "Next": "Roll"}},
			},
			"Wait": map[string]any{"Type": "Wait", "Seconds": 60, "Next": "Describe"},
			"Roll": map[string]any{
				"Type": "Task", "Resource": sdkUpdateService, "End": true,
				"Parameters": map[string]any{"Cluster": "ecs-cluster-dev", "Service": "ecs-service-dev", "ForceNewDeployment": true},
			},
		},
	})
}

// testObj is a resource of the rotation world: its kind, AWS name and
// spec.forProvider.
type testObj struct {
	kind, name  string
	forProvider map[string]any
}

// rotationWorld is what a rotation needs, observed after change mutated
// the desired resources.
func rotationWorld(t *testing.T, change func(map[string]*testObj)) map[string]*fnv1.Resource {
	t.Helper()
	ref := func(name string) map[string]any { return map[string]any{"name": name} }
	pattern := mustJSON(t, map[string]any{
		"source": []string{"aws.secretsmanager"}, "detail-type": []string{"Secret Label Updated"},
		"resources": []string{testSecretARN}, "detail": map[string]any{"labelUpdated": []string{"AWSCURRENT"}},
	})
	objs := map[string]*testObj{
		"ecs-cluster":          {"ecs/Cluster", "ecs-cluster-dev", nil},
		"ecs-service":          {"ecs/Service", "ecs-service-dev", map[string]any{"clusterRef": ref("xr-ecs-cluster")}},
		"role-events":          {"iam/Role", "role-events-dev", map[string]any{"assumeRolePolicy": trustDoc(t, "events.amazonaws.com", testRuleARN)}},
		"role-state-machine":   {"iam/Role", "role-sm-dev", map[string]any{"assumeRolePolicy": trustDoc(t, "states.amazonaws.com", testSMARN)}},
		"policy-events":        {"iam/RolePolicy", "policy-events-dev", map[string]any{"roleRef": ref("xr-role-events"), "policy": allowDoc(t, "states:StartExecution", testSMARN)}},
		"policy-state-machine": {"iam/RolePolicy", "policy-sm-dev", map[string]any{"roleRef": ref("xr-role-state-machine"), "policy": allowDoc(t, "ecs:*Service*", testSvcARN)}},
		"state-machine":        {"sfn/StateMachine", "redeploy-dev", map[string]any{"roleArnRef": ref("xr-role-state-machine"), "definition": testDefinition(t)}},
		"rule":                 {"cloudwatchevents/Rule", "rule-dev", map[string]any{"eventPattern": pattern}},
		"target":               {"cloudwatchevents/Target", "", map[string]any{"ruleRef": ref("xr-rule"), "roleArnRef": ref("xr-role-events"), "targetId": "redeploy", "arn": testSMARN}},
	}
	if change != nil {
		change(objs)
	}
	desired := map[string]*fnv1.Resource{}
	for k, o := range objs {
		group, kind, _ := strings.Cut(o.kind, "/")
		u := testObject(group, kind, k, o.forProvider)
		unstructured.RemoveNestedField(u.Object, "metadata", "annotations")
		if o.name != "" {
			u.SetAnnotations(map[string]string{annotationExternalName: o.name})
		}
		s, err := structpb.NewStruct(u.Object)
		if err != nil {
			t.Fatal(err)
		}
		desired[k] = &fnv1.Resource{Resource: s}
	}
	return Observe(desired)
}

// rotateCase is a rotation of the world rotationWorld returns after change.
type rotateCase struct {
	change   func(map[string]*testObj)
	rotation Rotation
	want     []Deployment
	wantErr  string
}

// rotateCases: the chain rolls the service, and each link that AWS would
// refuse breaks it.
func rotateCases(t *testing.T) map[string]rotateCase {
	t.Helper()
	roll := []Deployment{{Service: testSvcARN, ForceNewDeployment: true, StartedBy: testSMARN}}
	return map[string]rotateCase{
		"RollsTheService":            {rotation: Rotation{SecretARN: testSecretARN}, want: roll},
		"WaitsForARolloutInProgress": {rotation: Rotation{SecretARN: testSecretARN, BusyPolls: 5}, want: roll},
		"GivesUpAfterItsTimeout":     {rotation: Rotation{SecretARN: testSecretARN, BusyPolls: 11}, wantErr: "timed out"},
		"AnotherSecretRollsNothing":  {rotation: Rotation{SecretARN: strings.Replace(testSecretARN, "1234", "9999", 1)}},
		"DisabledRuleRollsNothing": {
			change:   func(o map[string]*testObj) { o["rule"].forProvider["state"] = "DISABLED" },
			rotation: Rotation{SecretARN: testSecretARN},
		},
		"TargetRoleMayNotStartTheStateMachine": {
			change:   func(o map[string]*testObj) { o["policy-events"].forProvider["policy"] = `{"Statement":[]}` },
			rotation: Rotation{SecretARN: testSecretARN}, wantErr: "not allowed states:StartExecution",
		},
		"StateMachineRoleMayNotUpdateTheService": {
			change: func(o map[string]*testObj) {
				o["policy-state-machine"].forProvider["policy"] = `{"Statement":[{"Effect":"Allow","Action":"ecs:DescribeServices","Resource":"*"}]}`
			},
			rotation: Rotation{SecretARN: testSecretARN}, wantErr: "not allowed ecs:UpdateService",
		},
		"EventBridgeMayNotAssumeTheTargetRole": {
			change: func(o map[string]*testObj) {
				o["role-events"].forProvider["assumeRolePolicy"] = trustDoc(t, "states.amazonaws.com", testRuleARN)
			},
			rotation: Rotation{SecretARN: testSecretARN}, wantErr: "events.amazonaws.com cannot assume role role-events",
		},
		"TargetRoleTrustsAnotherRule": {
			change: func(o map[string]*testObj) {
				o["role-events"].forProvider["assumeRolePolicy"] = trustDoc(t, "events.amazonaws.com", testRuleARN+"-other")
			},
			rotation: Rotation{SecretARN: testSecretARN}, wantErr: "cannot assume role role-events on behalf of " + testRuleARN,
		},
		"StateMachineRoleTrustsAnotherAccount": {
			change: func(o map[string]*testObj) {
				o["role-state-machine"].forProvider["assumeRolePolicy"] = strings.ReplaceAll(trustDoc(t, "states.amazonaws.com", "*"), Account, "999999999999")
			},
			rotation: Rotation{SecretARN: testSecretARN}, wantErr: "states.amazonaws.com cannot assume role role-state-machine",
		},
		"StateMachineRoleTrustsAnyStateMachineOfTheAccount": {
			change: func(o map[string]*testObj) {
				o["role-state-machine"].forProvider["assumeRolePolicy"] = trustDoc(t, "states.amazonaws.com", "arn:aws:states:eu-north-1:"+Account+":stateMachine:*")
			},
			rotation: Rotation{SecretARN: testSecretARN}, want: roll,
		},
		"TrustWithAnOperatorTheSimulatorLacks": {
			change: func(o map[string]*testObj) {
				o["role-events"].forProvider["assumeRolePolicy"] = strings.Replace(trustDoc(t, "events.amazonaws.com", testRuleARN), "ArnLike", "ArnNotLike", 1)
			},
			rotation: Rotation{SecretARN: testSecretARN}, wantErr: "condition operator ArnNotLike",
		},
		"TargetIsNotTheStateMachine": {
			change:   func(o map[string]*testObj) { o["target"].forProvider["arn"] = testSMARN + "-other" },
			rotation: Rotation{SecretARN: testSecretARN}, wantErr: "is not a composed state machine",
		},
	}
}

func TestRotate(t *testing.T) {
	for name, tc := range rotateCases(t) {
		t.Run(name, func(t *testing.T) {
			got, err := Rotate(rotationWorld(t, tc.change), tc.rotation)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Rotate error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("deployments (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMatchPattern(t *testing.T) {
	event := SecretLabelUpdated(testSecretARN)
	cases := map[string]struct {
		pattern string
		want    bool
		wantErr bool
	}{
		"ExactFields":      {pattern: `{"source":["aws.secretsmanager"],"detail":{"labelUpdated":["AWSCURRENT"]}}`, want: true},
		"ListInEvent":      {pattern: `{"resources":["x","` + testSecretARN + `"]}`, want: true},
		"OtherLabel":       {pattern: `{"detail":{"labelUpdated":["AWSPREVIOUS"]}}`},
		"MissingField":     {pattern: `{"detail":{"nope":["x"]}}`},
		"ContentFilter":    {pattern: `{"source":[{"prefix":"aws."}]}`, wantErr: true},
		"ScalarNotAllowed": {pattern: `{"source":"aws.secretsmanager"}`, wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := map[string]any{}
			if err := json.Unmarshal([]byte(tc.pattern), &p); err != nil {
				t.Fatal(err)
			}
			got, err := matchPattern(p, event)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("matchPattern = %v, %v; want %v (error %v)", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestPoliciesAllow(t *testing.T) {
	doc := `{"Statement":[
		{"Effect":"Allow","Action":["ECS:Update*"],"Resource":"arn:aws:ecs:*:123456789012:service/c/*"},
		{"Effect":"Deny","Action":"ecs:UpdateService","Resource":"arn:aws:ecs:eu-north-1:123456789012:service/c/locked"}]}`
	cases := map[string]struct {
		action, resource string
		want             bool
	}{
		"WildcardsMatch":        {action: "ecs:UpdateService", resource: "arn:aws:ecs:eu-north-1:123456789012:service/c/s", want: true},
		"ExplicitDenyWins":      {action: "ecs:UpdateService", resource: "arn:aws:ecs:eu-north-1:123456789012:service/c/locked"},
		"OtherClusterNotMatch":  {action: "ecs:UpdateService", resource: "arn:aws:ecs:eu-north-1:123456789012:service/d/s"},
		"OtherActionNotAllowed": {action: "ecs:DeleteService", resource: "arn:aws:ecs:eu-north-1:123456789012:service/c/s"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := policiesAllow([]string{doc}, tc.action, tc.resource)
			if err != nil || got != tc.want {
				t.Errorf("policiesAllow = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestServiceDeploymentStates(t *testing.T) {
	obs := rotationWorld(t, nil)
	svc := obs["ecs-service"]
	if got := str(t, svc, "status", "atProvider", "arn"); got != testSvcARN {
		t.Fatalf("service ARN = %q, want %q", got, testSvcARN)
	}
	conditions := func() map[string]string {
		out := map[string]string{}
		list, _, err := unstructured.NestedSlice(svc.GetResource().AsMap(), "status", "conditions")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range list {
			m, _ := c.(map[string]any)
			typ, _ := m["type"].(string)
			status, _ := m["status"].(string)
			reason, _ := m["reason"].(string)
			out[typ] = status + "/" + reason
		}
		return out
	}
	if diff := cmp.Diff(map[string]string{"Ready": "True/Available", "Synced": "True/ReconcileSuccess", ConditionLastAsyncOperation: "True/Success"}, conditions()); diff != "" {
		t.Errorf("converged service conditions (-want +got):\n%s", diff)
	}
	DeploymentInProgress(svc, "arn:old:1")
	if got := str(t, svc, "status", "atProvider", "taskDefinition"); got != "arn:old:1" {
		t.Errorf("in progress: atProvider.taskDefinition = %q, want the old revision", got)
	}
	DeploymentRolledBack(svc, "arn:old:1", "ECS deployment circuit breaker: tasks failed to start")
	if diff := cmp.Diff(map[string]string{"Ready": "True/Available", "Synced": "False/ReconcileError", ConditionLastAsyncOperation: "False/AsyncUpdateFailure"}, conditions()); diff != "" {
		t.Errorf("rolled back service conditions (-want +got):\n%s", diff)
	}
}

func str(t *testing.T, r *fnv1.Resource, path ...string) string {
	t.Helper()
	v, _, err := unstructured.NestedString(r.GetResource().AsMap(), path...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
