package fn

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
)

// TestStructValue checks that a dotted path, walked without the parser,
// finds what fieldpath's parser finds, and that other paths still work.
func TestStructValue(t *testing.T) {
	s, err := structpb.NewStruct(map[string]any{
		"status": map[string]any{
			"atProvider": map[string]any{"arn": "arn:aws:x", "dnsName": "", "ports": []any{float64(3000)}},
			"conditions": []any{map[string]any{"type": "Ready", "status": "True"}},
		},
		"metadata": map[string]any{"labels": map[string]any{"a.b/c": "v"}},
		"flat":     "x",
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		path   string
		dotted bool
		want   *structpb.Value
	}{
		"Leaf":               {path: "status.atProvider.arn", dotted: true, want: structpb.NewStringValue("arn:aws:x")},
		"EmptyString":        {path: "status.atProvider.dnsName", dotted: true, want: structpb.NewStringValue("")},
		"TopLevel":           {path: "flat", dotted: true, want: structpb.NewStringValue("x")},
		"Object":             {path: "status.conditions", dotted: true, want: s.GetFields()["status"].GetStructValue().GetFields()["conditions"]},
		"Missing":            {path: "status.atProvider.id", dotted: true},
		"MissingParent":      {path: "spec.forProvider.region", dotted: true},
		"ThroughAString":     {path: "flat.more", dotted: true},
		"ThroughAList":       {path: "status.conditions.type", dotted: true},
		"Index":              {path: "status.conditions[0].type", want: structpb.NewStringValue("Ready")},
		"IndexOutOfRange":    {path: "status.atProvider.ports[1]"},
		"QuotedName":         {path: `metadata.labels["a.b/c"]`, want: structpb.NewStringValue("v")},
		"Empty":              {path: ""},
		"LeadingDot":         {path: ".status"},
		"DoubleDot":          {path: "status..atProvider"},
		"TrailingDot":        {path: "status."},
		"UnterminatedIndex":  {path: "status.conditions[0"},
		"UnterminatedQuoted": {path: `metadata.labels["a`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := isDotted(tc.path); got != tc.dotted {
				t.Errorf("isDotted(%q): got %t, want %t", tc.path, got, tc.dotted)
			}
			got := structValue(s, tc.path)
			if diff := cmp.Diff(tc.want, got, protocmp.Transform()); diff != "" {
				t.Errorf("structValue(%q): -want, +got:\n%s", tc.path, diff)
			}
			if diff := cmp.Diff(parsedValue(s, tc.path), got, protocmp.Transform()); diff != "" {
				t.Errorf("structValue(%q) differs from fieldpath's walk: -parsed, +got:\n%s", tc.path, diff)
			}
		})
	}
}
