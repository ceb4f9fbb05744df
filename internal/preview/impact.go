package preview

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/platform/function-catalog-api/fn"
	"github.com/platform/function-catalog-api/internal/engine"
)

// Impact kinds.
const (
	ImpactRefusal       = "refusal"
	ImpactRollout       = "rolling-deployment"
	ImpactInstanceClass = "database-instance-class"
	ImpactScaling       = "scaling"
	ImpactDeletion      = "deletion"
	ImpactCost          = "cost"
)

// Impact is what a change means for the running stack, for a person.
type Impact struct {
	Kind       string    `json:"kind"`
	Summary    string    `json:"summary"`
	Details    []string  `json:"details,omitempty"`
	Estimate   *Estimate `json:"estimate,omitempty"`
	References []string  `json:"references,omitempty"`
}

// Estimate is how long something usually takes, and how that was worked out.
type Estimate struct {
	MinSeconds int    `json:"minSeconds"`
	MaxSeconds int    `json:"maxSeconds"`
	Basis      string `json:"basis"`
}

// Documentation the impacts rest on.
const (
	docECSRolling     = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html"
	docECSDeployment  = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html"
	docALBHealth      = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html"
	docALBDeregister  = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html#deregistration-delay"
	docAuroraModify   = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Modifying.html"
	docAuroraDowntime = "https://repost.aws/knowledge-center/aurora-mysql-downtime-factors"
	docAASTarget      = "https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-scalable-target.html"
)

// Assumed time Fargate takes to start a task (ENI, image pull, container
// start): not published by AWS, it depends on the image size.
const (
	fargateStartMinSeconds = 30
	fargateStartMaxSeconds = 90
	// An Aurora instance class change: 5-15 minutes of outage per instance,
	// a planning figure (see instanceClass).
	classChangeMinSeconds = 5 * 60
	classChangeMaxSeconds = 15 * 60
)

// deploymentFields are the ECS service fields whose change starts a new
// deployment: every task is replaced.
func deploymentFields() []string {
	return []string{
		"spec.forProvider.taskDefinition",
		"spec.forProvider.networkConfiguration",
		"spec.forProvider.capacityProviderStrategy",
		"spec.forProvider.loadBalancer",
		"spec.forProvider.platformVersion",
		"spec.forProvider.forceNewDeployment",
	}
}

// Impacts derives what the changes mean. desired is the render the changes
// come from: the estimates use the values the function renders.
func Impacts(changes []ResourceChange, desired objects) []Impact {
	byKey := map[string]ResourceChange{}
	for _, c := range changes {
		byKey[c.Key] = c
	}
	var out []Impact
	if im, ok := rollout(byKey, desired); ok {
		out = append(out, im)
	}
	if im, ok := instanceClass(byKey, desired); ok {
		out = append(out, im)
	}
	if im, ok := scaling(byKey); ok {
		out = append(out, im)
	}
	if im, ok := deletions(changes); ok {
		out = append(out, im)
	}
	return out
}

// changedField returns the change of the field at path (or below it).
func changedField(c ResourceChange, prefix string) (FieldChange, bool) {
	for _, f := range c.Fields {
		if f.Path == prefix || strings.HasPrefix(f.Path, prefix+".") || strings.HasPrefix(f.Path, prefix+"[") || strings.HasPrefix(f.Path, prefix+"Ref") {
			return f, true
		}
	}
	return FieldChange{}, false
}

