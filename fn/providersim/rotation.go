package providersim

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// A rotation of the RDS-managed master user secret, played on the AWS side.
//
// When Secrets Manager finishes a rotation it moves the AWSCURRENT staging
// label to the new version and sends a "Secret Label Updated" event to the
// default EventBridge bus (a native event: no CloudTrail trail needed). Rotate
// plays what follows with the composed resources as observed: every enabled
// EventBridge rule whose pattern matches the event invokes its targets; a
// target that is a Step Functions state machine is started with the target's
// role, which must allow states:StartExecution on it; the state machine runs
// with its own role, and each AWS SDK call it makes must be allowed by that
// role. The ECS calls it can make are answered from the observed services.
// Nothing observed changes: a rotation changes the secret's value, not
// anything provider-aws reports.

// Deployment is a new ECS service deployment that AWS started.
type Deployment struct {
	// Service is the service's ARN.
	Service string
	// ForceNewDeployment is true for a deployment of the same task
	// definition that starts new tasks (which read secrets afresh).
	ForceNewDeployment bool
	// StartedBy is the ARN of the state machine that called UpdateService.
	StartedBy string
}

// Rotation describes one rotation.
type Rotation struct {
	// SecretARN is the rotated secret.
	SecretARN string
	// BusyPolls is how many DescribeServices calls find a deployment still
	// in progress (two deployments) before the service is steady.
	BusyPolls int
}

// SecretLabelUpdated is the event Secrets Manager sends when AWSCURRENT
// moves to a new version of this secret.
func SecretLabelUpdated(secretARN string) map[string]any {
	name := secretARN[strings.LastIndex(secretARN, ":")+1:]
	return map[string]any{
		"version":     "0",
		"source":      "aws.secretsmanager",
		"detail-type": "Secret Label Updated",
		"account":     Account,
		"region":      Region,
		"resources":   []any{secretARN},
		"detail": map[string]any{
			"name":         name,
			"labelUpdated": "AWSCURRENT",
			"versionId":    "a1b2c3d4-5678-90ab-cdef-000000000001",
		},
	}
}

// Rotate plays a rotation of r.SecretARN against the observed resources and
// returns the service deployments AWS started because of it, or why the
// chain from the event to the deployment breaks.
func Rotate(observed map[string]*fnv1.Resource, r Rotation) ([]Deployment, error) {
	w := newWorld(observed)
	event := SecretLabelUpdated(r.SecretARN)
	var out []Deployment
	for _, rule := range w.ofKind("cloudwatchevents/Rule") {
		matched, err := ruleMatches(rule, event)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key(rule), err)
		}
		if !matched {
			continue
		}
		d, err := w.invokeTargets(rule, &r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key(rule), err)
		}
		out = append(out, d...)
	}
	return out, nil
}

// world is the observed resources, looked up the ways AWS would.
type world struct {
	objects []*unstructured.Unstructured
}

func newWorld(observed map[string]*fnv1.Resource) *world {
	w := &world{}
	for _, k := range slices.Sorted(maps.Keys(observed)) {
		u := &unstructured.Unstructured{Object: observed[k].GetResource().AsMap()}
		a := u.GetAnnotations()
		if a == nil {
			a = map[string]string{}
		}
		a[AnnotationCompositionResourceName] = k
		u.SetAnnotations(a)
		w.objects = append(w.objects, u)
	}
	return w
}

// ofKind returns the objects of a <short group>/<Kind>, in key order.
func (w *world) ofKind(kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, u := range w.objects {
		if kindOf(u) == kind {
			out = append(out, u)
		}
	}
	return out
}

// byARN returns the object of a kind whose status.atProvider.arn is arn.
func (w *world) byARN(kind, arn string) *unstructured.Unstructured {
	for _, u := range w.ofKind(kind) {
		if observedARN(u) == arn {
			return u
		}
	}
	return nil
}

// ruleMatches reports whether an enabled rule's event pattern matches.
func ruleMatches(rule *unstructured.Unstructured, event map[string]any) (bool, error) {
	if forProviderString(rule, "state") == "DISABLED" {
		return false, nil
	}
	raw := forProviderString(rule, "eventPattern")
	if raw == "" {
		return false, nil
	}
	pattern := map[string]any{}
	if err := json.Unmarshal([]byte(raw), &pattern); err != nil {
		return false, fmt.Errorf("%w: eventPattern is not JSON: %w", errInvalid, err)
	}
	return matchPattern(pattern, event)
}

// invokeTargets starts the targets of the rule.
func (w *world) invokeTargets(rule *unstructured.Unstructured, r *Rotation) ([]Deployment, error) {
	var out []Deployment
	for _, t := range w.ofKind("cloudwatchevents/Target") {
		if forProviderString(t, "rule") != externalName(rule) {
			continue
		}
		d, err := w.invokeTarget(t, observedARN(rule), r)
		if err != nil {
			return nil, fmt.Errorf("target %s: %w", key(t), err)
		}
		out = append(out, d...)
	}
	return out, nil
}

