// Package pbarena allocates protobuf Struct values (structpb) in chunks.
// A request or response of the converged stack holds about ten thousand of
// them, and allocating each Value and its kind wrapper one by one made up
// most of the allocations of decoding a request and of building a
// response. The values of a chunk stay in memory as long as any of them
// does; use one Arena per request or response, never across them.
package pbarena

import "google.golang.org/protobuf/types/known/structpb"

// chunk is how many values an Arena allocates at once.
const chunk = 128

// Arena hands out structpb values. The zero value is ready to use; it is
// not safe for concurrent use.
type Arena struct {
	values  []structpb.Value
	strs    []structpb.Value_StringValue
	structs []structpb.Value_StructValue
}

// Value is a new Value with no kind.
func (a *Arena) Value() *structpb.Value {
	if len(a.values) == 0 {
		a.values = make([]structpb.Value, chunk)
	}
	v := &a.values[0]
	a.values = a.values[1:]
	return v
}

// StringKind is a new string kind, for a Value's Kind.
func (a *Arena) StringKind(s string) *structpb.Value_StringValue {
	if len(a.strs) == 0 {
		a.strs = make([]structpb.Value_StringValue, chunk)
	}
	k := &a.strs[0]
	a.strs = a.strs[1:]
	k.StringValue = s
	return k
}

// String is a new string Value.
func (a *Arena) String(s string) *structpb.Value {
	v := a.Value()
	v.Kind = a.StringKind(s)
	return v
}

// Struct is a new Value holding a Struct of these fields.
func (a *Arena) Struct(fields map[string]*structpb.Value) *structpb.Value {
	if len(a.structs) == 0 {
		a.structs = make([]structpb.Value_StructValue, chunk)
	}
	k := &a.structs[0]
	a.structs = a.structs[1:]
	k.StructValue = &structpb.Struct{Fields: fields}
	v := a.Value()
	v.Kind = k
	return v
}
