package fn

import (
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/crossplane/crossplane-runtime/v2/pkg/fieldpath"
	"github.com/crossplane/function-sdk-go/errors"
)

// Field paths (spec.forProvider.rule[0].filter[0].prefix, the syntax of
// crossplane-runtime's fieldpath) read and written directly on protobuf
// Structs, without converting a resource to maps.

// structValue returns the value at path, or nil if any part of the path is
// absent or of another type.
func structValue(s *structpb.Struct, path string) *structpb.Value {
	if isDotted(path) {
		return dottedValue(s, path)
	}
	return parsedValue(s, path)
}

// parsedValue is structValue for any path of fieldpath's syntax.
func parsedValue(s *structpb.Struct, path string) *structpb.Value {
	segs, err := fieldpath.Parse(path)
	if err != nil || len(segs) == 0 {
		return nil
	}
	v := structpb.NewStructValue(s)
	for _, seg := range segs {
		v = step(v, seg)
		if v == nil {
			return nil
		}
	}
	return v
}

// isDotted reports whether path is only field names joined by dots (no
// index, no quoted name), as almost every path a render reads is: such a
// path needs no parser.
func isDotted(path string) bool {
	if path == "" || path[0] == '.' || path[len(path)-1] == '.' || strings.Contains(path, "..") {
		return false
	}
	return !strings.ContainsAny(path, `[]"'`)
}

// dottedValue is structValue for a dotted path, walked without parsing it
// into segments first: a render reads a few hundred observed fields, and
// parsing each path was a fiftieth of its memory.
func dottedValue(s *structpb.Struct, path string) *structpb.Value {
	for {
		field, rest, more := strings.Cut(path, ".")
		v := s.GetFields()[field]
		if !more || v == nil {
			return v
		}
		if s = v.GetStructValue(); s == nil {
			return nil
		}
		path = rest
	}
}

func step(v *structpb.Value, seg fieldpath.Segment) *structpb.Value {
	switch seg.Type {
	case fieldpath.SegmentField:
		return v.GetStructValue().GetFields()[seg.Field]
	case fieldpath.SegmentIndex:
		l := v.GetListValue().GetValues()
		if int(seg.Index) >= len(l) {
			return nil
		}
		return l[seg.Index]
	}
	return nil
}

// structString returns the string at path, or "".
func structString(s *structpb.Struct, path string) string {
	return structValue(s, path).GetStringValue()
}

// setStructString sets the string at path. Every object and list on the way
// must exist but the last object's field, as in the resources the function
// renders: the path names a field that omitempty left out.
func setStructString(s *structpb.Struct, path, value string) error {
	segs, err := fieldpath.Parse(path)
	if err != nil {
		return errors.Wrapf(err, "invalid path %q", path)
	}
	if len(segs) == 0 || segs[len(segs)-1].Type != fieldpath.SegmentField {
		return errors.Errorf("path %q does not end in a field", path)
	}
	parent := structpb.NewStructValue(s)
	for _, seg := range segs[:len(segs)-1] {
		if parent = step(parent, seg); parent == nil {
			return errors.Errorf("cannot set %q: a parent does not exist", path)
		}
	}
	obj := parent.GetStructValue()
	if obj == nil {
		return errors.Errorf("cannot set %q: its parent is not an object", path)
	}
	obj.Fields[segs[len(segs)-1].Field] = structpb.NewStringValue(value)
	return nil
}
