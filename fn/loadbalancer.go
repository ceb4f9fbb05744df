package fn

import (
	"strconv"

	elbv2 "github.com/upbound/provider-aws/v2/apis/namespaced/elbv2/v1beta1"

	"github.com/platform/function-catalog-api/internal/engine"
)

// Keys of the load balancer part: composition resource names, stable once released
// (a new key makes Crossplane delete the resource and create a new one).
const (
	KeyLoadBalancer = "load-balancer"
	KeyTargetGroup  = "target-group"
	KeyListener     = "listener"
	KeyListenerRule = "listener-rule-origin-verify"
)

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
	// ALBPublicIPv4 is the number of public IPv4 addresses of the
	// internet-facing ALB: one per subnet, in two AZs.
	ALBPublicIPv4 = 2
)

// loadBalancerCost prices the ALB, its baseline capacity units and its
// public addresses; the target group and listeners cost nothing of their
// own.
func loadBalancerCost(*Spec) []engine.CostLine {
	return []engine.CostLine{
		{Item: "Application Load Balancer", Unit: "ALB-hour", Quantity: count(1), Price: PriceALBHour, Hourly: true},
		{Item: "ALB capacity units (baseline)", Unit: "LCU-hour", Quantity: count(ALBLCUBaseline), Price: PriceALBLCUHour, Hourly: true},
		publicIPv4Cost(ALBPublicIPv4),
	}
}

// buildLoadBalancer renders the internet-facing ALB in both public subnets,
// the IP target group the ECS service registers into (health check on
// spec.service.healthCheckPath) and the HTTP listener that forwards to it.
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
	b.Add(loadBalancer(s, logs), targetGroup(s, o), listener(s), listenerRule(s))
	return b
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

func loadBalancer(s *Spec, logs bool) engine.Desired {
	name := s.Name("alb")
	p := elbv2.LBParameters{
		Region:                   new(s.Region),
		Tags:                     s.Tags(name),
		Name:                     new(name),
		LoadBalancerType:         new("application"),
		Internal:                 new(false),
		IPAddressType:            new("ipv4"),
		SecurityGroupRefs:        s.Refs(KeySGLoadBalancer),
		EnableDeletionProtection: new(false),
		// Reject requests with header names that are not valid HTTP
		// (request smuggling hardening).
		DropInvalidHeaderFields: new(true),
	}
	s.setSubnets(true, &p.Subnets, &p.SubnetRefs)
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
		Object:    &elbv2.LB{Spec: elbv2.LBSpec{ForProvider: p}},
	}
}

// The ALB Uses the access-log bucket: S3 would delete the bucket (force
// destroy empties it) while the ALB still writes, losing the last logs and
// freeing the bucket's name to anyone. What else it holds AWS guards
// itself: EC2 refuses to delete its subnets and security group while its
// network interfaces are in them, and to detach the internet gateway while
// its public addresses are mapped (DependencyViolation); provider-aws
// retries.

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

// listener accepts HTTP from CloudFront and answers 403 to any request
// without the origin-verify header; listenerRule forwards the others to the
// target group. There is no HTTPS listener: viewers get HTTPS from
// CloudFront, and the security group admits only CloudFront's origin-facing
// servers.
func listener(s *Spec) engine.Desired {
	name := s.Name("listener-http")
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
				Index: new("default"),
				Type:  new("fixed-response"),
				FixedResponse: &elbv2.FixedResponseParameters{
					ContentType: new("text/plain"),
					MessageBody: new("Forbidden"),
					StatusCode:  new("403"),
				},
			}},
		}},
	}}
}

// listenerRule forwards requests that carry this stack's origin-verify
// header, that is requests from its CloudFront distribution. Its listener
// and its target group outlive it without a Usage: ELB deletes a listener's
// rules with it, and refuses to delete a target group a rule forwards to.
func listenerRule(s *Spec) engine.Desired {
	name := s.Name("rule-origin-verify")
	return engine.Desired{
		Key: KeyListenerRule, AWSName: name,
		Object: &elbv2.LBListenerRule{Spec: elbv2.LBListenerRuleSpec{ForProvider: elbv2.LBListenerRuleParameters{
			Region:         new(s.Region),
			Tags:           s.Tags(name),
			ListenerArnRef: s.Ref(KeyListener),
			Priority:       f64(1),
			Condition: []elbv2.ConditionParameters{{
				HTTPHeader: &elbv2.HTTPHeaderParameters{
					HTTPHeaderName: new(OriginVerifyHeader),
					Values:         []*string{new(s.OriginVerifyValue)},
				},
			}},
			Action: []elbv2.ActionParameters{{
				Type:              new("forward"),
				TargetGroupArnRef: s.Ref(KeyTargetGroup),
			}},
		}}},
	}
}
