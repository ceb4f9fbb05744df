package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTemplatesMatchTheXRD fails when the committed Backstage templates or
// the manifest skeleton differ from what apis/xrd.yaml generates: a change to
// the Go types must reach the portal's form (go generate -tags generate ./apis).
func TestTemplatesMatchTheXRD(t *testing.T) {
	xrd, err := os.ReadFile("../../xrd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files, err := generate(xrd)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Errorf("generated %d files, want the two templates and the skeleton", len(files))
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("..", "..", "..", "examples", "backstage", name))
		if err != nil {
			t.Fatalf("%v (run go generate -tags generate ./apis)", err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("examples/backstage/%s is stale, run go generate -tags generate ./apis (-generated +committed):\n%s", name, diff)
		}
	}
}

// TestCELRules: the rules JSON Schema can say are translated, immutability is
// dropped (a creation form), listed rules are left to the cluster, and any
// other rule stops the generation.
func TestCELRules(t *testing.T) {
	cases := map[string]struct {
		path    string
		rules   []any
		wantNot any
		wantErr string
		cluster int
	}{
		"prefix": {
			path:    "spec.x",
			rules:   []any{map[string]any{"rule": "!self.startsWith('DB_')", "message": "m"}},
			wantNot: map[string]any{"pattern": "^DB_"},
		},
		"reserved names and prefixes": {
			path:  "spec.x",
			rules: []any{map[string]any{"rule": "!(self in ['a', 'b.c']) && !self.startsWith('p.')", "message": "m"}},
			wantNot: map[string]any{"anyOf": []any{
				map[string]any{"enum": []any{"a", "b.c"}},
				map[string]any{"pattern": `^p\.`},
			}},
		},
		"immutable": {
			path:  "spec.x",
			rules: []any{map[string]any{"rule": "self == oldSelf", "message": "m"}},
		},
		"admission only": {
			path:    "spec",
			rules:   []any{map[string]any{"rule": "self.a <= self.b", "message": admissionOnly()["spec"][0]}},
			cluster: 1,
		},
		"unknown rule": {
			path:    "spec.x",
			rules:   []any{map[string]any{"rule": "size(self) > 2", "message": "m"}},
			wantErr: "cannot translate the CEL rule",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := &converter{}
			out := map[string]any{}
			err := c.translateRules(tc.path, map[string]any{"x-kubernetes-validations": tc.rules}, out)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantNot, out["not"]); diff != "" {
				t.Errorf("not (-want +got):\n%s", diff)
			}
			if len(c.checkedByCluster) != tc.cluster {
				t.Errorf("checked by the cluster: %v, want %d", c.checkedByCluster, tc.cluster)
			}
		})
	}
}

// TestEverySpecFieldIsOnAPage: a spec field that no page places stops the
// generation.
func TestEverySpecFieldIsOnAPage(t *testing.T) {
	form := map[string]any{"properties": map[string]any{"environmentSuffix": map[string]any{}, "newField": map[string]any{}}}
	if _, err := formPages(form, nil); err == nil || !strings.Contains(err.Error(), "spec.") {
		t.Errorf("error %v, want one naming the unplaced field", err)
	}
}
