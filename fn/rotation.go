package fn

import (
	"encoding/json"
	"strings"

	cloudwatch "github.com/upbound/provider-aws/v2/apis/namespaced/cloudwatch/v1beta1"
	events "github.com/upbound/provider-aws/v2/apis/namespaced/cloudwatchevents/v1beta1"
	sfn "github.com/upbound/provider-aws/v2/apis/namespaced/sfn/v1beta1"

	"github.com/platform/function-catalog-api/internal/engine"
)

// Keys of the rotation part: composition resource names, stable once
// released (a new key makes Crossplane delete the resource and create a new
// one).
const (
	KeyRotationEventsRole     = "role-rotation-events"
	KeyRotationEventsPolicy   = "role-policy-rotation-events"
	KeyRotationRedeployRole   = "role-rotation-redeploy"
	KeyRotationRedeployPolicy = "role-policy-rotation-redeploy"
	KeyRotationStateMachine   = "state-machine-redeploy-on-rotation"
	KeyRotationRule           = "event-rule-secret-rotation"
	KeyRotationTarget         = "event-target-secret-rotation"
	KeyRotationAlarm          = "alarm-rotation-failed"
)

// The rotation part: when RDS rotates the database password, every task
// restarts with the new one.
//
// RDS rotates its managed master user secret (every 7 days by default) by
// setting a new password on the database and then moving the secret's
// AWSCURRENT label to the new version; the old password stops working at
// once. ECS injects DB_PASSWORD only when a task starts. provider-aws
// reports no durable trace of a rotation (the cluster's
// masterUserSecret[0].secretStatus is "rotating" only for the minute a
// rotation takes, and Secret, SecretRotation and SecretVersion report no
// version or date), so the function cannot see one happen. AWS can:
// Secrets Manager sends a "Secret Label Updated" event to the default
// EventBridge bus whenever AWSCURRENT moves, for every secret and without a
// CloudTrail trail. A rule matches it for the database secret and starts a
// Step Functions state machine that waits until the service has no
// deployment in progress and then forces a new deployment of the service:
// new tasks read the secret afresh. No Lambda, no code.

// Properties of the rotation chain.
const (
	// rotationPollSeconds is how long the state machine waits before it
	// asks again whether a deployment is still in progress.
	rotationPollSeconds = 30
	// rotationTimeoutSeconds ends an execution that has waited an hour for
	// a deployment to finish: one that long is stuck, and the failed
	// execution is visible in Step Functions.
	rotationTimeoutSeconds = 3600
	// taskRetryIntervalSeconds, taskRetryMaxAttempts and taskRetryBackoff
	// retry a failed SDK call (a throttled DescribeServices or
	// UpdateService must not skip the roll): 2, 4, 8, 16, 32, 64 s with
	// full jitter, about two minutes in all.
	taskRetryIntervalSeconds = 2
	taskRetryMaxAttempts     = 6
	taskRetryBackoff         = 2.0
	// rotationTargetID names the rule's only target.
	rotationTargetID = "redeploy-ecs-service"
	// alarmPeriodSeconds is the period over which the alarm sums failed
	// executions: one failure in five minutes raises it.
	alarmPeriodSeconds = 300
	// eventsPrincipal and statesPrincipal assume the chain's roles.
	eventsPrincipal = "events.amazonaws.com"
	statesPrincipal = "states.amazonaws.com"
)

// States of the redeploy state machine.
const (
	stateDescribeService        = "DescribeService"
	stateNoDeploymentInProgress = "NoDeploymentInProgress"
	stateWaitForDeployment      = "WaitForDeployment"
	stateForceNewDeployment     = "ForceNewDeployment"
)

// Step Functions AWS SDK integrations the state machine calls.
const (
	sdkECSDescribeServices = "arn:aws:states:::aws-sdk:ecs:describeServices"
	sdkECSUpdateService    = "arn:aws:states:::aws-sdk:ecs:updateService"
)

