package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAppendEnv(t *testing.T) {
	cases := map[string]struct {
		setting string
		want    []string
		wantErr bool
	}{
		"Setting":    {setting: "GOGC=300", want: []string{"GOMEMLIMIT=48MiB", "GOGC=300"}},
		"EmptyValue": {setting: "GOGC=", want: []string{"GOMEMLIMIT=48MiB", "GOGC="}},
		"NoEquals":   {setting: "GOGC", wantErr: true},
		"NoName":     {setting: "=300", wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := appendEnv([]string{"GOMEMLIMIT=48MiB"}, tc.setting)
			if (err != nil) != tc.wantErr {
				t.Fatalf("appendEnv(%q) error = %v, want error %v", tc.setting, err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); !tc.wantErr && diff != "" {
				t.Errorf("appendEnv(%q) -want, +got:\n%s", tc.setting, diff)
			}
		})
	}
}

func TestParseLevels(t *testing.T) {
	got, err := parseLevels("1, 8,64")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{1, 8, 64}, got); diff != "" {
		t.Errorf("parseLevels -want, +got:\n%s", diff)
	}
	for _, bad := range []string{"0", "1,x", ""} {
		if _, err := parseLevels(bad); err == nil {
			t.Errorf("parseLevels(%q) succeeded, want an error", bad)
		}
	}
}
