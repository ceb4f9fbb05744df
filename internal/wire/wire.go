// Package wire decodes the function's requests and encodes its responses
// faster than the generic protobuf codec (encode.go for responses). A converged stack's RunFunctionRequest is about 100 KiB
// of protobuf Structs (every observed resource), which the generic decoder
// turns into some 22,000 allocations (each map entry through a temporary
// message); decoding it took as long as the render itself. Codec decodes
// the request's observed and desired state (State, Resource, Struct, Value,
// ListValue) with a hand-written reader that allocates the values in
// chunks, and hands every other field to the generic decoder. Anything it
// does not expect (an unknown field, a wire type it does not know, invalid
// UTF-8) makes it decode the whole request the generic way, so the result
// is always what proto.Unmarshal gives.
package wire

import (
	"errors"
	"fmt"
	"math"
	"unicode/utf8"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/platform/function-catalog-api/internal/pbarena"
)

// Name is the codec's name: gRPC's default content subtype, so that
// registering it replaces gRPC's proto codec for this process.
const Name = "proto"

// Codec is gRPC's proto codec, except that it decodes RunFunctionRequests
// with Unmarshal.
type Codec struct {
	// Fallback is the codec for everything else: gRPC's proto codec.
	Fallback encoding.CodecV2
}

// Register replaces gRPC's proto codec with Codec for the whole process.
// Call it before serving.
func Register() {
	encoding.RegisterCodecV2(Codec{Fallback: encoding.GetCodecV2(Name)})
}

// Marshal encodes a RunFunctionResponse with MarshalResponse, anything
// else as gRPC's proto codec does.
func (c Codec) Marshal(v any) (mem.BufferSlice, error) {
	if rsp, ok := v.(*fnv1.RunFunctionResponse); ok {
		return marshal(rsp)
	}
	out, err := c.Fallback.Marshal(v)
	return out, wrap(err, "cannot encode")
}

// wrap adds context to an error, or returns nil.
func wrap(err error, msg string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", msg, err)
}

// Unmarshal decodes a RunFunctionRequest with Unmarshal, anything else as
// gRPC's proto codec does.
func (c Codec) Unmarshal(data mem.BufferSlice, v any) error {
	req, ok := v.(*fnv1.RunFunctionRequest)
	if !ok {
		return wrap(c.Fallback.Unmarshal(data, v), "cannot decode")
	}
	buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
	defer buf.Free()
	return Unmarshal(buf.ReadOnlyData(), req)
}

// Name is the content subtype the codec serves.
func (Codec) Name() string { return Name }

// errUnexpected makes Unmarshal fall back to the generic decoder.
var errUnexpected = errors.New("unexpected input")

// Unmarshal decodes b into req (which it resets), as proto.Unmarshal does.
func Unmarshal(b []byte, req *fnv1.RunFunctionRequest) error {
	d := decoder{}
	err := d.request(b, req)
	if errors.Is(err, errUnexpected) {
		proto.Reset(req)
		return wrap(proto.Unmarshal(b, req), "cannot decode the request")
	}
	return err
}

// Field numbers of the messages the decoder reads (run_function.proto and
// struct.proto).
const (
	requestObserved = 2
	requestDesired  = 3

	stateComposite = 1
	stateResources = 2

	resourceResource = 1
	resourceReady    = 3

	mapKey   = 1
	mapValue = 2

	structFields = 1

	valueNull   = 1
	valueNumber = 2
	valueString = 3
	valueBool   = 4
	valueStruct = 5
	valueList   = 6

	listValues = 1
)

// maxDepth bounds nesting, as the generic decoder's recursion limit does.
const maxDepth = 10000

// decoder allocates the values of one request from one arena.
type decoder struct {
	pbarena.Arena
	depth int
}

// request decodes the states itself and the rest with proto.Unmarshal.
func (d *decoder) request(b []byte, req *fnv1.RunFunctionRequest) error {
	proto.Reset(req)
	var rest []byte
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errUnexpected
		}
		if (num == requestObserved || num == requestDesired) && typ == protowire.BytesType {
			msg, m := protowire.ConsumeBytes(b[n:])
			if m < 0 {
				return errUnexpected
			}
			st := stateOf(req, num)
			if err := d.state(msg, st); err != nil {
				return err
			}
			b = b[n+m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return errUnexpected
		}
		rest = append(rest, b[:n+m]...)
		b = b[n+m:]
	}
	if len(rest) == 0 {
		return nil
	}
	if err := (proto.UnmarshalOptions{Merge: true}).Unmarshal(rest, req); err != nil {
		return fmt.Errorf("%w: %w", errUnexpected, err)
	}
	return nil
}

