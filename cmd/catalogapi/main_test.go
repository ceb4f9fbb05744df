package main

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

func TestVersion(t *testing.T) {
	cases := map[string]struct {
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		"NoBuildInfo": {want: "unknown"},
		"Released":    {bi: &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, ok: true, want: "v1.2.3"},
		"FromACheckout": {
			bi: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"},
			}},
			ok:   true,
			want: "(devel) abc123+dirty",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := version(tc.bi, tc.ok); got != tc.want {
				t.Errorf("version() = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestVersionFlag: catalogapi --version prints the version and exits 0.
func TestVersionFlag(t *testing.T) {
	var out bytes.Buffer
	exited := -1
	var c cli
	parser := newParser(&c, kong.Writers(&out, &out), kong.Exit(func(code int) { exited = code }))
	_, _ = parser.Parse([]string{"--version"}) // Exit is stubbed: Parse goes on after it.
	if want := version(debug.ReadBuildInfo()); exited != 0 || strings.TrimSpace(out.String()) != want {
		t.Errorf("--version printed %q and exited %d; want the version and 0", out.String(), exited)
	}
}
