package fn

import (
	"strconv"
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
	if isPlain(path) {
		return plainValue(s, path)
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

// isPlain reports whether path is only field names joined by dots, each
// followed by any number of list indices (rule[0].filter[0].prefix), with
// no quoted name: almost every path a render reads is, and such a path
// needs no parser. Anything else, including a malformed path, is left to
// fieldpath's parser.
func isPlain(path string) bool {
	for seg := range strings.SplitSeq(path, ".") {
		name, indices, _ := strings.Cut(seg, "[")
		if name == "" || strings.ContainsAny(name, `]"'`) {
			return false
		}
		if indices != "" && !plainIndices("["+indices) {
			return false
		}
	}
	return true
}

// plainIndices reports whether s is one or more [digits].
func plainIndices(s string) bool {
	for s != "" {
		end := strings.IndexByte(s, ']')
		if s[0] != '[' || end < 2 || strings.Trim(s[1:end], "0123456789") != "" {
			return false
		}
		s = s[end+1:]
	}
	return true
}

// plainValue is structValue for a plain path (isPlain), walked without
// parsing it into segments first: a render reads a few hundred observed
// fields, and parsing each path was a fiftieth of its memory.
func plainValue(s *structpb.Struct, path string) *structpb.Value {
	var v *structpb.Value
	for seg := range strings.SplitSeq(path, ".") {
		name, indices, _ := strings.Cut(seg, "[")
		if v != nil {
			s = v.GetStructValue()
		}
		if v = s.GetFields()[name]; v == nil {
			return nil
		}
		for indices != "" {
			end := strings.IndexByte(indices, ']')
			i, err := strconv.Atoi(indices[:end])
			l := v.GetListValue().GetValues()
			if err != nil || i >= len(l) {
				return nil
			}
			v, indices = l[i], strings.TrimPrefix(indices[end+1:], "[")
		}
	}
	return v
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
