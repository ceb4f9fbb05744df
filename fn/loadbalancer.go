package fn

import (
	"slices"
	"strconv"
	"strings"

	elbv2 "github.com/upbound/provider-aws/v2/apis/namespaced/elbv2/v1beta1"

	"github.com/platform/function-catalog-api/internal/engine"
)

// Keys of the load balancer part: composition resource names, stable once released
// (a new key makes Crossplane delete the resource and create a new one).
const (
	KeyLoadBalancer = "load-balancer-internal"
	KeyTargetGroup  = "target-group"
	KeyListener     = "listener-internal"
)

// Keys of the internet-facing load balancer an earlier version of the
// function rendered. An ALB cannot change between internet-facing and
// internal in place (the scheme is replace-only, and the provider refuses
// replace-only updates), so the internal ALB and its listener are new
// resources with new keys and AWS names, and these are retired: Crossplane
// deletes them on the first render that finds them (docs/day-2.md,
// "Moving to the private origin").
const (
	legacyKeyLoadBalancer = "load-balancer"
	legacyKeyListener     = "listener"
	legacyKeyListenerRule = "listener-rule-origin-verify"
)

// LegacyLoadBalancerKeys returns the keys of the internet-facing ALB's
// resources that a render retires. Each call returns a fresh slice.
func LegacyLoadBalancerKeys() []string {
	return []string{legacyKeyListenerRule, legacyKeyListener, legacyKeyLoadBalancer}
}

// Properties of the load balancer and its target group.
const (
	// healthCheckTimeout must be shorter than HealthCheckInterval.
	healthCheckTimeout = 5
	// healthyThreshold: two passing checks (one minute) put a new task in
	// service.
	healthyThreshold = 2
	// deregistrationDelaySeconds lets in-flight requests drain well within
	// the two-minute notice Fargate Spot gives before it stops a task.
	deregistrationDelaySeconds = 30
)

// What the estimate assumes of the load balancer.
const (
	// ALBLCUBaseline is the average number of ALB capacity units per hour.
	ALBLCUBaseline = 1
)

// loadBalancerCost prices the ALB and its baseline capacity units; the
// internal ALB has no public address, and the target group and listener
// cost nothing of their own.
func loadBalancerCost(*Spec) []engine.CostLine {
	return []engine.CostLine{
		{Item: "Application Load Balancer", Unit: "ALB-hour", Quantity: count(1), Price: PriceALBHour, Hourly: true},
		{Item: "ALB capacity units (baseline)", Unit: "LCU-hour", Quantity: count(ALBLCUBaseline), Price: PriceALBLCUHour, Hourly: true},
	}
}

// buildLoadBalancer renders the internal ALB in both private subnets, the
// IP target group the ECS service registers into (health check on
// spec.service.healthCheckPath) and the HTTP listener that forwards to
// it. Only CloudFront reaches the ALB, through the VPC origin (cdn.go);
// nothing on the internet can.
//
// Phases: everything renders on the first call, except that ALB access logs
// are switched on only once the access-log bucket policy is Ready (or once
// they are on already). AWS checks, when logging is enabled, that the ELB
// account may write to the bucket: enabling it before the policy exists
// fails the ALB's attribute update with "InvalidConfigurationRequest: Access
// Denied for bucket ... Please check S3bucket permission", and the provider
// would only keep retrying until the policy happens to exist.
func buildLoadBalancer(s *Spec, o engine.Observed) engine.Built {
	var b engine.Built
	logs := accessLogsReady(o)
	if !logs {
		b.Waitf("waiting for the access-log bucket policy (%s) to become Ready before the load balancer enables access logs", KeyLogBucketPolicy)
	}
	b.Add(loadBalancer(s, logs), targetGroup(s, o), listener(s))
	b.Retire(observedKeys(o, LegacyLoadBalancerKeys())...)
	b.Retire(usagesOf(o, LegacyLoadBalancerKeys())...)
	return b
}

