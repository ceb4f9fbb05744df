package fn

import (
	"testing"

	appautoscaling "github.com/upbound/provider-aws/v2/apis/namespaced/appautoscaling/v1beta1"
)

func TestScalingPhases(t *testing.T) {
	rendered := []string{KeyScalingPolicy, KeyScalingTarget}
	cases := map[string]struct {
		reason      string
		observed    []observedResource
		wantKeys    []string
		wantWaiting int
	}{
		"NoService": {
			reason:      "Application Auto Scaling rejects a target for a service that does not exist",
			wantWaiting: 1,
		},
		"ServiceNotReady": {
			reason:      "a service the provider has not created yet does not count",
			observed:    []observedResource{{key: KeyService}},
			wantWaiting: 1,
		},
		"ServiceReady": {
			reason:   "once the service is ready, target and policy render",
			observed: []observedResource{observedReady(KeyService)},
			wantKeys: rendered,
		},
		"KeptWhenServiceGoesUnready": {
			reason:   "rendered scaling is never dropped",
			observed: []observedResource{{key: KeyService}, {key: KeyScalingTarget}},
			wantKeys: rendered,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := buildScaling(testSpec(t), observedOf(t, tc.observed...))
			checkPhase(t, b, tc.reason, tc.wantKeys, tc.wantWaiting)
		})
	}
}

func TestScalingValues(t *testing.T) {
	s := testSpec(t, withSpecField("scaling", map[string]any{"minTasks": int64(3), "maxTasks": int64(12), "targetCpuUtilization": int64(60)}))
	b := buildScaling(s, observedOf(t, observedReady(KeyService)))
	target := objectByKey[*appautoscaling.Target](t, b, KeyScalingTarget).Spec.ForProvider
	policy := objectByKey[*appautoscaling.Policy](t, b, KeyScalingPolicy).Spec.ForProvider
	checkValues(t, map[string]gotWant{
		"Namespace":  {*target.ServiceNamespace, "ecs"},
		"Dimension":  {*target.ScalableDimension, "ecs:service:DesiredCount"},
		"ResourceID": {*target.ResourceID, "service/ecs-cluster-dev/ecs-service-dev"},
		"Min":        {*target.MinCapacity, 3.0},
		"Max":        {*target.MaxCapacity, 12.0},
		"NoRole":     {target.RoleArn == nil && target.RoleArnRef == nil, true},
		"PolicyType": {*policy.PolicyType, "TargetTrackingScaling"},
		"Refs": {
			[]string{policy.ResourceIDRef.Name, policy.ScalableDimensionRef.Name, policy.ServiceNamespaceRef.Name},
			[]string{s.ObjectName(KeyScalingTarget), s.ObjectName(KeyScalingTarget), s.ObjectName(KeyScalingTarget)},
		},
		"TargetTracking": {policy.TargetTrackingScalingPolicyConfiguration, &appautoscaling.TargetTrackingScalingPolicyConfigurationParameters{
			TargetValue: f64(60),
			PredefinedMetricSpecification: &appautoscaling.PredefinedMetricSpecificationParameters{
				PredefinedMetricType: new("ECSServiceAverageCPUUtilization"),
			},
			ScaleInCooldown:  f64(300),
			ScaleOutCooldown: f64(60),
		}},
	})
}

func TestScalingNames(t *testing.T) {
	s := testSpec(t)
	b := buildScaling(s, observedOf(t, observedReady(KeyService)))
	for _, d := range b.Resources {
		switch d.Key {
		case KeyScalingPolicy:
			if d.AWSName != "scale-cpu-dev" || !d.ExternalName {
				t.Errorf("the policy is named by its external name scale-cpu-dev, got %q (external %v)", d.AWSName, d.ExternalName)
			}
		case KeyScalingTarget:
			if d.ExternalName {
				t.Error("the target's identifier comes from the provider; it must not set an external name")
			}
		}
	}
}