// stateOf is the request's observed or desired state, created if absent
// (a repeated field merges into the same message, as in proto).
func stateOf(req *fnv1.RunFunctionRequest, num protowire.Number) *fnv1.State {
	if num == requestObserved {
		if req.GetObserved() == nil {
			req.Observed = &fnv1.State{}
		}
		return req.GetObserved()
	}
	if req.GetDesired() == nil {
		req.Desired = &fnv1.State{}
	}
	return req.GetDesired()
}

func (d *decoder) state(b []byte, st *fnv1.State) error {
	for len(b) > 0 {
		num, msg, n, err := consumeBytesField(b)
		if err != nil {
			return err
		}
		switch num {
		case stateComposite:
			if st.GetComposite() == nil {
				st.Composite = &fnv1.Resource{}
			}
			if err := d.resource(msg, st.GetComposite()); err != nil {
				return err
			}
		case stateResources:
			if err := d.resourceEntry(msg, st); err != nil {
				return err
			}
		default:
			return errUnexpected
		}
		b = b[n:]
	}
	return nil
}

func (d *decoder) resourceEntry(b []byte, st *fnv1.State) error {
	var key string
	r := &fnv1.Resource{}
	for len(b) > 0 {
		num, msg, n, err := consumeBytesField(b)
		if err != nil {
			return err
		}
		switch num {
		case mapKey:
			if key, err = validString(msg); err != nil {
				return err
			}
		case mapValue:
			if err := d.resource(msg, r); err != nil {
				return err
			}
		default:
			return errUnexpected
		}
		b = b[n:]
	}
	if st.Resources == nil {
		st.Resources = map[string]*fnv1.Resource{}
	}
	st.Resources[key] = r
	return nil
}

func (d *decoder) resource(b []byte, r *fnv1.Resource) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errUnexpected
		}
		m, err := d.resourceField(r, num, typ, b[n:])
		if err != nil {
			return err
		}
		b = b[n+m:]
	}
	return nil
}

// resourceField decodes a Resource's Struct or readiness and returns its
// length; connection details and anything newer go the generic way.
func (d *decoder) resourceField(r *fnv1.Resource, num protowire.Number, typ protowire.Type, b []byte) (int, error) {
	switch {
	case num == resourceResource && typ == protowire.BytesType:
		msg, m := protowire.ConsumeBytes(b)
		if m < 0 {
			return 0, errUnexpected
		}
		if r.GetResource() == nil {
			r.Resource = &structpb.Struct{}
		}
		return m, d.structFields(msg, r.GetResource())
	case num == resourceReady && typ == protowire.VarintType:
		v, m := protowire.ConsumeVarint(b)
		r.Ready = fnv1.Ready(enumOf(v))
		return m, checkLen(m)
	}
	return 0, errUnexpected
}

func (d *decoder) structFields(b []byte, s *structpb.Struct) error {
	if s.Fields == nil && len(b) > 0 {
		// Sized up front: growing a map rehashes it.
		s.Fields = make(map[string]*structpb.Value, countFields(b))
	}
	return d.nested(b, structFields, func(msg []byte) error {
		k, v, err := d.fieldEntry(msg)
		s.Fields[k] = v
		return err
	})
}

// nested calls each with the bytes of every field of b, one nesting level
// down; every field must be the length-delimited field num.
func (d *decoder) nested(b []byte, num protowire.Number, each func(msg []byte) error) error {
	if d.depth++; d.depth > maxDepth {
		return errUnexpected
	}
	defer func() { d.depth-- }()
	for len(b) > 0 {
		got, msg, n, err := consumeBytesField(b)
		if err != nil {
			return err
		}
		if got != num {
			return errUnexpected
		}
		if err := each(msg); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

func (d *decoder) fieldEntry(b []byte) (string, *structpb.Value, error) {
	var key string
	var v *structpb.Value
	for len(b) > 0 {
		num, msg, n, err := consumeBytesField(b)
		if err != nil {
			return "", nil, err
		}
		switch num {
		case mapKey:
			if key, err = validString(msg); err != nil {
				return "", nil, err
			}
		case mapValue:
			if v, err = d.valueOf(msg); err != nil {
				return "", nil, err
			}
		default:
			return "", nil, errUnexpected
		}
		b = b[n:]
	}
	if v == nil {
		// A map entry without a value holds an empty Value, as in proto.
		v = d.Value()
	}
	return key, v, nil
}

// valueOf decodes a Value message.
func (d *decoder) valueOf(b []byte) (*structpb.Value, error) {
	v := d.Value()
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, errUnexpected
		}
		m, err := d.valueField(v, num, typ, b[n:])
		if err != nil {
			return nil, err
		}
		b = b[n+m:]
	}
	return v, nil
}

