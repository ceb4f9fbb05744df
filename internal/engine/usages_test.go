package engine

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// edge is a shorthand: by uses of.
func edge(of, by string) UsageEdge { return UsageEdge{Of: of, By: by} }

func TestImpliedEdges(t *testing.T) {
	cases := map[string]struct {
		edges []UsageEdge
		want  []UsageEdge // implied, in key order
	}{
		"Chain": {
			// a outlives b, b outlives c: a outlives c through b.
			edges: []UsageEdge{edge("a", "b"), edge("b", "c"), edge("a", "c")},
			want:  []UsageEdge{edge("a", "c")},
		},
		"LongChain": {
			edges: []UsageEdge{edge("a", "b"), edge("b", "c"), edge("c", "d"), edge("a", "d"), edge("b", "d")},
			want:  []UsageEdge{edge("a", "d"), edge("b", "d")},
		},
		"Diamond": {
			// d uses b and c, both use a: no edge is implied but d -> a.
			edges: []UsageEdge{edge("b", "d"), edge("c", "d"), edge("a", "b"), edge("a", "c"), edge("a", "d")},
			want:  []UsageEdge{edge("a", "d")},
		},
		"Independent": {
			edges: []UsageEdge{edge("a", "b"), edge("c", "d"), edge("a", "d")},
		},
		"Cycle": {
			// Never declared by the stack (it would deadlock a teardown);
			// the reduction must still keep every ordering the edges make.
			edges: []UsageEdge{edge("a", "b"), edge("b", "a"), edge("b", "c"), edge("c", "a")},
			want:  []UsageEdge{edge("b", "a")},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			implied := impliedEdges(tc.edges)
			var got []UsageEdge
			for _, e := range tc.edges {
				if implied[e] {
					got = append(got, e)
				}
			}
			slices.SortFunc(got, func(a, b UsageEdge) int { return strings.Compare(a.Key(), b.Key()) })
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("impliedEdges(): -want, +got:\n%s", diff)
			}
			checkClosure(t, tc.edges, implied)
		})
	}
}

// checkClosure checks that the kept edges order everything the declared
// ones order: each declared edge is a path of kept edges.
func checkClosure(t *testing.T, edges []UsageEdge, implied map[UsageEdge]bool) {
	t.Helper()
	kept := map[string]map[string]bool{}
	for _, e := range edges {
		if implied[e] {
			continue
		}
		if kept[e.By] == nil {
			kept[e.By] = map[string]bool{}
		}
		kept[e.By][e.Of] = true
	}
	for _, e := range edges {
		if !Reaches(kept, e.By, e.Of) {
			t.Errorf("declared edge %s is no longer enforced", e.Key())
		}
	}
}
