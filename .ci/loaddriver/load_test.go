package main

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	cases := map[string]struct {
		latencies []time.Duration
		p         float64
		want      time.Duration
	}{
		"Median":         {hundred, 50, 50 * time.Millisecond},
		"P99":            {hundred, 99, 99 * time.Millisecond},
		"Max":            {hundred, 100, 100 * time.Millisecond},
		"RoundsUp":       {hundred[:10], 99, 10 * time.Millisecond},
		"OneLatency":     {[]time.Duration{7}, 50, 7},
		"NoLatencies":    {nil, 99, 0},
		"ZeroPercentile": {hundred, 0, time.Millisecond},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := level{Latencies: tc.latencies}.Percentile(tc.p)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Percentile(%v) -want, +got:\n%s", tc.p, diff)
			}
		})
	}
}

func TestKilobytes(t *testing.T) {
	cases := map[string]struct {
		value   string
		want    int64
		wantErr bool
	}{
		"StatusField": {value: "\t   51876 kB", want: 51876 * 1024},
		"Zero":        {value: " 0 kB", want: 0},
		"NotANumber":  {value: " lots kB", wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := kilobytes(tc.value)
			if (err != nil) != tc.wantErr {
				t.Fatalf("kilobytes(%q) error = %v, want error %v", tc.value, err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); !tc.wantErr && diff != "" {
				t.Errorf("kilobytes(%q) -want, +got:\n%s", tc.value, diff)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	cases := map[string]struct {
		values []int64
		want   int64
	}{
		"Odd":      {[]int64{5, 1, 3}, 3},
		"EvenLow":  {[]int64{4, 1, 3, 2}, 2},
		"OneValue": {[]int64{9}, 9},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, median(tc.values)); diff != "" {
				t.Errorf("median(%v) -want, +got:\n%s", tc.values, diff)
			}
		})
	}
}

// TestPreEncoded: the codec sends pre-encoded requests as they are and
// otherwise behaves as gRPC's proto codec.
func TestPreEncoded(t *testing.T) {
	req := &fnv1.RunFunctionRequest{Meta: &fnv1.RequestMeta{Tag: "t"}}
	wire, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	c := preEncoded{}

	sent, err := c.Marshal(encodedRequest(wire))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wire, sent); diff != "" {
		t.Errorf("Marshal(encodedRequest) -want, +got:\n%s", diff)
	}

	encoded, err := c.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	got := &fnv1.RunFunctionRequest{}
	if err := c.Unmarshal(encoded, got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(req, got, protocmp.Transform()); diff != "" {
		t.Errorf("Unmarshal(Marshal(req)) -want, +got:\n%s", diff)
	}

	raw := &wireResponse{}
	if err := c.Unmarshal(wire, raw); err != nil {
		t.Fatal(err)
	}
	wire[0]++ // gRPC reuses its buffer: the response must be a copy.
	if diff := cmp.Diff(encoded, raw.Bytes); diff != "" {
		t.Errorf("Unmarshal(wireResponse) -want, +got:\n%s", diff)
	}

	if _, err := c.Marshal("not a message"); err == nil {
		t.Error("Marshal(string) succeeded, want an error")
	}
}

// TestRoundOf: a round's ratios are the peer's p50 and CPU per request
// over the function's; its peak is the function's.
func TestRoundOf(t *testing.T) {
	serial := func(p50 time.Duration, cpu time.Duration) level {
		return level{Requests: 3, Latencies: []time.Duration{p50 / 2, p50, 2 * p50}, ServerCPU: 3 * cpu}
	}
	r := []sideBySide{
		{Name: "function", Serial: serial(4*time.Millisecond, 5*time.Millisecond), Parallel: level{Peak: 90 << 20}},
		{Name: "peer", Serial: serial(22*time.Millisecond, 30*time.Millisecond), Parallel: level{Peak: 250 << 20}},
	}
	if diff := cmp.Diff(round{P50: 5.5, CPU: 6, Peak: 90 << 20}, roundOf(r)); diff != "" {
		t.Errorf("roundOf -want, +got:\n%s", diff)
	}
	if got, want := timesList([]float64{4.456, 5.281}), "4.46x 5.28x"; got != want {
		t.Errorf("timesList: %q, want %q", got, want)
	}
}