// usagesOf are the observed Usages (engine.UsageKey: usage-<of>-by-<by>)
// whose user or used resource is one of keys, in key order.
func usagesOf(o engine.Observed, keys []string) []string {
	var out []string
	for _, k := range o.Keys() {
		of, by, ok := strings.Cut(strings.TrimPrefix(k, "usage-"), "-by-")
		if ok && strings.HasPrefix(k, "usage-") && (slices.Contains(keys, of) || slices.Contains(keys, by)) {
			out = append(out, k)
		}
	}
	return out
}

// observedKeys are the keys that are observed, in the order given.
func observedKeys(o engine.Observed, keys []string) []string {
	var out []string
	for _, k := range keys {
		if o.Exists(k) {
			out = append(out, k)
		}
	}
	return out
}

// accessLogsReady says whether the ALB may log to the access-log bucket:
// the bucket policy is Ready, or the ALB was already rendered with logs on
// (they are never switched off again, even if the policy's readiness
// flickers).
func accessLogsReady(o engine.Observed) bool {
	return o.Ready(KeyLogBucketPolicy) || loadBalancerAccessLogsOn(o)
}

// loadBalancerAccessLogsOn reports whether the observed ALB has access logs
// enabled in its spec.
func loadBalancerAccessLogsOn(o engine.Observed) bool {
	return o.GetBool(KeyLoadBalancer, "spec.forProvider.accessLogs.enabled")
}

// loadBalancer is the internal ALB. Its AWS name is "alb-int-{suffix}",
// not the "alb-{suffix}" of the internet-facing ALB it replaces on an
// existing stack: both exist for a while, and ALB names are unique per
// region and account.
func loadBalancer(s *Spec, logs bool) engine.Desired {
	name := s.Name("alb-int")
	p := elbv2.LBParameters{
		Region:                   new(s.Region),
		Tags:                     s.Tags(name),
		Name:                     new(name),
		LoadBalancerType:         new("application"),
		Internal:                 new(true),
		IPAddressType:            new("ipv4"),
		SecurityGroupRefs:        s.Refs(KeySGLoadBalancer),
		EnableDeletionProtection: new(false),
		// Reject requests with header names that are not valid HTTP
		// (request smuggling hardening).
		DropInvalidHeaderFields: new(true),
	}
	s.setSubnets(false, &p.Subnets, &p.SubnetRefs)
	if logs {
		p.AccessLogs = &elbv2.AccessLogsParameters{
			// Resolves to the bucket's external name, its AWS name.
			BucketRef: s.Ref(KeyLogBucket),
			// The bucket policy (logging part) allows the ELB account to
			// write below exactly this prefix.
			Prefix:  new(AccessLogPrefixALB),
			Enabled: new(true),
		}
	}
	return engine.Desired{
		Key: KeyLoadBalancer, AWSName: name,
		Uses:      []string{KeyLogBucket},
		Readiness: engine.Readiness{Hint: "a load balancer usually becomes active within 3 minutes"},
		OnChange:  []engine.ChangeImpact{privateOriginImpact()},
		Object:    &elbv2.LB{Spec: elbv2.LBSpec{ForProvider: p}},
	}
}

// The ALB Uses the access-log bucket: S3 would delete the bucket (force
// destroy empties it) while the ALB still writes, losing the last logs and
// freeing the bucket's name to anyone. What else it holds AWS guards
// itself: EC2 refuses to delete its subnets and security group while its
// network interfaces are in them (DependencyViolation); provider-aws
// retries.

// ImpactPrivateOrigin is the kind of impact of the move of a stack from
// the internet-facing ALB to the internal one behind the VPC origin.
const ImpactPrivateOrigin = "private-origin"

// How long the move to the private origin leaves the API unreachable,
// seconds: the ALB's minutes plus the VPC origin's and the distribution's
// deployments.
const (
	privateOriginMinSeconds = 10 * 60
	privateOriginMaxSeconds = 35 * 60
)

