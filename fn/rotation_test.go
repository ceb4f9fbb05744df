package fn

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	cloudwatch "github.com/upbound/provider-aws/v2/apis/namespaced/cloudwatch/v1beta1"
	events "github.com/upbound/provider-aws/v2/apis/namespaced/cloudwatchevents/v1beta1"
	iam "github.com/upbound/provider-aws/v2/apis/namespaced/iam/v1beta1"
	sfn "github.com/upbound/provider-aws/v2/apis/namespaced/sfn/v1beta1"

	"github.com/platform/function-catalog-api/internal/engine"
)

const (
	testServiceARN      = "arn:aws:ecs:eu-north-1:123456789012:service/ecs-cluster-dev/ecs-service-dev"
	testStateMachineARN = "arn:aws:states:eu-north-1:123456789012:stateMachine:redeploy-on-rotation-dev"
)

func observedStateMachine() observedResource {
	return observedResource{key: KeyRotationStateMachine, ready: true, atProvider: map[string]any{"arn": testStateMachineARN}}
}

func observedService() observedResource {
	return observedResource{key: KeyService, ready: true, atProvider: map[string]any{"arn": testServiceARN}}
}

func TestRotationPhases(t *testing.T) {
	always := []string{KeyRotationEventsRole, KeyRotationRedeployRole, KeyRotationStateMachine}
	cases := map[string]struct {
		reason      string
		observed    []observedResource
		wantKeys    []string
		wantWaiting int
	}{
		"NothingObserved": {
			reason:      "the roles and the state machine need nothing observed; the rest waits",
			wantWaiting: 1,
		},
		"Secret": {
			reason:      "the rule's pattern needs the secret's ARN",
			observed:    []observedResource{observedDatabase()},
			wantKeys:    []string{KeyRotationRule},
			wantWaiting: 1,
		},
		"SecretAndStateMachine": {
			reason:      "the target and the events role's policy need the state machine's ARN",
			observed:    []observedResource{observedDatabase(), observedStateMachine()},
			wantKeys:    []string{KeyRotationRule, KeyRotationTarget, KeyRotationEventsPolicy, KeyRotationAlarm},
			wantWaiting: 1,
		},
		"Everything": {
			reason:   "the state machine's policy needs the service's ARN",
			observed: []observedResource{observedDatabase(), observedStateMachine(), observedService()},
			wantKeys: []string{KeyRotationRule, KeyRotationTarget, KeyRotationEventsPolicy, KeyRotationRedeployPolicy, KeyRotationAlarm},
		},
		"KeptFromTheirOwnSpec": {
			reason: "once rendered, each keeps the value it was rendered with if its input is missing",
			observed: []observedResource{
				{key: KeyRotationRule, spec: map[string]any{"forProvider": map[string]any{"eventPattern": `{"source":["aws.secretsmanager"]}`}}},
				{key: KeyRotationTarget, spec: map[string]any{"forProvider": map[string]any{"arn": testStateMachineARN}}},
				{key: KeyRotationRedeployPolicy, spec: map[string]any{"forProvider": map[string]any{"policy": `{"Statement":[]}`}}},
			},
			wantKeys: []string{KeyRotationRule, KeyRotationTarget, KeyRotationEventsPolicy, KeyRotationRedeployPolicy, KeyRotationAlarm},
		},
	}
	s := testSpec(t)
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			checkPhase(t, buildRotation(s, observedOf(t, append(tc.observed, observedAccount())...)), tc.reason, append(always, tc.wantKeys...), tc.wantWaiting)
		})
	}
}

// TestRotationLeastPrivilege: EventBridge may start only the state machine,
// and the state machine may describe and update only the service.
func TestRotationLeastPrivilege(t *testing.T) {
	s := testSpec(t)
	b := buildRotation(s, observedOf(t, observedDatabase(), observedStateMachine(), observedService()))
	type grant struct {
		Actions   []string
		Resources []string
	}
	grants := func(key string) []grant {
		p := objectByKey[*iam.RolePolicy](t, b, key)
		statements := parsePolicy(t, key, *p.Spec.ForProvider.Policy).Statement
		out := make([]grant, 0, len(statements))
		for _, st := range statements {
			if st.Effect != "Allow" {
				t.Errorf("%s: statement %q has effect %s", key, st.Sid, st.Effect)
			}
			out = append(out, grant{st.Action, st.Resource})
		}
		return out
	}
	checkValues(t, map[string]gotWant{
		"EventsPolicy":   {grants(KeyRotationEventsPolicy), []grant{{[]string{"states:StartExecution"}, []string{testStateMachineARN}}}},
		"RedeployPolicy": {grants(KeyRotationRedeployPolicy), []grant{{[]string{"ecs:DescribeServices", "ecs:UpdateService"}, []string{testServiceARN}}}},
		"EventsRole":     {objectByKey[*iam.RolePolicy](t, b, KeyRotationEventsPolicy).Spec.ForProvider.RoleRef.Name, s.ObjectName(KeyRotationEventsRole)},
		"RedeployRole":   {objectByKey[*iam.RolePolicy](t, b, KeyRotationRedeployPolicy).Spec.ForProvider.RoleRef.Name, s.ObjectName(KeyRotationRedeployRole)},
	})
}

