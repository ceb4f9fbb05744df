package fn

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource/composed"

	"github.com/platform/function-catalog-api/internal/pbarena"
)

// How a typed resource becomes the response's protobuf Struct. The SDK's
// way (composed.From, then response.SetDesiredComposedResources) marshals the
// object to JSON, unmarshals the JSON into maps, and converts the maps into
// structpb values: three copies of every resource, two of them maps, which
// were a quarter of a render's CPU and memory. Here the object is marshalled
// with the same JSON encoder as composed.From (so every omitempty and
// every custom marshaller behaves exactly as before) and the JSON is read
// straight into structpb values.

// jsonBuffers are the JSON documents of resources being converted; a
// resource's JSON is a few KiB.
var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledJSON keeps an unusually large document's buffer out of the pool.
const maxPooledJSON = 1 << 20

// typedToStruct converts a typed resource of composed.Scheme to a Struct,
// as composed.From and resource.AsStruct together would.
func typedToStruct(o runtime.Object, a *pbarena.Arena) (*structpb.Struct, error) {
	gvks, _, err := composed.Scheme.ObjectKinds(o)
	if err != nil {
		return nil, errors.Wrap(err, "did you add it to composed.Scheme?")
	}
	for _, gvk := range gvks {
		o.GetObjectKind().SetGroupVersionKind(gvk)
	}
	s, err := marshalToStruct(o, a)
	if err != nil {
		return nil, err
	}
	cleanupMetadata(s)
	return s, nil
}

// marshalToStruct marshals v to JSON with composed.From's encoder and reads
// the document into a Struct.
func marshalToStruct(v any, a *pbarena.Arena) (*structpb.Struct, error) {
	buf, _ := jsonBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledJSON {
			jsonBuffers.Put(buf)
		}
	}()
	if err := json.MarshalWrite(buf, v); err != nil {
		return nil, errors.Wrapf(err, "cannot marshal %T to JSON", v)
	}
	val, err := parseJSON(buf.Bytes(), a)
	if err != nil {
		return nil, errors.Wrapf(err, "cannot read the JSON of %T", v)
	}
	s := val.GetStructValue()
	if s == nil {
		return nil, errors.Errorf("%T is not a JSON object", v)
	}
	return s, nil
}

// cleanupMetadata does what composed.From does after its round trip: drop
// the zero generation go-json-experiment keeps, and an empty metadata.
func cleanupMetadata(s *structpb.Struct) {
	meta := s.GetFields()["metadata"].GetStructValue()
	if meta == nil {
		return
	}
	delete(meta.GetFields(), "generation")
	if len(meta.GetFields()) == 0 {
		delete(s.GetFields(), "metadata")
	}
}

// parseJSON reads one JSON document into a structpb value. Numbers become
// float64, as in every map-based conversion, so the result is the same as
// unmarshalling into map[string]any and calling structpb.NewValue.
//
// The strings of the result share one copy of the document: a string
// without escapes is a slice of it, not an allocation of its own (they were
// a sixth of a render's allocations). The copy lives as long as any of them.
func parseJSON(b []byte, a *pbarena.Arena) (*structpb.Value, error) {
	p := jsonParser{src: string(b), a: a}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.src) {
		return nil, p.errorf("trailing data")
	}
	return v, nil
}

// jsonParser reads JSON written by a JSON encoder: valid by construction,
// so its errors only guard against a broken invariant.
type jsonParser struct {
	src string // the document; the strings of the result are slices of it
	i   int
	a   *pbarena.Arena
	// fields holds the fields of the objects being read, innermost last,
	// until an object is complete and gets a map of its exact size.
	fields []field
}

// field is one member of an object being read.
type field struct {
	name  string
	value *structpb.Value
}

func (p *jsonParser) errorf(format string, a ...any) error {
	return fmt.Errorf("offset %d: %s", p.i, fmt.Sprintf(format, a...))
}

