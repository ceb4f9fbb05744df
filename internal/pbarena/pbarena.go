// Package pbarena allocates protobuf Struct values (structpb) in chunks.
// A request or response of the converged stack holds about ten thousand of
// them, and allocating each Value and its kind wrapper one by one made up
// most of the allocations of decoding a request and of building a
// response. The values of a chunk stay in memory as long as any of them
// does; use one Arena per request or response, never across them.
package pbarena

import "google.golang.org/protobuf/types/known/structpb"

// chunk is how many values of a type an Arena allocates at once.
const chunk = 128

// chunks hands out the elements of a slice allocated chunk at a time.
type chunks[T any] []T

// next is a new zero T.
func (c *chunks[T]) next() *T {
	if len(*c) == 0 {
		*c = make([]T, chunk)
	}
	p := &(*c)[0]
	*c = (*c)[1:]
	return p
}

// Arena hands out structpb values. The zero value is ready to use; it is
// not safe for concurrent use.
type Arena struct {
	values      chunks[structpb.Value]
	strs        chunks[structpb.Value_StringValue]
	numbers     chunks[structpb.Value_NumberValue]
	bools       chunks[structpb.Value_BoolValue]
	nulls       chunks[structpb.Value_NullValue]
	structs     chunks[structpb.Struct]
	structKinds chunks[structpb.Value_StructValue]
	lists       chunks[structpb.ListValue]
	listKinds   chunks[structpb.Value_ListValue]
}

// Value is a new Value with no kind.
func (a *Arena) Value() *structpb.Value { return a.values.next() }

// StringKind is a new string kind, for a Value's Kind.
func (a *Arena) StringKind(s string) *structpb.Value_StringValue {
	k := a.strs.next()
	k.StringValue = s
	return k
}

// String is a new string Value.
func (a *Arena) String(s string) *structpb.Value {
	v := a.Value()
	v.Kind = a.StringKind(s)
	return v
}

// Number is a new number Value.
func (a *Arena) Number(f float64) *structpb.Value {
	k := a.numbers.next()
	k.NumberValue = f
	v := a.Value()
	v.Kind = k
	return v
}

// Bool is a new bool Value.
func (a *Arena) Bool(b bool) *structpb.Value {
	k := a.bools.next()
	k.BoolValue = b
	v := a.Value()
	v.Kind = k
	return v
}

// Null is a new null Value.
func (a *Arena) Null() *structpb.Value {
	v := a.Value()
	v.Kind = a.nulls.next()
	return v
}

// Struct is a new Value holding a Struct of these fields.
func (a *Arena) Struct(fields map[string]*structpb.Value) *structpb.Value {
	s := a.structs.next()
	s.Fields = fields
	k := a.structKinds.next()
	k.StructValue = s
	v := a.Value()
	v.Kind = k
	return v
}

// List is a new Value holding a list of these values.
func (a *Arena) List(values []*structpb.Value) *structpb.Value {
	l := a.lists.next()
	l.Values = values
	k := a.listKinds.next()
	k.ListValue = l
	v := a.Value()
	v.Kind = k
	return v
}
