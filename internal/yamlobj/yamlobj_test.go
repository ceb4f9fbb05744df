package yamlobj

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecode(t *testing.T) {
	cases := map[string]struct {
		in      string
		want    []string // the names of the objects read, in order
		wantErr string
	}{
		"Documents": {
			in:   "kind: A\nmetadata: {name: a}\n---\n---\nkind: B\nmetadata: {name: b}\n",
			want: []string{"a", "b"},
		},
		"ListIsItsItems": {
			// What kubectl get -o yaml prints.
			in:   "apiVersion: v1\nkind: List\nitems:\n- {kind: A, metadata: {name: a}}\n- {kind: B, metadata: {name: b}}\n---\nkind: C\nmetadata: {name: c}\n",
			want: []string{"a", "b", "c"},
		},
		"EmptyList": {
			in: "apiVersion: v1\nkind: List\nitems: []\n",
		},
		"ListItemNotAnObject": {
			in:      "apiVersion: v1\nkind: List\nitems: [just-a-string]\n",
			wantErr: "items of the list in YAML document 1",
		},
		"NotYAML": {
			in:      "kind: [unclosed\n",
			wantErr: "YAML document 1",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			objs, err := Decode(strings.NewReader(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Decode() error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range objs {
				got = append(got, o.GetName())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("names: -want, +got:\n%s", diff)
			}
		})
	}
}
