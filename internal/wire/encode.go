package wire

import (
	"math"
	"unicode/utf8"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// Encoding a response: its desired composed resources (about 60 KiB of
// Structs for the converged stack) are written by hand, everything else by
// proto.Marshal. The generic encoder goes through a temporary message for
// every map entry; this writes the bytes directly. On the wire, a message
// field that appears twice is merged, so the response is proto.Marshal's
// encoding of it without the desired resources, followed by a second
// desired State that holds only them: a decoder reads back the same
// response.

// Field numbers of RunFunctionResponse (run_function.proto).
const responseDesired = 2

// MarshalResponse encodes rsp as proto.Marshal does (up to the order of
// fields and map entries, which protobuf leaves open).
func MarshalResponse(rsp *fnv1.RunFunctionResponse) ([]byte, error) {
	resources := rsp.GetDesired().GetResources()
	if len(resources) == 0 || !plainResources(resources) {
		b, err := proto.Marshal(rsp)
		return b, wrap(err, "cannot encode the response")
	}
	head := &fnv1.RunFunctionResponse{
		Meta:         rsp.GetMeta(),
		Results:      rsp.GetResults(),
		Context:      rsp.GetContext(),
		Requirements: rsp.GetRequirements(),
		Conditions:   rsp.GetConditions(),
		Output:       rsp.GetOutput(),
		Desired:      &fnv1.State{Composite: rsp.GetDesired().GetComposite()},
	}
	b, err := proto.Marshal(head)
	if err != nil {
		return nil, wrap(err, "cannot encode the response")
	}
	size := sizeResources(resources)
	out := make([]byte, 0, len(b)+protowire.SizeTag(responseDesired)+protowire.SizeBytes(size))
	out = append(out, b...)
	out = protowire.AppendTag(out, responseDesired, protowire.BytesType)
	out = appendLen(out, size)
	return appendResources(out, resources), nil
}

// plainResources reports whether every resource has only the fields this
// encoder writes (a Struct and readiness) and valid strings; anything else
// goes to proto.Marshal, which also reports invalid UTF-8.
func plainResources(rs map[string]*fnv1.Resource) bool {
	for k, r := range rs {
		if r == nil || len(r.GetConnectionDetails()) > 0 || len(r.ProtoReflect().GetUnknown()) > 0 || !utf8.ValidString(k) {
			return false
		}
		if !validStruct(r.GetResource()) {
			return false
		}
	}
	return true
}

func validStruct(s *structpb.Struct) bool {
	for k, v := range s.GetFields() {
		if !utf8.ValidString(k) || !validValue(v) {
			return false
		}
	}
	return len(s.ProtoReflect().GetUnknown()) == 0
}

func validValue(v *structpb.Value) bool {
	switch k := v.GetKind().(type) {
	case *structpb.Value_StringValue:
		return utf8.ValidString(k.StringValue)
	case *structpb.Value_StructValue:
		return validStruct(k.StructValue)
	case *structpb.Value_ListValue:
		for _, item := range k.ListValue.GetValues() {
			if !validValue(item) {
				return false
			}
		}
	}
	return true
}

// The sizes of the encodings, as a length prefix needs them.

func sizeResources(rs map[string]*fnv1.Resource) int {
	n := 0
	for k, r := range rs {
		n += protowire.SizeTag(stateResources) + protowire.SizeBytes(sizeEntry(k, sizeResource(r)))
	}
	return n
}

// sizeEntry is the size of a map entry with a string key and a message
// value of this size.
func sizeEntry(key string, value int) int {
	return protowire.SizeTag(mapKey) + protowire.SizeBytes(len(key)) + protowire.SizeTag(mapValue) + protowire.SizeBytes(value)
}

func sizeResource(r *fnv1.Resource) int {
	n := 0
	if r.GetResource() != nil {
		n += protowire.SizeTag(resourceResource) + protowire.SizeBytes(sizeStruct(r.GetResource()))
	}
	if r.GetReady() != 0 {
		n += protowire.SizeTag(resourceReady) + protowire.SizeVarint(enumVarint(int32(r.GetReady())))
	}
	return n
}

func sizeStruct(s *structpb.Struct) int {
	n := 0
	for k, v := range s.GetFields() {
		n += protowire.SizeTag(structFields) + protowire.SizeBytes(sizeEntry(k, sizeValue(v)))
	}
	return n
}

func sizeValue(v *structpb.Value) int {
	switch k := v.GetKind().(type) {
	case *structpb.Value_NullValue:
		return protowire.SizeTag(valueNull) + protowire.SizeVarint(enumVarint(int32(k.NullValue)))
	case *structpb.Value_NumberValue:
		return protowire.SizeTag(valueNumber) + protowire.SizeFixed64()
	case *structpb.Value_StringValue:
		return protowire.SizeTag(valueString) + protowire.SizeBytes(len(k.StringValue))
	case *structpb.Value_BoolValue:
		return protowire.SizeTag(valueBool) + protowire.SizeVarint(protowire.EncodeBool(k.BoolValue))
	case *structpb.Value_StructValue:
		return protowire.SizeTag(valueStruct) + protowire.SizeBytes(sizeStruct(k.StructValue))
	case *structpb.Value_ListValue:
		return protowire.SizeTag(valueList) + protowire.SizeBytes(sizeList(k.ListValue))
	}
	return 0
}

func sizeList(l *structpb.ListValue) int {
	n := 0
	for _, v := range l.GetValues() {
		n += protowire.SizeTag(listValues) + protowire.SizeBytes(sizeValue(v))
	}
	return n
}

// The encodings.

func appendResources(b []byte, rs map[string]*fnv1.Resource) []byte {
	for k, r := range rs {
		rsize := sizeResource(r)
		b = protowire.AppendTag(b, stateResources, protowire.BytesType)
		b = appendLen(b, sizeEntry(k, rsize))
		b = appendKey(b, k)
		b = protowire.AppendTag(b, mapValue, protowire.BytesType)
		b = appendLen(b, rsize)
		b = appendResource(b, r)
	}
	return b
}

func appendResource(b []byte, r *fnv1.Resource) []byte {
	if s := r.GetResource(); s != nil {
		b = protowire.AppendTag(b, resourceResource, protowire.BytesType)
		b = appendLen(b, sizeStruct(s))
		b = appendStruct(b, s)
	}
	if r.GetReady() != 0 {
		b = protowire.AppendTag(b, resourceReady, protowire.VarintType)
		b = protowire.AppendVarint(b, enumVarint(int32(r.GetReady())))
	}
	return b
}

func appendStruct(b []byte, s *structpb.Struct) []byte {
	for k, v := range s.GetFields() {
		vsize := sizeValue(v)
		b = protowire.AppendTag(b, structFields, protowire.BytesType)
		b = appendLen(b, sizeEntry(k, vsize))
		b = appendKey(b, k)
		b = protowire.AppendTag(b, mapValue, protowire.BytesType)
		b = appendLen(b, vsize)
		b = appendValue(b, v)
	}
	return b
}

func appendValue(b []byte, v *structpb.Value) []byte {
	switch k := v.GetKind().(type) {
	case *structpb.Value_NullValue:
		b = protowire.AppendTag(b, valueNull, protowire.VarintType)
		return protowire.AppendVarint(b, enumVarint(int32(k.NullValue)))
	case *structpb.Value_NumberValue:
		b = protowire.AppendTag(b, valueNumber, protowire.Fixed64Type)
		return protowire.AppendFixed64(b, math.Float64bits(k.NumberValue))
	case *structpb.Value_StringValue:
		b = protowire.AppendTag(b, valueString, protowire.BytesType)
		return protowire.AppendString(b, k.StringValue)
	case *structpb.Value_BoolValue:
		b = protowire.AppendTag(b, valueBool, protowire.VarintType)
		return protowire.AppendVarint(b, protowire.EncodeBool(k.BoolValue))
	case *structpb.Value_StructValue:
		b = protowire.AppendTag(b, valueStruct, protowire.BytesType)
		b = appendLen(b, sizeStruct(k.StructValue))
		return appendStruct(b, k.StructValue)
	case *structpb.Value_ListValue:
		b = protowire.AppendTag(b, valueList, protowire.BytesType)
		b = appendLen(b, sizeList(k.ListValue))
		for _, item := range k.ListValue.GetValues() {
			b = protowire.AppendTag(b, listValues, protowire.BytesType)
			b = appendLen(b, sizeValue(item))
			b = appendValue(b, item)
		}
	}
	return b
}

func appendKey(b []byte, k string) []byte {
	b = protowire.AppendTag(b, mapKey, protowire.BytesType)
	return protowire.AppendString(b, k)
}

func appendLen(b []byte, n int) []byte {
	return protowire.AppendVarint(b, uint64(max(n, 0)))
}

// enumVarint is an enum's varint, as proto writes it: a negative value
// sign-extended to 64 bits.
func enumVarint(e int32) uint64 {
	return uint64(int64(e)) //nolint:gosec // The wire format's two's complement, on purpose.
}

// marshal is the codec's encoding of a response in a buffer gRPC frees.
func marshal(rsp *fnv1.RunFunctionResponse) (mem.BufferSlice, error) {
	b, err := MarshalResponse(rsp)
	if err != nil {
		return nil, err
	}
	return mem.BufferSlice{mem.SliceBuffer(b)}, nil
}