// rollout is the rolling deployment an ECS service update starts.
func rollout(byKey map[string]ResourceChange, desired objects) (Impact, bool) {
	svc, ok := byKey[fn.KeyService]
	if !ok || svc.Action != ActionUpdate {
		return Impact{}, false
	}
	var why []string
	for _, p := range deploymentFields() {
		if f, ok := changedField(svc, p); ok {
			why = append(why, fmt.Sprintf("%s: %s -> %s", f.Path, Format(f.Old), Format(f.New)))
		}
	}
	if len(why) == 0 {
		return Impact{}, false
	}
	s := desired[fn.KeyService]
	minPct, maxPct := num(s, "spec", "forProvider", "deploymentMinimumHealthyPercent"), num(s, "spec", "forProvider", "deploymentMaximumPercent")
	grace := num(s, "spec", "forProvider", "healthCheckGracePeriodSeconds")
	tg := desired[fn.KeyTargetGroup]
	interval := num(tg, "spec", "forProvider", "healthCheck", "interval")
	healthy := num(tg, "spec", "forProvider", "healthCheck", "healthyThreshold")
	dereg, _ := strconv.Atoi(str(tg, "spec", "forProvider", "deregistrationDelay"))
	stop := stopTimeout(desired)

	est := &Estimate{
		MinSeconds: fargateStartMinSeconds + healthy*interval + dereg,
		MaxSeconds: fargateStartMaxSeconds + (healthy+1)*interval + dereg + stop,
		Basis: fmt.Sprintf("Fargate task start %d-%d s (assumed: image pull and ENI, not published by AWS) + ALB health checks %d x %d s (one more interval at worst until the first check) + deregistration delay %d s + up to %d s stop timeout for the old tasks; all values but the first as rendered",
			fargateStartMinSeconds, fargateStartMaxSeconds, healthy, interval, dereg, stop),
	}
	details := append([]string{}, why...)
	details = append(details,
		fmt.Sprintf("ECS replaces every task: with minimum healthy %d %% and maximum %d %% it starts the new tasks next to the old ones, so capacity never drops below the running count", minPct, maxPct),
		fmt.Sprintf("a new task counts as healthy after %d passing ALB health checks %d s apart; failing checks are ignored for the first %d s (health check grace period)", healthy, interval, grace),
		fmt.Sprintf("then ECS drains the old tasks: %d s deregistration delay, SIGTERM, at most %d s until SIGKILL", dereg, stop),
		"the deployment circuit breaker rolls back to the running revision if the new tasks do not become healthy",
	)
	if svc := byKey[fn.KeyService]; svc.Action == ActionUpdate {
		for _, c := range byKey {
			if c.Action == ActionReplace && fn.IsTaskDefinitionKey(c.Key) {
				details = append(details, fmt.Sprintf("once provider-aws reports the deployment of the new revision finished (the service's status names it and its last operation succeeded), the next reconcile retires %s (deregistered; running tasks are unaffected)", c.Replaces))
			}
		}
	}
	return Impact{
		Kind:       ImpactRollout,
		Summary:    fmt.Sprintf("rolling deployment of ECS service %s, usually %s", str(s, "metadata", "annotations", engine.AnnotationExternalName), span(est)),
		Details:    details,
		Estimate:   est,
		References: []string{docECSRolling, docECSDeployment, docALBHealth, docALBDeregister},
	}, true
}

// stopTimeout is the container stop timeout of the rendered task
// definition that the service runs.
func stopTimeout(desired objects) int {
	ref := str(desired[fn.KeyService], "spec", "forProvider", "taskDefinitionRef", "name")
	for k, d := range desired {
		if !fn.IsTaskDefinitionKey(k) || str(d, "metadata", "name") != ref {
			continue
		}
		var defs []struct {
			StopTimeout int `json:"stopTimeout"`
		}
		if err := json.Unmarshal([]byte(str(d, "spec", "forProvider", "containerDefinitions")), &defs); err == nil && len(defs) > 0 {
			return defs[0].StopTimeout
		}
	}
	return 0
}

// instanceClass is the outage an Aurora instance class change causes.
func instanceClass(byKey map[string]ResourceChange, desired objects) (Impact, bool) {
	var details []string
	var from, to string
	for _, inst := range []struct{ key, role string }{{fn.KeyDBWriter, "writer"}, {fn.KeyDBReader, "reader"}} {
		c, ok := byKey[inst.key]
		if !ok || c.Action != ActionUpdate {
			continue
		}
		f, ok := changedField(c, "spec.forProvider.instanceClass")
		if !ok {
			continue
		}
		from, to = Format(f.Old), Format(f.New)
		consequence := "reads through the reader endpoint fail over to the writer while it is down"
		if inst.role == "writer" {
			consequence = "writes fail while it is down: Aurora does not move the writer role for a class change"
		}
		details = append(details, fmt.Sprintf("%s %s: %s -> %s; the instance is unavailable while AWS changes its class; %s", inst.role, c.Name, from, to, consequence))
	}
	if len(details) == 0 {
		return Impact{}, false
	}
	when := "right away (applyImmediately), not in the maintenance window"
	if b, ok := lookupBool(desired[fn.KeyDBWriter], "spec", "forProvider", "applyImmediately"); ok && !b {
		when = "in the next maintenance window " + str(desired[fn.KeyDBCluster], "spec", "forProvider", "preferredMaintenanceWindow")
	}
	details = append(details,
		"applied "+when,
		"the provider modifies both instances independently, possibly at the same time: plan for the whole database being unavailable",
		"to keep writes available instead: change the reader first, fail over to it (aws rds failover-db-cluster; usually under 60-120 s), then change the old writer",
	)
	return Impact{
		Kind:       ImpactInstanceClass,
		Summary:    fmt.Sprintf("Aurora instance class %s -> %s: an outage of each instance while it changes class, usually several minutes", from, to),
		Details:    details,
		Estimate:   &Estimate{MinSeconds: classChangeMinSeconds, MaxSeconds: classChangeMaxSeconds, Basis: "AWS documents an outage during an instance class change but no duration; 5-15 minutes per instance is a planning figure, not a measurement. A failover, by contrast, usually completes within 60-120 s"},
		References: []string{docAuroraModify, docAuroraDowntime},
	}, true
}

