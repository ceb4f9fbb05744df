package fn

import (
	"fmt"
	"strings"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
)

// ReadyCheck decides from what is observed whether the composed resource
// with this key is ready.
type ReadyCheck func(o Observed, key string) bool

// readyWhenProviderReady is the default: the provider's Ready condition.
func readyWhenProviderReady(o Observed, key string) bool { return o.Ready(key) }

// readiness returns the readiness of a desired resource: never True before
// the resource exists, and then as its ReadyCheck says.
func readiness(d Desired, o Observed) resource.Ready {
	check := d.Ready
	if check == nil {
		check = readyWhenProviderReady
	}
	if o.Exists(d.Key) && check(o, d.Key) {
		return resource.ReadyTrue
	}
	return resource.ReadyFalse
}

// PartCondition is the XR condition of one part of the stack.
type PartCondition struct {
	Type    string
	Ready   bool
	Reason  string
	Message string
}

// partCondition derives a part's condition: waiting for inputs, creating
// resources, waiting for readiness, or available.
func partCondition(pr PartResult, ready map[string]bool, o Observed) PartCondition {
	c := PartCondition{Type: pr.Name + "Ready"}
	var missing, unready []string
	for _, k := range pr.Keys {
		switch {
		case !o.Exists(k):
			missing = append(missing, k)
		case !ready[k]:
			unready = append(unready, k)
		}
	}
	switch {
	case len(pr.Waiting) > 0:
		c.Reason, c.Message = "Waiting", strings.Join(pr.Waiting, "; ")
	case len(missing) > 0:
		c.Reason, c.Message = "Creating", fmt.Sprintf("creating %s", strings.Join(missing, ", "))
	case len(unready) > 0:
		msgs := make([]string, len(unready))
		for i, k := range unready {
			msgs[i] = notReadyMessage(o, k)
		}
		c.Reason, c.Message = "NotReady", strings.Join(msgs, "; ")
	default:
		c.Ready, c.Reason, c.Message = true, "Available", fmt.Sprintf("ready: %d of %d resources", len(pr.Keys), len(pr.Keys))
	}
	return c
}

// slowResources explain what takes AWS long, so that a person reading the
// condition knows whether to wait or to look.
var slowResources = map[string]string{
	KeyDBCluster:     "creating an Aurora cluster usually takes 5 to 10 minutes",
	KeyDBWriter:      "creating an Aurora instance usually takes 10 to 20 minutes",
	KeyDBReader:      "creating an Aurora instance usually takes 10 to 20 minutes",
	KeyNATGateway(0): "a NAT gateway usually becomes available within 2 to 5 minutes",
	KeyNATGateway(1): "a NAT gateway usually becomes available within 2 to 5 minutes",
	KeyLoadBalancer:  "a load balancer usually becomes active within 3 minutes",
	KeyService:       "the ECS service is not steady yet: check its events and the tasks' logs",
}

// notReadyMessage says why one resource is not ready: the provider's own
// reason and message, the CloudFront deployment status, and what to expect.
func notReadyMessage(o Observed, key string) string {
	if key == KeyDistribution && o.Ready(key) {
		return fmt.Sprintf("the CloudFront distribution is still deploying (status %s); this usually takes 5 to 15 minutes",
			orDefault(o.String(key, "status.atProvider.status"), "unknown"))
	}
	msg := "waiting for " + key + " to become ready"
	if c := o.condition(key, xpv1.TypeReady); c.Reason != "" {
		msg += fmt.Sprintf(" (%s", c.Reason)
		if c.Message != "" {
			msg += ": " + c.Message
		}
		msg += ")"
	}
	if hint, ok := slowResources[key]; ok {
		msg += "; " + hint
	}
	return msg
}
