package engine

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"
)

// readyWhenProviderReady is the default: the provider's Ready condition.
func readyWhenProviderReady(o Observed, key string) bool { return o.Ready(key) }

// ReadyIn returns the readiness of a desired resource: never True before
// the resource exists, and then as its Readiness.Check says.
func (d Desired) ReadyIn(o Observed) resource.Ready {
	check := d.Readiness.Check
	if check == nil {
		check = readyWhenProviderReady
	}
	if o.Exists(d.Key) && check(o, d.Key) {
		return resource.ReadyTrue
	}
	return resource.ReadyFalse
}

// PartConditions are the XR conditions of the plan's parts, in order. ready
// says which rendered resources are ready.
func PartConditions(plan *Plan, ready map[string]bool, o Observed) []PartCondition {
	out := make([]PartCondition, len(plan.Parts))
	for i, pr := range plan.Parts {
		out[i] = partCondition(pr, ready, o)
	}
	return out
}

// PartCondition is the XR condition of one part of the stack.
type PartCondition struct {
	Type string
	// Ready is the condition's status: True only when every resource of
	// the part is rendered, Ready and Synced.
	Ready   bool
	Reason  string
	Message string
	// Serving says every resource of the part is rendered and Ready, even
	// if one reports an error (a failed update leaves the last applied
	// configuration serving). The XR's readiness follows Serving only.
	Serving bool
	// Problems are the part's resources that report an error, one message
	// each, for Warning results.
	Problems []string
}

// Reasons of a part condition for resources that report an error.
const (
	ReasonReconcileError = "ReconcileError"
	ReasonUnhealthy      = "Unhealthy"
)

// partCondition derives a part's condition: a resource that reports an
// error, waiting for inputs, creating resources, waiting for readiness, or
// available.
func partCondition(pr PartResult, ready map[string]bool, o Observed) PartCondition {
	c := PartCondition{Type: pr.Name + "Ready"}
	st := inspect(pr, ready, o)
	missing, unready := st.missing, st.unready
	c.Serving = len(pr.Waiting) == 0 && len(missing) == 0 && len(unready) == 0
	c.Problems = slices.Concat(st.unsynced, st.unhealthy)
	switch {
	case len(st.unsynced) > 0:
		c.Reason, c.Message = ReasonReconcileError, strings.Join(c.Problems, "; ")
	case len(st.unhealthy) > 0:
		c.Reason, c.Message = ReasonUnhealthy, strings.Join(c.Problems, "; ")
	case len(pr.Waiting) > 0:
		c.Reason, c.Message = "Waiting", strings.Join(pr.Waiting, "; ")
	case len(missing) > 0:
		c.Reason, c.Message = "Creating", "creating "+strings.Join(missing, ", ")
	case len(unready) > 0:
		msgs := make([]string, len(unready))
		for i, d := range unready {
			msgs[i] = notReadyMessage(o, d)
		}
		c.Reason, c.Message = "NotReady", strings.Join(msgs, "; ")
	default:
		c.Ready, c.Reason, c.Message = true, "Available", fmt.Sprintf("ready: %d of %d resources", len(pr.Resources), len(pr.Resources))
		c.Message += readyNotes(pr.Resources, o)
	}
	return c
}

// readyNotes are the notes the part's resources declare for an Available
// condition, each after "; ".
func readyNotes(resources []Desired, o Observed) string {
	var notes strings.Builder
	for _, d := range resources {
		if d.Readiness.ServingNote == nil {
			continue
		}
		if n := d.Readiness.ServingNote(o, d.Key); n != "" {
			notes.WriteString("; " + n)
		}
	}
	return notes.String()
}

// notReadyMessage says why one resource is not ready: the provider's own
// reason and message, and what the part declared a person should expect.
func notReadyMessage(o Observed, d Desired) string {
	if d.Readiness.PendingMessage != nil && o.Ready(d.Key) {
		return d.Readiness.PendingMessage(o, d.Key)
	}
	msg := "waiting for " + d.Key + " to become ready"
	if c := o.Condition(d.Key, xpv1.TypeReady); c.Reason != "" {
		msg += fmt.Sprintf(" (%s", c.Reason)
		if c.Message != "" {
			msg += ": " + c.Message
		}
		msg += ")"
	}
	if d.Readiness.Hint != "" {
		msg += "; " + d.Readiness.Hint
	}
	return msg
}

// partState sorts a part's resources: not yet observed, not ready, and the
// messages of those that report an error.
type partState struct {
	missing             []string
	unready             []Desired
	unsynced, unhealthy []string
}

func inspect(pr PartResult, ready map[string]bool, o Observed) partState {
	var st partState
	for _, d := range pr.Resources {
		if !o.Exists(d.Key) {
			st.missing = append(st.missing, d.Key)
			continue
		}
		if !ready[d.Key] {
			st.unready = append(st.unready, d)
		}
		if msg, ok := syncError(o, d.Key); ok {
			st.unsynced = append(st.unsynced, msg)
		} else if msg, ok := unhealthyError(o, d.Key); ok {
			st.unhealthy = append(st.unhealthy, msg)
		}
	}
	return st
}

// syncError quotes a resource's Synced=False condition: the provider could
// not apply it (an AWS call failed, a reference is missing, ...).
func syncError(o Observed, key string) (string, bool) {
	c := o.Condition(key, xpv1.TypeSynced)
	if c.Status != corev1.ConditionFalse {
		return "", false
	}
	return describeCondition(o, key, c), true
}

// unhealthyError quotes a resource's Ready=False condition for any reason
// but Creating: the resource exists and the provider says it does not
// serve.
func unhealthyError(o Observed, key string) (string, bool) {
	c := o.Condition(key, xpv1.TypeReady)
	if c.Status != corev1.ConditionFalse || c.Reason == "" || c.Reason == xpv1.ReasonCreating {
		return "", false
	}
	return describeCondition(o, key, c), true
}

// describeCondition names a resource (key, kind and name) and quotes one of
// its conditions: "key (Kind name): Type=Status Reason: message".
func describeCondition(o Observed, key string, c xpv1.Condition) string {
	msg := fmt.Sprintf("%s (%s %s): %s=%s %s", key, o.GetString(key, "kind"), o.GetString(key, "metadata.name"), c.Type, c.Status, c.Reason)
	if c.Message != "" {
		msg += ": " + c.Message
	}
	return msg
}
