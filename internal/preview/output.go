package preview

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Style is how the text output looks.
type Style struct {
	// Color uses ANSI colours: only when writing to a terminal.
	Color bool
	// Unchanged lists the unchanged resources too.
	Unchanged bool
	// Details lists the basis and references of each impact.
	Details bool
}

// ANSI colours.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiDim     = "\x1b[2m"
	ansiRed     = "\x1b[31m"
	ansiGreen   = "\x1b[32m"
	ansiYellow  = "\x1b[33m"
	ansiMagenta = "\x1b[35m"
)

// The text output cuts a field value longer than maxValueWidth to its
// first and last keepEachSide characters; the JSON output has it whole.
const (
	maxValueWidth = 96
	keepEachSide  = 46
)

func actionColor() map[Action]string {
	return map[Action]string{
		ActionCreate:    ansiGreen,
		ActionReplace:   ansiMagenta,
		ActionUpdate:    ansiYellow,
		ActionDelete:    ansiRed,
		ActionUnchanged: ansiDim,
	}
}

// WriteJSON writes the report as indented JSON, for CI.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("cannot write the report: %w", err)
	}
	return nil
}

// textWriter writes the text report; the first write error sticks.
type textWriter struct {
	w     io.Writer
	style Style
	err   error
}

func (t *textWriter) printf(format string, a ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, a...)
	}
}

func (t *textWriter) paint(color, s string) string {
	if !t.style.Color || color == "" {
		return s
	}
	return color + s + ansiReset
}

// WriteText writes the report for people.
func WriteText(w io.Writer, r *Report, st Style) error {
	t := &textWriter{w: w, style: st}
	t.headline(r)
	if r.Refused != "" {
		for line := range strings.SplitSeq(r.Refused, "\n") {
			t.printf("  %s\n", t.paint(ansiRed, line))
		}
	} else {
		t.impacts(r)
		t.resources(r)
	}
	if len(r.Warnings) > 0 {
		t.printf("\n%s\n", t.paint(ansiBold, "Warnings from the function"))
		for _, m := range r.Warnings {
			t.printf("  %s\n", m)
		}
	}
	if t.err != nil {
		return fmt.Errorf("cannot write the report: %w", t.err)
	}
	return nil
}

func (t *textWriter) headline(r *Report) {
	name := t.paint(ansiBold, "CatalogApi "+r.XR)
	switch {
	case r.Refused != "":
		t.printf("%s: %s\n", name, t.paint(ansiRed, "REFUSED by the function, nothing would be rendered:"))
	case !r.Changed():
		t.printf("%s: no changes (%d resources unchanged)\n", name, r.Summary.Unchanged)
	default:
		s := r.Summary
		var parts []string
		for _, p := range []struct {
			n int
			a Action
		}{{s.Create, ActionCreate}, {s.Replace, ActionReplace}, {s.Update, ActionUpdate}, {s.Delete, ActionDelete}} {
			if p.n > 0 {
				parts = append(parts, t.paint(actionColor()[p.a], fmt.Sprintf("%d to %s", p.n, p.a)))
			}
		}
		t.printf("%s: %s, %d unchanged\n", name, strings.Join(parts, ", "), s.Unchanged)
	}
}

func (t *textWriter) impacts(r *Report) {
	if len(r.Impacts) == 0 && r.Cost == nil {
		return
	}
	t.printf("\n%s\n", t.paint(ansiBold, "What it means"))
	for _, im := range r.Impacts {
		t.printf("  * %s\n", im.Summary)
		for _, d := range im.Details {
			t.printf("      - %s\n", d)
		}
		if t.style.Details && im.Estimate != nil {
			t.printf("      estimate %d-%d s: %s\n", im.Estimate.MinSeconds, im.Estimate.MaxSeconds, im.Estimate.Basis)
		}
		if t.style.Details {
			for _, ref := range im.References {
				t.printf("      see %s\n", ref)
			}
		}
	}
	t.unchangedCost(r.Cost)
}

// unchangedCost says what the cost is when it does not change or cannot be
// compared; a change is an impact of its own.
func (t *textWriter) unchangedCost(c *Cost) {
	if c == nil {
		return
	}
	switch d, ok := c.Delta(); {
	case !ok:
		t.printf("  * monthly cost: %s\n", costLine(c))
	case d == 0:
		t.printf("  * estimated monthly cost unchanged: %s\n", c.New)
	}
}

// costLine describes a cost that cannot be compared.
func costLine(c *Cost) string {
	switch {
	case c.New == nil:
		return "unknown (" + c.Note + ")"
	case c.Old == nil:
		return c.New.String() + " (no figure for the live stack)"
	}
	return fmt.Sprintf("%s -> %s", c.Old, c.New)
}

func (t *textWriter) resources(r *Report) {
	t.printf("\n%s\n", t.paint(ansiBold, "Resources"))
	var shown []ResourceChange
	var w columns
	for _, c := range r.Resources {
		if c.Action == ActionUnchanged && !t.style.Unchanged {
			continue
		}
		shown = append(shown, c)
		w.fit(c)
	}
	for _, c := range shown {
		t.resource(c, w)
	}
	if !t.style.Unchanged && r.Summary.Unchanged > 0 {
		t.printf("  %s\n", t.paint(ansiDim, fmt.Sprintf("%d unchanged (--show-unchanged lists them)", r.Summary.Unchanged)))
	}
}

// columns are the widths of the resource table's columns.
type columns struct{ action, key, kind int }

func (w *columns) fit(c ResourceChange) {
	w.action = max(w.action, len(c.Action))
	w.key = max(w.key, len(c.Key))
	w.kind = max(w.kind, len(kindOf(c)))
}

func pad(s string, n int) string { return s + strings.Repeat(" ", max(0, n-len(s))) }

func (t *textWriter) resource(c ResourceChange, w columns) {
	note := ""
	switch {
	case c.Replaces != "":
		note = "replaces " + c.Replaces
	case c.Action == ActionDelete:
		note = c.Note
	}
	if c.Pending {
		note = strings.TrimPrefix(note+"; pending without this change too", "; ")
	}
	row := fmt.Sprintf("  %s  %s  %s", t.paint(actionColor()[c.Action], pad(string(c.Action), w.action)), pad(c.Key, w.key), kindOf(c))
	if note != "" {
		row = fmt.Sprintf("  %s  %s  %s  %s", t.paint(actionColor()[c.Action], pad(string(c.Action), w.action)), pad(c.Key, w.key), pad(kindOf(c), w.kind), t.paint(ansiDim, note))
	}
	t.printf("%s\n", row)
	indent := strings.Repeat(" ", len("  ")+w.action+len("    "))
	for _, f := range c.Fields {
		line := fmt.Sprintf("%s: %s -> %s", f.Path, cut(Format(f.Old)), cut(Format(f.New)))
		if f.CreationOnly {
			line += " (creation only: no effect on the existing resource)"
		}
		t.printf("%s%s\n", indent, line)
	}
}

// kindOf is Kind.group-prefix, e.g. Service.ecs.
func kindOf(c ResourceChange) string {
	group, _, _ := strings.Cut(c.APIVersion, "/")
	short, _, _ := strings.Cut(group, ".")
	if short == "" {
		return c.Kind
	}
	return c.Kind + "." + short
}

// cut shortens a long value for the table.
func cut(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) <= maxValueWidth {
		return s
	}
	return s[:keepEachSide] + " .. " + s[len(s)-keepEachSide:]
}
