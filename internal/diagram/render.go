package diagram

import (
	"fmt"
	"regexp"
	"strings"
)

// Colours of the readiness states (fill, border), shared by both formats.
func readinessStyle() map[Readiness][2]string {
	return map[Readiness][2]string{
		Ready:    {"#d8f3dc", "#2d6a4f"},
		NotReady: {"#ffe5e5", "#c1121f"},
		Creating: {"#fff3bf", "#b08900"},
		Unknown:  {"#ffffff", "#495057"},
	}
}

// readinessOrder lists the states in a stable order for output.
func readinessOrder() []Readiness {
	return []Readiness{Ready, NotReady, Creating, Unknown}
}

var nonID = regexp.MustCompile(`[^A-Za-z0-9_]`)

// id is a node or subgraph identifier both formats accept.
func id(s string) string { return "n_" + nonID.ReplaceAllString(s, "_") }

// partTitle is a part's label: its name and condition.
func partTitle(p Part) string {
	name := p.Name
	if name == "" {
		name = "Other"
	}
	if p.Status != "" {
		name += " · " + p.Status
	}
	return name
}

// kindLabel is the resource's kind with the short group (ec2, rds, ...).
func kindLabel(r Resource) string {
	short, _, _ := strings.Cut(r.Group, ".")
	if short == "" {
		return r.Kind
	}
	return r.Kind + " (" + short + ")"
}

func className(r Readiness) string {
	if r == Unknown {
		return "unknown"
	}
	return strings.ToLower(string(r))
}

// Mermaid writes the graph as a Mermaid flowchart.
func (g *Graph) Mermaid() string {
	var b strings.Builder
	if g.XR != "" {
		fmt.Fprintf(&b, "---\ntitle: %s\n---\n", g.XR)
	}
	b.WriteString("flowchart LR\n")
	for _, p := range g.Parts {
		fmt.Fprintf(&b, "  subgraph %s[\"%s\"]\n", id("part "+p.Name), partTitle(p))
		for _, r := range p.Resources {
			fmt.Fprintf(&b, "    %s[\"%s<br/>%s\"]:::%s\n", id(r.Key), r.Key, kindLabel(r), className(r.Readiness))
		}
		b.WriteString("  end\n")
	}
	for _, e := range g.Edges {
		arrow := "-->"
		if e.Kind == DeletionOrder {
			arrow = "-.->"
		}
		fmt.Fprintf(&b, "  %s %s|%s| %s\n", id(e.From), arrow, e.Label, id(e.To))
	}
	for _, r := range readinessOrder() {
		s := readinessStyle()[r]
		fmt.Fprintf(&b, "  classDef %s fill:%s,stroke:%s\n", className(r), s[0], s[1])
	}
	return b.String()
}

// DOT writes the graph in Graphviz's DOT language.
func (g *Graph) DOT() string {
	var b strings.Builder
	b.WriteString("digraph stack {\n")
	fmt.Fprintf(&b, "  label=%q; labelloc=t; fontname=\"Helvetica\"; fontsize=14;\n", g.XR)
	b.WriteString("  rankdir=LR; newrank=true; nodesep=0.15; ranksep=0.9;\n")
	b.WriteString("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=8, color=\"#495057\", fontcolor=\"#495057\"];\n")
	for _, p := range g.Parts {
		// Graphviz draws a subgraph as a box only if its name starts with "cluster".
		fmt.Fprintf(&b, "  subgraph cluster_%s {\n    label=%q; style=\"rounded\"; color=\"#adb5bd\";\n", nonID.ReplaceAllString(p.Name, "_"), partTitle(p))
		for _, r := range p.Resources {
			s := readinessStyle()[r.Readiness]
			fmt.Fprintf(&b, "    %s [label=\"%s\\n%s\", fillcolor=%q, color=%q];\n", id(r.Key), r.Key, kindLabel(r), s[0], s[1])
		}
		b.WriteString("  }\n")
	}
	for _, e := range g.Edges {
		style := ""
		if e.Kind == DeletionOrder {
			style = ", style=dashed, color=\"#c1121f\", fontcolor=\"#c1121f\""
		}
		fmt.Fprintf(&b, "  %s -> %s [label=%q%s];\n", id(e.From), id(e.To), e.Label, style)
	}
	b.WriteString("}\n")
	return b.String()
}