// TestRotationRuleAndTarget: the rule matches exactly the event Secrets
// Manager sends when AWSCURRENT moves to a new version of the database
// secret, and its one target starts the state machine.
func TestRotationRuleAndTarget(t *testing.T) {
	s := testSpec(t)
	b := buildRotation(s, observedOf(t, observedDatabase(), observedStateMachine(), observedService()))
	rule := objectByKey[*events.Rule](t, b, KeyRotationRule)
	var pattern map[string]any
	if err := json.Unmarshal([]byte(*rule.Spec.ForProvider.EventPattern), &pattern); err != nil {
		t.Fatalf("eventPattern is not JSON: %v", err)
	}
	tp := objectByKey[*events.Target](t, b, KeyRotationTarget).Spec.ForProvider
	checkValues(t, map[string]gotWant{
		"Pattern": {pattern, map[string]any{
			"source":      []any{"aws.secretsmanager"},
			"detail-type": []any{"Secret Label Updated"},
			"resources":   []any{testDBSecretARN},
			"detail":      map[string]any{"labelUpdated": []any{"AWSCURRENT"}},
		}},
		"Enabled":          {*rule.Spec.ForProvider.State, "ENABLED"},
		"RuleRegion":       {*rule.Spec.ForProvider.Region, s.Region},
		"TargetRule":       {tp.RuleRef.Name, s.ObjectName(KeyRotationRule)},
		"TargetARN":        {*tp.Arn, testStateMachineARN},
		"TargetRole":       {tp.RoleArnRef.Name, s.ObjectName(KeyRotationEventsRole)},
		"TargetRegion":     {*tp.Region, s.Region},
		"RuleExternalName": {desiredByKey(t, b, KeyRotationRule).AWSName, "rule-secret-rotation-dev"},
	})
}

// TestRedeployStateMachine: describe the service, wait while more than one
// deployment runs, then force a new deployment; the providersim tests play
// the definition.
func TestRedeployStateMachine(t *testing.T) {
	s := testSpec(t)
	sm := objectByKey[*sfn.StateMachine](t, buildRotation(s, engine.Observed{}), KeyRotationStateMachine)
	var def stateMachineDefinition
	if err := json.Unmarshal([]byte(*sm.Spec.ForProvider.Definition), &def); err != nil {
		t.Fatalf("definition is not JSON: %v", err)
	}
	roll := def.States["ForceNewDeployment"]
	describe := def.States["DescribeService"]
	checkValues(t, map[string]gotWant{
		"Type":        {*sm.Spec.ForProvider.Type, "STANDARD"},
		"Role":        {sm.Spec.ForProvider.RoleArnRef.Name, s.ObjectName(KeyRotationRedeployRole)},
		"StartAt":     {def.StartAt, "DescribeService"},
		"Timeout":     {def.TimeoutSeconds, 3600},
		"Describe":    {describe.Resource, "arn:aws:states:::aws-sdk:ecs:describeServices"},
		"DescribeFor": {describe.Parameters, map[string]any{"Cluster": "ecs-cluster-dev", "Services": []any{"ecs-service-dev"}}},
		"Roll":        {roll.Resource, "arn:aws:states:::aws-sdk:ecs:updateService"},
		"RollWhat":    {roll.Parameters, map[string]any{"Cluster": "ecs-cluster-dev", "Service": "ecs-service-dev", "ForceNewDeployment": true}},
		"RollEnds":    {roll.End, true},
		"RollRetries": {roll.Retry, []machineRetry{{ErrorEquals: []string{"States.ALL"}, IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, JitterStrategy: "FULL"}}},
		"DescRetries": {describe.Retry, []machineRetry{{ErrorEquals: []string{"States.ALL"}, IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, JitterStrategy: "FULL"}}},
		"Waits":       {def.States["WaitForDeployment"], machineState{Type: "Wait", Seconds: 30, Next: "DescribeService"}},
	})
	if diff := cmp.Diff(redeployDefinition("ecs-cluster-dev", "ecs-service-dev"), *sm.Spec.ForProvider.Definition); diff != "" {
		t.Errorf("definition is not deterministic (-first +second):\n%s", diff)
	}
}

// TestRotationAlarm: the alarm watches failed executions of the redeploy
// state machine (AWS/States ExecutionsFailed for its ARN) and goes off at
// the first one; no execution is not a failure.
func TestRotationAlarm(t *testing.T) {
	s := testSpec(t)
	b := buildRotation(s, observedOf(t, observedAccount(), observedStateMachine()))
	a := objectByKey[*cloudwatch.MetricAlarm](t, b, KeyRotationAlarm).Spec.ForProvider
	checkValues(t, map[string]gotWant{
		"Namespace":    {*a.Namespace, "AWS/States"},
		"Metric":       {*a.MetricName, "ExecutionsFailed"},
		"Dimensions":   {a.Dimensions, map[string]*string{"StateMachineArn": new(testStateMachineARN)}},
		"Statistic":    {*a.Statistic, "Sum"},
		"Threshold":    {[]float64{*a.Threshold, *a.EvaluationPeriods, *a.DatapointsToAlarm}, []float64{1, 1, 1}},
		"Comparison":   {*a.ComparisonOperator, "GreaterThanOrEqualToThreshold"},
		"MissingData":  {*a.TreatMissingData, "notBreaching"},
		"Region":       {*a.Region, s.Region},
		"NoAction":     {len(a.AlarmActions) + len(a.OkActions) + len(a.InsufficientDataActions), 0},
		"ExternalName": {desiredByKey(t, b, KeyRotationAlarm).AWSName, "alarm-rotation-failed-dev"},
		"NameTag":      {*a.Tags["Name"], "alarm-rotation-failed-dev"},
	})
	if slices.Contains(renderedKeys(buildRotation(s, observedOf(t, observedAccount()))), KeyRotationAlarm) {
		t.Error("the alarm rendered before the state machine's ARN is known")
	}
}