// buildRotation renders the roles, the state machine, the rule and its
// target. Phases: the roles and the state machine need nothing observed;
// the state machine's policy needs the service's ARN, the rule the secret's
// ARN, and the target and the events role's policy the state machine's ARN
// (a Target has no reference field for its arn). Once rendered, each keeps
// its observed value if its input is ever missing.
func buildRotation(s *Spec, o engine.Observed) engine.Built {
	var b engine.Built
	for _, r := range rotationRoles(s, o) {
		if r.ok {
			b.Add(r.role)
		} else {
			b.Waitf("%s%s", waitingForAccount, r.key)
		}
	}
	b.Add(redeployStateMachine(s))
	var missing []string
	if p, ok := redeployPolicy(s, o); ok {
		b.Add(p)
	} else {
		missing = append(missing, "the ARN of "+KeyService+" (the state machine's policy)")
	}
	if r, ok := rotationRule(s, o); ok {
		b.Add(r)
	} else {
		missing = append(missing, "the master user secret ARN of "+KeyDBCluster+" (the rule's event pattern)")
	}
	smARN := orDefault(o.GetString(KeyRotationStateMachine, "status.atProvider.arn"),
		o.GetString(KeyRotationTarget, "spec.forProvider.arn"))
	if smARN == "" {
		missing = append(missing, "the ARN of "+KeyRotationStateMachine+" (the rule's target, its role's policy and the alarm)")
	} else {
		b.Add(rotationTarget(s, smARN), eventsPolicy(s, smARN))
		if s.Defaults.RotationFailureAlarm {
			b.Add(rotationAlarm(s, smARN))
		}
	}
	if len(missing) > 0 {
		b.Waitf("waiting for %s before the tasks can be rolled when RDS rotates the database password", strings.Join(missing, ", "))
	}
	return b
}

// rotationRole is a role of the rotation chain, or its key while it waits
// for the account.
type rotationRole struct {
	key  string
	role engine.Desired
	ok   bool
}

// rotationRoles are the events role, which EventBridge assumes for the
// rotation rule only (its ARN is the aws:SourceArn, Amazon EventBridge
// user guide, "Using IAM policy conditions": aws:SourceArn is the rule
// that sends the event), and the redeploy role, which Step Functions
// assumes for the redeploy state machine only (AWS Step Functions
// developer guide, "Creating an IAM role for your state machine", confused
// deputy prevention).
func rotationRoles(s *Spec, o engine.Observed) []rotationRole {
	eventsRole, eventsOK := serviceRole(s, o, KeyRotationEventsRole, s.Name("role-rotation-events"), eventsPrincipal, s.confined(func(account string) string {
		return RuleARN(s.Region, account, RotationRuleName(s))
	}))
	statesRole, statesOK := serviceRole(s, o, KeyRotationRedeployRole, s.Name("role-rotation-redeploy"), statesPrincipal, s.confined(func(account string) string {
		return StateMachineARN(s.Region, account, RedeployStateMachineName(s))
	}))
	return []rotationRole{
		{key: KeyRotationEventsRole, role: eventsRole, ok: eventsOK},
		{key: KeyRotationRedeployRole, role: statesRole, ok: statesOK},
	}
}

// RuleARN is the ARN of an EventBridge rule of the default event bus.
func RuleARN(region, account, name string) string {
	return "arn:aws:events:" + region + ":" + account + ":rule/" + name
}

// StateMachineARN is the ARN of a Step Functions state machine.
func StateMachineARN(region, account, name string) string {
	return "arn:aws:states:" + region + ":" + account + ":stateMachine:" + name
}

// RotationRuleName and RedeployStateMachineName are the AWS names of the
// rule and the state machine.
func RotationRuleName(s *Spec) string { return s.Name("rule-secret-rotation") }

func RedeployStateMachineName(s *Spec) string { return s.Name("redeploy-on-rotation") }

// redeployStateMachine describes the service until it has a single
// deployment, then forces a new one.
func redeployStateMachine(s *Spec) engine.Desired {
	name := RedeployStateMachineName(s)
	return engine.Desired{Key: KeyRotationStateMachine, AWSName: name, ExternalName: true, Object: &sfn.StateMachine{
		Spec: sfn.StateMachineSpec{ForProvider: sfn.StateMachineParameters{
			Region:     new(s.Region),
			Tags:       s.Tags(name),
			Type:       new("STANDARD"),
			RoleArnRef: s.Ref(KeyRotationRedeployRole),
			Definition: new(redeployDefinition(ECSClusterName(s), ECSServiceName(s))),
		}},
	}}
}

// stateMachineDefinition is an Amazon States Language document; its
// fields marshal in a fixed order.
type stateMachineDefinition struct {
	Comment        string                  `json:"Comment"`
	StartAt        string                  `json:"StartAt"`
	TimeoutSeconds int                     `json:"TimeoutSeconds"`
	States         map[string]machineState `json:"States"`
}

