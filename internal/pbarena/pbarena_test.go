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
		got := a.Struct(map[string]*structpb.Value{"s": a.String("x")})
		want := structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{"s": structpb.NewStringValue("x")}})
		if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
			t.Fatalf("value %d -want, +got:\n%s", i, diff)
		}
		if seen[got] || seen[got.GetStructValue().GetFields()["s"]] {
			t.Fatalf("value %d was handed out before", i)
		}
		seen[got], seen[got.GetStructValue().GetFields()["s"]] = true, true
	}
	if v := a.Value(); v.GetKind() != nil {
		t.Errorf("Value() has kind %T, want none", v.GetKind())
	}
}