// invokeTarget starts a state machine target with the target's role,
// which EventBridge assumes on behalf of the rule, and runs it with the
// state machine's role, which Step Functions assumes on behalf of the
// state machine.
func (w *world) invokeTarget(t *unstructured.Unstructured, ruleARN string, r *Rotation) ([]Deployment, error) {
	arn := forProviderString(t, "arn")
	sm := w.byARN("sfn/StateMachine", arn)
	if sm == nil {
		return nil, fmt.Errorf("%w: arn %q is not a composed state machine", errNotFound, arn)
	}
	if err := w.assume(forProviderString(t, "roleArn"), "events.amazonaws.com", ruleARN); err != nil {
		return nil, err
	}
	if err := w.allowed(forProviderString(t, "roleArn"), "states:StartExecution", arn); err != nil {
		return nil, err
	}
	if err := w.assume(forProviderString(sm, "roleArn"), "states.amazonaws.com", arn); err != nil {
		return nil, err
	}
	m, err := parseStateMachine(forProviderString(sm, "definition"))
	if err != nil {
		return nil, fmt.Errorf("state machine %s: %w", key(sm), err)
	}
	ecs := &ecsAPI{w: w, role: forProviderString(sm, "roleArn"), caller: arn, busyPolls: r.BusyPolls}
	if err := m.run(ecs.call); err != nil {
		return nil, fmt.Errorf("state machine %s: %w", key(sm), err)
	}
	return ecs.deployments, nil
}

// assume checks that the trust policy of the role with this ARN lets the
// service assume it on behalf of the resource with sourceARN in Account.
func (w *world) assume(roleARN, service, sourceARN string) error {
	role := w.byARN("iam/Role", roleARN)
	if role == nil {
		return fmt.Errorf("%w: role %q is not a composed role", errNotFound, roleARN)
	}
	ok, err := trustAllows(forProviderString(role, "assumeRolePolicy"), service, map[string]string{
		"aws:SourceAccount": Account,
		"aws:SourceArn":     sourceARN,
	})
	switch {
	case err != nil:
		return fmt.Errorf("role %s: %w", key(role), err)
	case !ok:
		return fmt.Errorf("%w: %s cannot assume role %s on behalf of %s (trust policy)", errDenied, service, key(role), sourceARN)
	}
	return nil
}

// allowed checks that the inline policies of the role with this ARN allow
// action on resource.
func (w *world) allowed(roleARN, action, resource string) error {
	name, ok := strings.CutPrefix(roleARN, "arn:aws:iam::"+Account+":role/")
	if !ok {
		return fmt.Errorf("%w: role %q is not an IAM role ARN of account %s", errInvalid, roleARN, Account)
	}
	var docs []string
	for _, p := range w.ofKind("iam/RolePolicy") {
		if forProviderString(p, "role") == name {
			docs = append(docs, forProviderString(p, "policy"))
		}
	}
	ok, err := policiesAllow(docs, action, resource)
	switch {
	case err != nil:
		return fmt.Errorf("role %s: %w", name, err)
	case !ok:
		return fmt.Errorf("%w: role %s is not allowed %s on %s", errDenied, name, action, resource)
	}
	return nil
}

// ecsAPI answers the ECS calls a state machine makes, as the state
// machine's role.
type ecsAPI struct {
	w           *world
	role        string
	caller      string
	busyPolls   int
	deployments []Deployment
}

// The AWS SDK integrations of Step Functions the simulator implements.
const (
	sdkDescribeServices = "arn:aws:states:::aws-sdk:ecs:describeServices"
	sdkUpdateService    = "arn:aws:states:::aws-sdk:ecs:updateService"
)

func (e *ecsAPI) call(resource string, params map[string]any) (map[string]any, error) {
	switch resource {
	case sdkDescribeServices:
		return e.describeServices(params)
	case sdkUpdateService:
		return e.updateService(params)
	}
	return nil, fmt.Errorf("%w: task resource %q", errNotImplemented, resource)
}

// service finds the observed service a call names by cluster and service.
func (e *ecsAPI) service(cluster, name any) (*unstructured.Unstructured, error) {
	for _, s := range e.w.ofKind("ecs/Service") {
		if forProviderString(s, "cluster") == cluster && externalName(s) == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("%w: no ECS service %v in cluster %v (ServiceNotFoundException)", errNotFound, name, cluster)
}

func (e *ecsAPI) describeServices(params map[string]any) (map[string]any, error) {
	names, _ := params["Services"].([]any)
	if len(names) != 1 {
		return nil, fmt.Errorf("%w: DescribeServices: Services must name exactly one service", errInvalid)
	}
	s, err := e.service(params["Cluster"], names[0])
	if err != nil {
		return nil, err
	}
	arn := observedARN(s)
	if err := e.w.allowed(e.role, "ecs:DescribeServices", arn); err != nil {
		return nil, err
	}
	deployments := []any{map[string]any{"Status": "PRIMARY"}}
	if e.busyPolls > 0 {
		e.busyPolls--
		deployments = append(deployments, map[string]any{"Status": "ACTIVE"})
	}
	return map[string]any{"Services": []any{map[string]any{"ServiceArn": arn, "Deployments": deployments}}}, nil
}

func (e *ecsAPI) updateService(params map[string]any) (map[string]any, error) {
	s, err := e.service(params["Cluster"], params["Service"])
	if err != nil {
		return nil, err
	}
	arn := observedARN(s)
	if err := e.w.allowed(e.role, "ecs:UpdateService", arn); err != nil {
		return nil, err
	}
	force, _ := params["ForceNewDeployment"].(bool)
	e.deployments = append(e.deployments, Deployment{Service: arn, ForceNewDeployment: force, StartedBy: e.caller})
	return map[string]any{"Service": map[string]any{"ServiceArn": arn}}, nil
}

func key(u *unstructured.Unstructured) string { return compositionResourceName(u) }

func forProviderString(u *unstructured.Unstructured, field string) string {
	v, _, _ := unstructured.NestedString(u.Object, "spec", "forProvider", field)
	return v
}

// observedARN is the ARN the provider reports for u.
func observedARN(u *unstructured.Unstructured) string {
	v, _, _ := unstructured.NestedString(u.Object, "status", "atProvider", "arn")
	return v
}
