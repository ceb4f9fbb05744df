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
		path  string
		plain bool
		want  *structpb.Value
	}{
		"Leaf":               {path: "status.atProvider.arn", plain: true, want: structpb.NewStringValue("arn:aws:x")},
		"EmptyString":        {path: "status.atProvider.dnsName", plain: true, want: structpb.NewStringValue("")},
		"TopLevel":           {path: "flat", plain: true, want: structpb.NewStringValue("x")},
		"Object":             {path: "status.conditions", plain: true, want: s.GetFields()["status"].GetStructValue().GetFields()["conditions"]},
		"Missing":            {path: "status.atProvider.id", plain: true},
		"MissingParent":      {path: "spec.forProvider.region", plain: true},
		"ThroughAString":     {path: "flat.more", plain: true},
		"ThroughAList":       {path: "status.conditions.type", plain: true},
		"Index":              {path: "status.conditions[0].type", plain: true, want: structpb.NewStringValue("Ready")},
		"IndexLast":          {path: "status.atProvider.ports[0]", plain: true, want: structpb.NewNumberValue(3000)},
		"IndexOutOfRange":    {path: "status.atProvider.ports[1]", plain: true},
		"IndexOfAnObject":    {path: "status.atProvider[0]", plain: true},
		"TwoIndices":         {path: "status.conditions[0][0]", plain: true},
		"NegativeIndex":      {path: "status.conditions[-1]"},
		"EmptyIndex":         {path: "status.conditions[]"},
		"IndexFirst":         {path: "[0].status"},
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
			if got := isPlain(tc.path); got != tc.plain {
				t.Errorf("isPlain(%q): got %t, want %t", tc.path, got, tc.plain)
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
