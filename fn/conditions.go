package fn

import (
	"fmt"
	"strings"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
)

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
	var missing []string
	var unready []Desired
	for _, d := range pr.Resources {
		switch {
		case !o.Exists(d.Key):
			missing = append(missing, d.Key)
		case !ready[d.Key]:
			unready = append(unready, d)
		}
	}
	switch {
	case len(pr.Waiting) > 0:
		c.Reason, c.Message = "Waiting", strings.Join(pr.Waiting, "; ")
	case len(missing) > 0:
		c.Reason, c.Message = "Creating", fmt.Sprintf("creating %s", strings.Join(missing, ", "))
	case len(unready) > 0:
		msgs := make([]string, len(unready))
		for i, d := range unready {
			msgs[i] = notReadyMessage(o, d)
		}
		c.Reason, c.Message = "NotReady", strings.Join(msgs, "; ")
	default:
		c.Ready, c.Reason, c.Message = true, "Available", fmt.Sprintf("ready: %d of %d resources", len(pr.Resources), len(pr.Resources))
	}
	return c
}

// notReadyMessage says why one resource is not ready: the provider's own
// reason and message, and what the part declared a person should expect.
func notReadyMessage(o Observed, d Desired) string {
	if d.NotReady != nil && o.Ready(d.Key) {
		return d.NotReady(o, d.Key)
	}
	msg := "waiting for " + d.Key + " to become ready"
	if c := o.condition(d.Key, xpv1.TypeReady); c.Reason != "" {
		msg += fmt.Sprintf(" (%s", c.Reason)
		if c.Message != "" {
			msg += ": " + c.Message
		}
		msg += ")"
	}
	if d.Hint != "" {
		msg += "; " + d.Hint
	}
	return msg
}
