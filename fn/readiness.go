package fn

import (
	"fmt"
	"strings"

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
		c.Reason, c.Message = "NotReady", fmt.Sprintf("waiting for %s to become ready", strings.Join(unready, ", "))
	default:
		c.Ready, c.Reason, c.Message = true, "Available", fmt.Sprintf("all %d resources are ready", len(pr.Keys))
	}
	return c
}
