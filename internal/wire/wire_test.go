package wire

import (
	"context"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/platform/function-catalog-api/fn"
	"github.com/platform/function-catalog-api/fn/providersim"
)

const testXR = `{"apiVersion":"catalog.example.org/v1alpha1","kind":"CatalogApi","metadata":{"name":"catalog-api","namespace":"team-catalog","uid":"u"},
"spec":{"environmentSuffix":"dev","image":"123456789012.dkr.ecr.eu-north-1.amazonaws.com/catalog-api:1.0.0","scaling":{"minTasks":2}}}`

// convergedRequest is the request of the converged stack, as the load
// driver sends it, with a desired state and input as later pipeline steps
// see them.
func convergedRequest(tb testing.TB) *fnv1.RunFunctionRequest {
	tb.Helper()
	f := fn.NewFunction(logging.NewNopLogger())
	var observed map[string]*fnv1.Resource
	var req *fnv1.RunFunctionRequest
	for range 4 {
		req = &fnv1.RunFunctionRequest{
			Meta:     &fnv1.RequestMeta{Tag: "t"},
			Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: resource.MustStructJSON(testXR)}, Resources: observed},
		}
		rsp, err := f.RunFunction(context.Background(), req)
		if err != nil {
			tb.Fatal(err)
		}
		observed = providersim.Observe(rsp.GetDesired().GetResources())
	}
	req.Desired = &fnv1.State{Composite: &fnv1.Resource{Resource: resource.MustStructJSON(`{"status":{"a":[1,true,null,"x",{"b":{}}, []]}}`), Ready: fnv1.Ready_READY_TRUE}}
	req.Input = resource.MustStructJSON(`{"apiVersion":"x/v1","kind":"Input"}`)
	return req
}

func generic(t *testing.T, b []byte) (*fnv1.RunFunctionRequest, error) {
	t.Helper()
	want := &fnv1.RunFunctionRequest{}
	return want, proto.Unmarshal(b, want)
}

// TestUnmarshalAsProto: every request decodes exactly as proto.Unmarshal
// decodes it, errors included.
func TestUnmarshalAsProto(t *testing.T) {
	converged, err := proto.Marshal(convergedRequest(t))
	if err != nil {
		t.Fatal(err)
	}
	withDetails, err := proto.Marshal(&fnv1.RunFunctionRequest{Observed: &fnv1.State{Resources: map[string]*fnv1.Resource{
		"a": {Resource: &structpb.Struct{}, ConnectionDetails: map[string][]byte{"k": []byte("v")}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	// The observed state twice: the second merges into the first.
	twice := append(append([]byte{}, converged...), protowire.AppendTag(nil, requestObserved, protowire.BytesType)...)
	twice = protowire.AppendBytes(twice, mustMarshal(t, &fnv1.State{Resources: map[string]*fnv1.Resource{"extra": {Ready: fnv1.Ready_READY_FALSE}}}))
	invalidUTF8 := mustMarshal(t, &fnv1.RunFunctionRequest{Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: &structpb.Struct{Fields: map[string]*structpb.Value{"k": structpb.NewStringValue("x")}}}}})
	invalidUTF8[len(invalidUTF8)-1] = 0xff

	cases := map[string][]byte{
		"Converged":         converged,
		"Empty":             nil,
		"ConnectionDetails": withDetails,
		"StateTwice":        twice,
		"Truncated":         converged[:len(converged)/2],
		"InvalidUTF8":       invalidUTF8,
		"UnknownField":      protowire.AppendVarint(protowire.AppendTag(nil, 99, protowire.VarintType), 1),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			want, wantErr := generic(t, b)
			got := &fnv1.RunFunctionRequest{Meta: &fnv1.RequestMeta{Tag: "stale"}}
			err := Unmarshal(b, got)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("Unmarshal() error = %v, proto.Unmarshal error = %v", err, wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
				t.Errorf("Unmarshal() -proto.Unmarshal, +got:\n%s", diff)
			}
		})
	}
}

func mustMarshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkUnmarshal compares the decoder with proto.Unmarshal on the
// converged stack's request.
func BenchmarkUnmarshal(b *testing.B) {
	wire, err := proto.Marshal(convergedRequest(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Wire", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(wire)))
		for b.Loop() {
			if err := Unmarshal(wire, &fnv1.RunFunctionRequest{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Proto", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(wire)))
		for b.Loop() {
			if err := proto.Unmarshal(wire, &fnv1.RunFunctionRequest{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestMarshalResponse: a response reads back as the response, whether the
// encoder writes the resources itself or falls back to proto.Marshal.
func TestMarshalResponse(t *testing.T) {
	req := convergedRequest(t)
	rsp, err := fn.NewFunction(logging.NewNopLogger()).RunFunction(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	withDetails, ok := proto.Clone(rsp).(*fnv1.RunFunctionResponse)
	if !ok {
		t.Fatal("proto.Clone did not return a response")
	}
	for _, r := range withDetails.GetDesired().GetResources() {
		r.ConnectionDetails = map[string][]byte{"k": []byte("v")}
		break
	}
	cases := map[string]*fnv1.RunFunctionResponse{
		"Converged":         rsp,
		"NoResources":       {Meta: &fnv1.ResponseMeta{Tag: "t"}},
		"ConnectionDetails": withDetails,
		"EveryValueKind": {Desired: &fnv1.State{Resources: map[string]*fnv1.Resource{
			"a": {Resource: resource.MustStructJSON(`{"n":null,"f":-1.5,"s":"","b":false,"o":{},"l":[[],{"x":[1]}]}`), Ready: fnv1.Ready_READY_FALSE},
			"b": {},
		}}},
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := MarshalResponse(want)
			if err != nil {
				t.Fatal(err)
			}
			got := &fnv1.RunFunctionResponse{}
			if err := proto.Unmarshal(b, got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
				t.Errorf("Unmarshal(MarshalResponse()) -want, +got:\n%s", diff)
			}
		})
	}
	bad := &fnv1.RunFunctionResponse{Desired: &fnv1.State{Resources: map[string]*fnv1.Resource{
		"a": {Resource: &structpb.Struct{Fields: map[string]*structpb.Value{"k": structpb.NewStringValue("\xff")}}},
	}}}
	if _, err := MarshalResponse(bad); err == nil {
		t.Error("MarshalResponse(invalid UTF-8) succeeded, want proto.Marshal's error")
	}
}

// TestResponseFieldsKnown: MarshalResponse copies every field of a
// response but the desired resources by name; a new field (an SDK upgrade)
// must be added there.
func TestResponseFieldsKnown(t *testing.T) {
	fields := (&fnv1.RunFunctionResponse{}).ProtoReflect().Descriptor().Fields()
	got := make([]string, 0, fields.Len())
	for i := range fields.Len() {
		got = append(got, string(fields.Get(i).Name()))
	}
	want := []string{"meta", "desired", "results", "context", "requirements", "conditions", "output"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RunFunctionResponse fields -known, +got:\n%s", diff)
	}
}

// BenchmarkMarshalResponse compares the encoder with proto.Marshal on the
// converged stack's response.
func BenchmarkMarshalResponse(b *testing.B) {
	rsp, err := fn.NewFunction(logging.NewNopLogger()).RunFunction(context.Background(), convergedRequest(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Wire", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := MarshalResponse(rsp); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Proto", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := proto.Marshal(rsp); err != nil {
				b.Fatal(err)
			}
		}
	})
}