// machineState is one state: a Task calling an AWS SDK integration, a
// Choice, or a Wait.
type machineState struct {
	Type           string          `json:"Type"`
	Resource       string          `json:"Resource,omitempty"`
	Parameters     map[string]any  `json:"Parameters,omitempty"`
	ResultSelector map[string]any  `json:"ResultSelector,omitempty"`
	Choices        []machineChoice `json:"Choices,omitempty"`
	Default        string          `json:"Default,omitempty"`
	Retry          []machineRetry  `json:"Retry,omitempty"`
	Seconds        int             `json:"Seconds,omitempty"`
	Next           string          `json:"Next,omitempty"`
	End            bool            `json:"End,omitempty"`
}

// machineRetry is a Task state's retrier (Amazon States Language,
// "Handling errors in Step Functions workflows").
type machineRetry struct {
	ErrorEquals     []string `json:"ErrorEquals"`
	IntervalSeconds int      `json:"IntervalSeconds"`
	MaxAttempts     int      `json:"MaxAttempts"`
	BackoffRate     float64  `json:"BackoffRate"`
	JitterStrategy  string   `json:"JitterStrategy"`
}

// taskRetry retries every error of an SDK call with exponential backoff:
// throttling and transient service errors are what fails these calls; an
// error that persists (a missing permission) fails the execution after
// the last attempt, visibly.
func taskRetry() []machineRetry {
	return []machineRetry{{
		ErrorEquals:     []string{"States.ALL"},
		IntervalSeconds: taskRetryIntervalSeconds,
		MaxAttempts:     taskRetryMaxAttempts,
		BackoffRate:     taskRetryBackoff,
		JitterStrategy:  "FULL",
	}}
}

type machineChoice struct {
	Variable      string `json:"Variable"`
	NumericEquals int    `json:"NumericEquals"`
	Next          string `json:"Next"`
}

// redeployDefinition: DescribeServices; more than one deployment means a
// rollout is in progress (a forced deployment would supersede it, and its
// tasks started after the rotation read the new password anyway), so wait
// and ask again; then UpdateService with forceNewDeployment.
func redeployDefinition(cluster, service string) string {
	def := stateMachineDefinition{
		Comment:        "Roll the ECS service's tasks after RDS rotated the database password: new tasks read DB_PASSWORD afresh.",
		StartAt:        stateDescribeService,
		TimeoutSeconds: rotationTimeoutSeconds,
		States: map[string]machineState{
			stateDescribeService: {
				Type: "Task", Resource: sdkECSDescribeServices,
				Parameters:     map[string]any{"Cluster": cluster, "Services": []string{service}},
				ResultSelector: map[string]any{"deployments.$": "States.ArrayLength($.Services[0].Deployments)"},
				Retry:          taskRetry(),
				Next:           stateNoDeploymentInProgress,
			},
			stateNoDeploymentInProgress: {
				Type:    "Choice",
				Choices: []machineChoice{{Variable: "$.deployments", NumericEquals: 1, Next: stateForceNewDeployment}},
				Default: stateWaitForDeployment,
			},
			stateWaitForDeployment: {Type: "Wait", Seconds: rotationPollSeconds, Next: stateDescribeService},
			stateForceNewDeployment: {
				Type: "Task", Resource: sdkECSUpdateService,
				Parameters: map[string]any{"Cluster": cluster, "Service": service, "ForceNewDeployment": true},
				Retry:      taskRetry(),
				End:        true,
			},
		},
	}
	b, err := json.Marshal(def)
	if err != nil {
		panic(err) // The types above always marshal.
	}
	return string(b)
}

// redeployPolicy lets the state machine describe and update the one
// service. It needs the service's ARN.
func redeployPolicy(s *Spec, o engine.Observed) (engine.Desired, bool) {
	doc := o.GetString(KeyRotationRedeployPolicy, "spec.forProvider.policy")
	if arn := o.GetString(KeyService, "status.atProvider.arn"); arn != "" {
		st := allow([]string{"ecs:DescribeServices", "ecs:UpdateService"}, arn)
		st.Sid = "RollTheService"
		doc = policyDocument(st)
	}
	if doc == "" {
		return engine.Desired{}, false
	}
	return inlinePolicy(s, KeyRotationRedeployPolicy, KeyRotationRedeployRole, s.Name("policy-rotation-redeploy"), doc), true
}

// eventsPolicy lets EventBridge start the one state machine.
func eventsPolicy(s *Spec, stateMachineARN string) engine.Desired {
	st := allow([]string{"states:StartExecution"}, stateMachineARN)
	st.Sid = "StartRedeploy"
	return inlinePolicy(s, KeyRotationEventsPolicy, KeyRotationEventsRole, s.Name("policy-rotation-events"), policyDocument(st))
}

