package fn

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/platform/function-catalog-api/internal/pbarena"
)

// TestParseJSON holds the JSON reader to what it replaces: encoding/json
// into map[string]any, then structpb.NewValue.
func TestParseJSON(t *testing.T) {
	docs := map[string]string{
		"Object":          `{"apiVersion":"ec2.aws.m.upbound.io/v1beta1","spec":{"forProvider":{"cidrBlock":"10.0.0.0/16"}}}`,
		"Empty":           `{"a":{},"b":[],"c":""}`,
		"Numbers":         `{"n":[0,-1,3000,1.5,-2.25e-3,1E6,9007199254740993]}`,
		"Literals":        `{"t":true,"f":false,"n":null,"l":[true,null,false]}`,
		"Nested":          `{"a":[{"b":[[1,{"c":"d"}]]}]}`,
		"Whitespace":      " { \"a\" :\t[ 1 , 2 ]\n,\r\"b\" : { } } ",
		"DuplicateName":   `{"a":1,"a":2}`,
		"SimpleEscapes":   `{"policy":"{\"Version\":\"2012-10-17\"}","s":"a\\b\/c\n\t\r\b\f"}`,
		"UnicodeEscapes":  `{"s":"caf\u00e9 \u0001 \u2028 \ud83d\ude00","\u006bey":"v"}`,
		"RawUTF8":         `{"s":"Grüße ✓"}`,
		"EscapeAtTheEnd":  `{"s":"ends with a quote\""}`,
		"EscapedKeyAlone": `{"\"":"quote"}`,
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			var m any
			if err := json.Unmarshal([]byte(doc), &m); err != nil {
				t.Fatal(err)
			}
			want, err := structpb.NewValue(m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseJSON([]byte(doc), &pbarena.Arena{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
				t.Errorf("parseJSON(%s): -encoding/json, +got:\n%s", doc, diff)
			}
		})
	}
}

// TestParseJSONRefuses: a document the encoder could not have written is
// an error, never a partial value.
func TestParseJSONRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"Unterminated":       `{"s":"abc`,
		"UnterminatedEscape": `{"s":"abc\`,
		"InvalidEscape":      `{"s":"\x"}`,
		"ShortUnicode":       `{"s":"\u12"}`,
		"MissingColon":       `{"a" 1}`,
		"TrailingData":       `{} {}`,
		"InvalidLiteral":     `{"a":nul}`,
		"InvalidNumber":      `{"a":1-2}`,
	} {
		t.Run(name, func(t *testing.T) {
			if v, err := parseJSON([]byte(doc), &pbarena.Arena{}); err == nil {
				t.Errorf("parseJSON(%s) = %v, want an error", doc, v)
			}
		})
	}
}