// scaling is a change of the task count range or the CPU target.
func scaling(byKey map[string]ResourceChange) (Impact, bool) {
	var details []string
	target := byKey[fn.KeyScalingTarget]
	if target.Action == ActionUpdate {
		for _, p := range []struct{ path, what string }{
			{"spec.forProvider.minCapacity", "minimum tasks"},
			{"spec.forProvider.maxCapacity", "maximum tasks"},
		} {
			if f, ok := changedField(target, p.path); ok {
				details = append(details, fmt.Sprintf("%s %s -> %s", p.what, Format(f.Old), Format(f.New)))
			}
		}
	}
	if policy := byKey[fn.KeyScalingPolicy]; policy.Action == ActionUpdate {
		if f, ok := changedField(policy, "spec.forProvider.targetTrackingScalingPolicyConfiguration.targetValue"); ok {
			details = append(details, fmt.Sprintf("target CPU utilization %s %% -> %s %%", Format(f.Old), Format(f.New)))
		}
	}
	if len(details) == 0 {
		return Impact{}, false
	}
	summary := "scaling: " + strings.Join(details, ", ")
	details = append(details[:0],
		"Application Auto Scaling moves a running count outside the new range into it right away: new tasks start like a deployment's (Fargate start + health checks), removed ones drain",
		"no deployment: the task definition and the running tasks are unchanged; the service's desiredCount is set only at creation (initProvider), autoscaling owns it",
	)
	return Impact{Kind: ImpactScaling, Summary: summary, Details: details, References: []string{docAASTarget}}, true
}

// deletions lists what is deleted.
func deletions(changes []ResourceChange) (Impact, bool) {
	var details []string
	for _, c := range changes {
		if c.Action == ActionDelete {
			details = append(details, fmt.Sprintf("%s (%s %s): %s", c.Key, c.Kind, c.Name, c.Note))
		}
	}
	if len(details) == 0 {
		return Impact{}, false
	}
	return Impact{Kind: ImpactDeletion, Summary: fmt.Sprintf("%d resource(s) deleted", len(details)), Details: details}, true
}

// span formats an estimate as "2-5 min" or "90-300 s".
func span(e *Estimate) string {
	const minute = 60
	if e.MaxSeconds >= 2*minute {
		return fmt.Sprintf("%d-%d min", e.MinSeconds/minute, (e.MaxSeconds+minute-1)/minute)
	}
	return fmt.Sprintf("%d-%d s", e.MinSeconds, e.MaxSeconds)
}

// num reads a number at a path of nested maps, or 0.
func num(m map[string]any, path ...string) int {
	switch v := lookupPath(m, path...).(type) {
	case float64:
		return int(v)
	case int64:
		return int(v)
	}
	return 0
}

// lookupBool reads a bool at a path of nested maps, and whether it is set.
func lookupBool(m map[string]any, path ...string) (value, set bool) {
	b, ok := lookupPath(m, path...).(bool)
	return b, ok
}

// Format renders a field value compactly for people: strings bare, the
// rest as JSON, absent as "(none)".
func Format(v any) string {
	switch t := v.(type) {
	case nil:
		return "(none)"
	case string:
		return t
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