func (p *jsonParser) space() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value() (*structpb.Value, error) {
	p.space()
	if p.i >= len(p.src) {
		return nil, p.errorf("unexpected end")
	}
	switch c := p.src[p.i]; c {
	case '{':
		return p.object()
	case '[':
		return p.array()
	case '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return p.a.String(s), nil
	case 't':
		return p.a.Bool(true), p.literal("true")
	case 'f':
		return p.a.Bool(false), p.literal("false")
	case 'n':
		return p.a.Null(), p.literal("null")
	default:
		return p.number()
	}
}

// literal reads the literal lit (true, false or null).
func (p *jsonParser) literal(lit string) error {
	if !strings.HasPrefix(p.src[p.i:], lit) {
		return p.errorf("invalid literal")
	}
	p.i += len(lit)
	return nil
}

func (p *jsonParser) number() (*structpb.Value, error) {
	start := p.i
	for p.i < len(p.src) {
		c := p.src[p.i]
		if (c < '0' || c > '9') && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E' {
			break
		}
		p.i++
	}
	f, err := strconv.ParseFloat(p.src[start:p.i], 64)
	if err != nil {
		return nil, p.errorf("invalid number: %v", err)
	}
	return p.a.Number(f), nil
}

func (p *jsonParser) object() (*structpb.Value, error) {
	p.i++ // {
	first := len(p.fields)
	p.space()
	if p.i < len(p.src) && p.src[p.i] == '}' {
		p.i++
		return p.a.Struct(map[string]*structpb.Value{}), nil
	}
	for {
		if err := p.field(); err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.src) {
			return nil, p.errorf("unexpected end of object")
		}
		p.i++
		switch p.src[p.i-1] {
		case ',':
		case '}':
			return p.a.Struct(p.popFields(first)), nil
		default:
			return nil, p.errorf("expected ',' or '}'")
		}
	}
}

// popFields returns the fields read since first as a map of their size.
// A later duplicate name wins, as in encoding/json.
func (p *jsonParser) popFields(first int) map[string]*structpb.Value {
	m := make(map[string]*structpb.Value, len(p.fields)-first)
	for _, f := range p.fields[first:] {
		m[f.name] = f.value
	}
	clear(p.fields[first:]) // Let go of the values.
	p.fields = p.fields[:first]
	return m
}

// field reads one "name": value of an object onto p.fields.
func (p *jsonParser) field() error {
	p.space()
	if p.i >= len(p.src) || p.src[p.i] != '"' {
		return p.errorf("expected a field name")
	}
	k, err := p.str()
	if err != nil {
		return err
	}
	p.space()
	if p.i >= len(p.src) || p.src[p.i] != ':' {
		return p.errorf("expected ':'")
	}
	p.i++
	v, err := p.value()
	if err != nil {
		return err
	}
	p.fields = append(p.fields, field{name: k, value: v})
	return nil
}

func (p *jsonParser) array() (*structpb.Value, error) {
	p.i++ // [
	var values []*structpb.Value
	p.space()
	if p.i < len(p.src) && p.src[p.i] == ']' {
		p.i++
		return p.a.List(values), nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		values = append(values, v)
		p.space()
		if p.i >= len(p.src) {
			return nil, p.errorf("unexpected end of array")
		}
		p.i++
		switch p.src[p.i-1] {
		case ',':
		case ']':
			return p.a.List(values), nil
		default:
			return nil, p.errorf("expected ',' or ']'")
		}
	}
}

// str reads a string. One without escapes is a slice of the document; one
// with escapes (the JSON policies embedded in IAM resources, control
// characters) is decoded by jsontext, the encoder's own package.
func (p *jsonParser) str() (string, error) {
	start := p.i // the opening quote
	p.i++
	escaped := false
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case '"':
			p.i++
			if !escaped {
				return p.src[start+1 : p.i-1], nil
			}
			b, err := jsontext.AppendUnquote(make([]byte, 0, p.i-start), p.src[start:p.i])
			if err != nil {
				return "", p.errorf("invalid string: %v", err)
			}
			return string(b), nil
		case '\\':
			escaped = true
			p.i++ // what is escaped cannot end the string
		}
		p.i++
	}
	return "", p.errorf("unterminated string")
}