// privateOriginImpact is what creating the internal ALB means on a stack
// that still has the internet-facing one: a replacement, in this order,
// with the API unreachable in between.
func privateOriginImpact() engine.ChangeImpact {
	return engine.ChangeImpact{
		Kind:     ImpactPrivateOrigin,
		Replaces: legacyKeyLoadBalancer,
		Summary:  "the internet-facing load balancer {replaces} is replaced by the internal one {name} behind a CloudFront VPC origin; the API is unavailable until the distribution has deployed with the new origin",
		Details: []string{
			"Crossplane deletes the internet-facing ALB, its listener and its origin-verify listener rule, and creates the internal ALB in the private subnets and its listener",
			"the new listener forwards to the same target group once the old listener is gone (an ALB target group belongs to one load balancer; provider-aws retries until then); the ECS service keeps running",
			"the CloudFront VPC origin is created for the internal ALB once it is active (up to 15 minutes to deploy); the distribution keeps its old origin until the VPC origin has an ID",
			"the distribution then moves to the VPC origin and deploys (5 to 15 minutes); requests fail from the deletion of the old ALB until then",
		},
		Estimate: &engine.Duration{
			MinSeconds: privateOriginMinSeconds, MaxSeconds: privateOriginMaxSeconds,
			Basis: "ALB 3 min + VPC origin up to 15 min (CloudFront developer guide, \"Restrict access with VPC origins\") + distribution deployment 5-15 min",
		},
		References: []string{"https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html"},
	}
}

// targetGroup registers the Fargate tasks by IP (awsvpc networking).
func targetGroup(s *Spec, o engine.Observed) engine.Desired {
	name := s.Name("tg")
	tg := &elbv2.LBTargetGroup{
		Spec: elbv2.LBTargetGroupSpec{ForProvider: elbv2.LBTargetGroupParameters{
			Region:              new(s.Region),
			Tags:                s.Tags(name),
			Name:                new(name),
			Port:                f64(targetGroupPort(s, o)),
			Protocol:            new("HTTP"),
			TargetType:          new("ip"),
			DeregistrationDelay: new(strconv.Itoa(deregistrationDelaySeconds)),
			HealthCheck: &elbv2.HealthCheckParameters{
				Enabled:            new(true),
				Path:               new(s.App.HealthCheckPath),
				Protocol:           new("HTTP"),
				Port:               new("traffic-port"),
				Matcher:            new("200"),
				Interval:           f64(HealthCheckInterval),
				Timeout:            f64(healthCheckTimeout),
				HealthyThreshold:   f64(healthyThreshold),
				UnhealthyThreshold: f64(UnhealthyThreshold),
			},
		}},
	}
	s.setVPC(&tg.Spec.ForProvider.VPCID, &tg.Spec.ForProvider.VPCIDRef)
	return engine.Desired{Key: KeyTargetGroup, AWSName: name, Object: tg}
}

// listener accepts HTTP from the CloudFront VPC origin and forwards every
// request to the target group. There is no HTTPS listener: viewers get
// HTTPS from CloudFront, and CloudFront reaches the internal ALB over the
// VPC origin's private connection. The target group outlives the listener
// without a Usage: ELB refuses to delete a target group a listener forwards
// to, and provider-aws retries.
func listener(s *Spec) engine.Desired {
	name := s.Name("listener-int")
	return engine.Desired{Key: KeyListener, AWSName: name, Object: &elbv2.LBListener{
		Spec: elbv2.LBListenerSpec{ForProvider: elbv2.LBListenerParameters{
			Region:             new(s.Region),
			Tags:               s.Tags(name),
			LoadBalancerArnRef: s.Ref(KeyLoadBalancer),
			Port:               f64(ListenerPort),
			Protocol:           new("HTTP"),
			DefaultAction: []elbv2.DefaultActionParameters{{
				// index is the list-map key the provider's CRD defaults to
				// "default"; the Go field has no omitempty, so leaving it
				// nil would send an explicit null.
				Index:             new("default"),
				Type:              new("forward"),
				TargetGroupArnRef: s.Ref(KeyTargetGroup),
			}},
		}},
	}}
}
