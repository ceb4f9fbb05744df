package pbarena

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
)

// TestArena: the values are what structpb's constructors make, and every
// value is a distinct one, across chunks.
func TestArena(t *testing.T) {
	a := &Arena{}
	seen := map[*structpb.Value]bool{}
	for i := range 3 * chunk {
		got := a.Struct(map[string]*structpb.Value{
			"s": a.String("x"),
			"n": a.Number(float64(i)),
			"b": a.Bool(i%2 == 0),
			"z": a.Null(),
			"l": a.List([]*structpb.Value{a.String("y")}),
		})
		want := structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
			"s": structpb.NewStringValue("x"),
			"n": structpb.NewNumberValue(float64(i)),
			"b": structpb.NewBoolValue(i%2 == 0),
			"z": structpb.NewNullValue(),
			"l": structpb.NewListValue(&structpb.ListValue{Values: []*structpb.Value{structpb.NewStringValue("y")}}),
		}})
		if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
			t.Fatalf("value %d -want, +got:\n%s", i, diff)
		}
		fields := got.GetStructValue().GetFields()
		all := make([]*structpb.Value, 0, 2+len(fields))
		all = append(all, got, fields["l"].GetListValue().GetValues()[0])
		for _, v := range fields {
			all = append(all, v)
		}
		for _, v := range all {
			if seen[v] {
				t.Fatalf("value %d was handed out before", i)
			}
			seen[v] = true
		}
	}
	if v := a.Value(); v.GetKind() != nil {
		t.Errorf("Value() has kind %T, want none", v.GetKind())
	}
}

// TestArenaKindsAreDistinct: two values never share a kind or a Struct, so
// changing one never changes another.
func TestArenaKindsAreDistinct(t *testing.T) {
	a := &Arena{}
	x, y := a.Struct(map[string]*structpb.Value{}), a.Struct(map[string]*structpb.Value{})
	x.GetStructValue().Fields["k"] = a.Bool(true)
	if len(y.GetStructValue().GetFields()) != 0 {
		t.Errorf("changing one Struct changed another: %v", y)
	}
	b1, b2 := a.Bool(true), a.Bool(true)
	k, ok := b1.GetKind().(*structpb.Value_BoolValue)
	if !ok {
		t.Fatalf("Bool's kind is %T", b1.GetKind())
	}
	k.BoolValue = false
	if !b2.GetBoolValue() {
		t.Error("changing one bool Value changed another")
	}
}