// secretRotatedPattern matches the event Secrets Manager sends when
// AWSCURRENT moves to a new version of this secret.
type secretRotatedPattern struct {
	Source     []string            `json:"source"`
	DetailType []string            `json:"detail-type"`
	Resources  []string            `json:"resources"`
	Detail     map[string][]string `json:"detail"`
}

// rotationRule matches a rotation of the database secret. It needs the
// secret's ARN.
func rotationRule(s *Spec, o engine.Observed) (engine.Desired, bool) {
	pattern := o.GetString(KeyRotationRule, "spec.forProvider.eventPattern")
	if arn := DatabaseSecretARN(o); arn != "" {
		b, err := json.Marshal(secretRotatedPattern{
			Source:     []string{"aws.secretsmanager"},
			DetailType: []string{"Secret Label Updated"},
			Resources:  []string{arn},
			Detail:     map[string][]string{"labelUpdated": {"AWSCURRENT"}},
		})
		if err != nil {
			panic(err) // The type above always marshals.
		}
		pattern = string(b)
	}
	if pattern == "" {
		return engine.Desired{}, false
	}
	name := RotationRuleName(s)
	return engine.Desired{Key: KeyRotationRule, AWSName: name, ExternalName: true, Object: &events.Rule{
		Spec: events.RuleSpec{ForProvider: events.RuleParameters{
			Region:       new(s.Region),
			Tags:         s.Tags(name),
			Description:  new("RDS rotated the catalog API's database password: roll the ECS service's tasks"),
			EventPattern: new(pattern),
			State:        new("ENABLED"),
		}},
	}}, true
}

// rotationTarget starts the state machine with the events role.
// EventBridge refuses to delete a rule that still has targets, so the rule
// outlives it without a Usage.
func rotationTarget(s *Spec, stateMachineARN string) engine.Desired {
	return engine.Desired{Key: KeyRotationTarget, Object: &events.Target{
		Spec: events.TargetSpec{ForProvider: events.TargetParameters{
			Region:     new(s.Region),
			RuleRef:    s.Ref(KeyRotationRule),
			TargetID:   new(rotationTargetID),
			Arn:        new(stateMachineARN),
			RoleArnRef: s.Ref(KeyRotationEventsRole),
		}},
	}}
}

// rotationAlarm goes into ALARM when an execution of the state machine
// fails: the tasks were not rolled after a rotation and hold a password the
// database no longer accepts once their connections drop. Step Functions
// publishes ExecutionsFailed per state machine (dimension StateMachineArn,
// namespace AWS/States: AWS Step Functions developer guide, "Monitoring
// Step Functions metrics using Amazon CloudWatch"). Missing data (no
// execution) is not breaching. The alarm has no action: a platform routes
// it (an SNS topic, EventBridge's "CloudWatch Alarm State Change" event);
// docs/day-2.md says how.
func rotationAlarm(s *Spec, stateMachineARN string) engine.Desired {
	name := s.Name("alarm-rotation-failed")
	return engine.Desired{Key: KeyRotationAlarm, AWSName: name, ExternalName: true, Object: &cloudwatch.MetricAlarm{
		Spec: cloudwatch.MetricAlarmSpec{ForProvider: cloudwatch.MetricAlarmParameters{
			Region: new(s.Region),
			Tags:   s.Tags(name),
			AlarmDescription: new("A redeploy-on-rotation execution failed: the ECS tasks were not rolled after RDS rotated the database password. " +
				"Read the failed execution in Step Functions, then force a new deployment of the ECS service."),
			Namespace:          new("AWS/States"),
			MetricName:         new("ExecutionsFailed"),
			Dimensions:         map[string]*string{"StateMachineArn": new(stateMachineARN)},
			Statistic:          new("Sum"),
			Period:             f64(alarmPeriodSeconds),
			EvaluationPeriods:  f64(1),
			DatapointsToAlarm:  f64(1),
			Threshold:          f64(1),
			ComparisonOperator: new("GreaterThanOrEqualToThreshold"),
			TreatMissingData:   new("notBreaching"),
		}},
	}}
}

// rotationCost prices the alarm: one standard-resolution alarm metric.
// The roles, rule, target and state machine cost nothing while idle; an
// execution's few state transitions are within Step Functions' free tier.
func rotationCost(s *Spec) []engine.CostLine {
	if !s.Defaults.RotationFailureAlarm {
		return nil
	}
	return []engine.CostLine{{Item: "CloudWatch alarms", Unit: "alarm-month", Quantity: count(1), Price: PriceCloudWatchAlarmMonth}}
}
