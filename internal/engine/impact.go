package engine

import "fmt"

// ChangeImpact is what a change of a resource means for the running stack,
// declared by the part that renders the resource (Desired.OnChange). A tool
// that compares a render with what exists (catalogapi preview) reports it
// when the resource is updated and one of Fields changes, or, with
// OnReplace, when the resource replaces another.
//
// Summary, Details and ImpactField.Says are templates: {old} and {new} are
// a changed field's old and new value, {path} its path, {name} the
// resource's object name, {replaces} the key of the resource it replaces,
// and {changes} (Summary only) every changed field of the impact as its
// Says reads, joined with ", ".
type ChangeImpact struct {
	// Kind names the impact. The impacts of one kind that several
	// resources declare are reported as one: the first triggered one's
	// summary and estimate, everyone's details and references.
	Kind string
	// Fields are the fields whose change triggers the impact: a change at
	// or below the path, or of its reference field (<path>Ref).
	Fields []ImpactField
	// OnReplace triggers the impact when the resource replaces another
	// (a new key that takes over from an existing resource).
	OnReplace bool
	// Replaces, if set, triggers the impact when the resource is created
	// while the observed resource with this key is deleted: a resource
	// under a new key that takes over from one the render retires.
	Replaces string
	// Joins only adds the details to an impact of the same kind that
	// another declaration triggers: it never makes one on its own.
	Joins bool
	// Summary is one line for a person. Without {changes}, the changed
	// fields lead the details instead.
	Summary string
	// Details say what happens, in order.
	Details []string
	// Estimate is how long it usually takes, if it takes time.
	Estimate *Duration
	// References are the documents the impact rests on.
	References []string
}

// ImpactField is a field whose change triggers an impact.
type ImpactField struct {
	// Path is the field path, as in a Composition: spec.forProvider.x.
	Path string
	// Says how one change of the field reads; empty means
	// "{path}: {old} -> {new}".
	Says string
}

// Duration is how long something usually takes, and how that was worked
// out.
type Duration struct {
	MinSeconds, MaxSeconds int
	Basis                  string
}

// Span formats the duration as "2-5 min", or "90-110 s" under two minutes.
func (d Duration) Span() string {
	const minute = 60
	if d.MaxSeconds >= 2*minute {
		return fmt.Sprintf("%d-%d min", d.MinSeconds/minute, (d.MaxSeconds+minute-1)/minute)
	}
	return fmt.Sprintf("%d-%d s", d.MinSeconds, d.MaxSeconds)
}