// valueField decodes one field of a Value (the last of its oneof wins, as
// in proto) and returns its length.
func (d *decoder) valueField(v *structpb.Value, num protowire.Number, typ protowire.Type, b []byte) (int, error) {
	if typ != protowire.BytesType {
		return scalarField(v, num, typ, b)
	}
	msg, m := protowire.ConsumeBytes(b)
	if m < 0 {
		return 0, errUnexpected
	}
	if num == valueString {
		s, err := validString(msg)
		v.Kind = d.StringKind(s)
		return m, err
	}
	return m, d.messageField(v, num, msg)
}

// scalarField decodes a null, number or bool field of a Value.
func scalarField(v *structpb.Value, num protowire.Number, typ protowire.Type, b []byte) (int, error) {
	var m int
	switch {
	case num == valueNull && typ == protowire.VarintType:
		var x uint64
		x, m = protowire.ConsumeVarint(b)
		v.Kind = &structpb.Value_NullValue{NullValue: structpb.NullValue(enumOf(x))}
	case num == valueNumber && typ == protowire.Fixed64Type:
		var x uint64
		x, m = protowire.ConsumeFixed64(b)
		v.Kind = &structpb.Value_NumberValue{NumberValue: math.Float64frombits(x)}
	case num == valueBool && typ == protowire.VarintType:
		var x uint64
		x, m = protowire.ConsumeVarint(b)
		v.Kind = &structpb.Value_BoolValue{BoolValue: protowire.DecodeBool(x)}
	default:
		return 0, errUnexpected
	}
	return m, checkLen(m)
}

// messageField decodes a Struct or ListValue field of a Value. A repeated
// message field merges into the one before it, as in proto.
func (d *decoder) messageField(v *structpb.Value, num protowire.Number, msg []byte) error {
	switch {
	case num == valueStruct:
		k, ok := v.GetKind().(*structpb.Value_StructValue)
		if !ok || k.StructValue == nil {
			k = &structpb.Value_StructValue{StructValue: &structpb.Struct{}}
			v.Kind = k
		}
		return d.structFields(msg, k.StructValue)
	case num == valueList:
		k, ok := v.GetKind().(*structpb.Value_ListValue)
		if !ok || k.ListValue == nil {
			k = &structpb.Value_ListValue{ListValue: &structpb.ListValue{}}
			v.Kind = k
		}
		return d.list(msg, k.ListValue)
	}
	return errUnexpected
}

func (d *decoder) list(b []byte, l *structpb.ListValue) error {
	if l.Values == nil && len(b) > 0 {
		l.Values = make([]*structpb.Value, 0, countFields(b))
	}
	return d.nested(b, listValues, func(msg []byte) error {
		v, err := d.valueOf(msg)
		l.Values = append(l.Values, v)
		return err
	})
}

// countFields counts the length-delimited fields in b (a map's entries, a
// list's values); it stops at anything else.
func countFields(b []byte) int {
	n := 0
	for len(b) > 0 {
		_, _, m, err := consumeBytesField(b)
		if err != nil {
			break
		}
		n++
		b = b[m:]
	}
	return n
}

// consumeBytesField reads a length-delimited field: its number, its bytes
// and the length of the whole field.
func consumeBytesField(b []byte) (protowire.Number, []byte, int, error) {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 || typ != protowire.BytesType {
		return 0, nil, 0, errUnexpected
	}
	msg, m := protowire.ConsumeBytes(b[n:])
	if m < 0 {
		return 0, nil, 0, errUnexpected
	}
	return num, msg, n + m, nil
}

// validString is a proto3 string: it must be valid UTF-8.
func validString(b []byte) (string, error) {
	if !utf8.Valid(b) {
		return "", errUnexpected
	}
	return string(b), nil
}

// enumOf is an enum read from a varint: proto keeps its low 32 bits.
func enumOf(v uint64) int32 {
	return int32(v) //nolint:gosec // Truncation is the wire format's rule for enums.
}

func checkLen(m int) error {
	if m < 0 {
		return errUnexpected
	}
	return nil
}
