package fn

import (
	appautoscaling "github.com/upbound/provider-aws/v2/apis/namespaced/appautoscaling/v1beta1"

	"github.com/platform/function-catalog-api/internal/engine"
)

// Keys of the scaling part: composition resource names, stable once released
// (a new key makes Crossplane delete the resource and create a new one).
const (
	KeyScalingTarget = "autoscaling-target"
	KeyScalingPolicy = "autoscaling-policy-cpu"
)

// Application Auto Scaling of the ECS service's task count.
const (
	ScalingNamespace = "ecs"
	ScalingDimension = "ecs:service:DesiredCount"
	ScalingMetric    = "ECSServiceAverageCPUUtilization"
	// ScaleInCooldown is long and ScaleOutCooldown short: add tasks fast
	// under load, remove them only when the load has stayed low.
	ScaleInCooldown  = 300
	ScaleOutCooldown = 60
)

// buildScaling renders the scalable target (the service's desired count
// between minTasks and maxTasks) and a target tracking policy on average
// CPU. Application Auto Scaling validates that the service exists, so both
// wait for the ECS service to be ready; once rendered they stay rendered.
func buildScaling(s *Spec, o engine.Observed) engine.Built {
	var b engine.Built
	if !o.Ready(KeyService) && !o.Exists(KeyScalingTarget) {
		b.Waitf("waiting for the ECS service %s to be ready before registering it with Application Auto Scaling", ECSServiceName(s))
		return b
	}
	b.Add(scalingTarget(s), scalingPolicy(s))
	return b
}

// ScalingResourceID identifies the ECS service to Application Auto Scaling.
// provider-aws has no reference for it, so it is built from the names.
func ScalingResourceID(s *Spec) string {
	return "service/" + ECSClusterName(s) + "/" + ECSServiceName(s)
}

// scalingTarget is the scalable target. roleArn is left out: for ECS, AWS
// uses the service-linked role AWSServiceRoleForApplicationAutoScaling_ECSService
// and ignores a custom role. It needs no Usage of the service: deleting the
// service first leaves a target AWS deregisters as usual.
func scalingTarget(s *Spec) engine.Desired {
	name := s.Name("scaling-target")
	return engine.Desired{Key: KeyScalingTarget, AWSName: name, OnChange: []engine.ChangeImpact{scalingImpact(
		engine.ImpactField{Path: "spec.forProvider.minCapacity", Says: "minimum tasks {old} -> {new}"},
		engine.ImpactField{Path: "spec.forProvider.maxCapacity", Says: "maximum tasks {old} -> {new}"},
	)}, Object: &appautoscaling.Target{
		Spec: appautoscaling.TargetSpec{ForProvider: appautoscaling.TargetParameters{
			Region:            new(s.Region),
			Tags:              s.Tags(name),
			ServiceNamespace:  new(ScalingNamespace),
			ScalableDimension: new(ScalingDimension),
			ResourceID:        new(ScalingResourceID(s)),
			MinCapacity:       f64(s.MinTasks),
			MaxCapacity:       f64(s.MaxTasks),
		}},
	}}
}

// scalingPolicy keeps the service's average CPU at the target. Its
// namespace, dimension and resource ID come from the target by reference,
// so they cannot disagree.
func scalingPolicy(s *Spec) engine.Desired {
	return engine.Desired{Key: KeyScalingPolicy, AWSName: s.Name("scale-cpu"), ExternalName: true, OnChange: []engine.ChangeImpact{scalingImpact(
		engine.ImpactField{Path: "spec.forProvider.targetTrackingScalingPolicyConfiguration.targetValue", Says: "target CPU utilization {old} % -> {new} %"},
	)}, Object: &appautoscaling.Policy{
		Spec: appautoscaling.PolicySpec{ForProvider: appautoscaling.PolicyParameters{
			Region:               new(s.Region),
			PolicyType:           new("TargetTrackingScaling"),
			ResourceIDRef:        s.Ref(KeyScalingTarget),
			ScalableDimensionRef: s.Ref(KeyScalingTarget),
			ServiceNamespaceRef:  s.Ref(KeyScalingTarget),
			TargetTrackingScalingPolicyConfiguration: &appautoscaling.TargetTrackingScalingPolicyConfigurationParameters{
				TargetValue: f64(s.TargetCPU),
				PredefinedMetricSpecification: &appautoscaling.PredefinedMetricSpecificationParameters{
					PredefinedMetricType: new(ScalingMetric),
				},
				ScaleInCooldown:  f64(ScaleInCooldown),
				ScaleOutCooldown: f64(ScaleOutCooldown),
			},
		}},
	}}
}

// ImpactScaling is the kind of impact of a change of the task count range
// or the CPU target.
const ImpactScaling = "scaling"

// docAASTarget documents the scalable target.
const docAASTarget = "https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-scalable-target.html"

// scalingImpact is what a change of these scaling fields means: a new
// range or target, and no deployment.
func scalingImpact(fields ...engine.ImpactField) engine.ChangeImpact {
	return engine.ChangeImpact{
		Kind:    ImpactScaling,
		Fields:  fields,
		Summary: "scaling: {changes}",
		Details: []string{
			"Application Auto Scaling moves a running count outside the new range into it right away: new tasks start like a deployment's (Fargate start + health checks), removed ones drain",
			"no deployment: the task definition and the running tasks are unchanged; the service's desiredCount is set only at creation (initProvider), autoscaling owns it",
		},
		References: []string{docAASTarget},
	}
}
