package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/platform/function-catalog-api/internal/preview"
)

// TestPreviewCommand runs the command on the examples and checks its exit
// codes and output.
func TestPreviewCommand(t *testing.T) {
	refused := filepath.Join(t.TempDir(), "xr-refused.yaml")
	xr, err := os.ReadFile("../../examples/xr.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(refused, bytes.Replace(xr, []byte("environmentSuffix: dev"), []byte("environmentSuffix: prod"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	offline := []string{"--live-xr", "../../examples/xr.yaml", "--observed", "../../examples/observed/phase-5.yaml", "--composition", "../../examples/composition.yaml"}
	cases := map[string]struct {
		args     []string
		wantCode int
		wantOut  []string
		wantErr  string
	}{
		"ImageUpdate": {
			args:     append([]string{"-f", "../../examples/xr-image-update.yaml", "-o", "json"}, offline...),
			wantCode: preview.ExitChanges,
			wantOut:  []string{`"action": "replace"`, `"kind": "rolling-deployment"`},
		},
		"NoChange": {
			args:     append([]string{"-f", "../../examples/xr.yaml"}, offline...),
			wantCode: preview.ExitUnchanged,
			wantOut:  []string{"no changes"},
		},
		"Refused": {
			args:     append([]string{"-f", refused}, offline...),
			wantCode: preview.ExitError,
			wantOut:  []string{"REFUSED", "spec.environmentSuffix"},
		},
		"OfflineNeedsTheComposition": {
			args:     []string{"-f", "../../examples/xr.yaml", "--observed", "../../examples/observed/phase-5.yaml"},
			wantCode: preview.ExitError,
			wantErr:  "--composition",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, output, err := runPreview(t, tc.args)
			if got := exitCode(err); got != tc.wantCode {
				t.Errorf("exit code: got %d (%v), want %d", got, err, tc.wantCode)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("error: got %v, want one containing %q", err, tc.wantErr)
			}
			checkOutput(t, out, output, tc.wantOut)
		})
	}
}

// runPreview runs `catalogapi preview args...` and returns its standard
// output and the --output format it parsed.
func runPreview(t *testing.T, args []string) (out, format string, err error) {
	t.Helper()
	var c cli
	var stdout, stderr bytes.Buffer
	c.Preview.stdout, c.Preview.stderr = &stdout, &stderr
	parser, err := kong.New(&c, kong.Name("catalogapi"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := parser.Parse(append([]string{"preview"}, args...))
	if err != nil {
		t.Fatal(err)
	}
	err = ctx.Run()
	return stdout.String(), c.Preview.Output, err
}

func checkOutput(t *testing.T, out, format string, want []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("no colours when the output is not a terminal")
	}
	if format == "json" {
		var r preview.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Errorf("-o json is not JSON: %v", err)
		}
	}
}

func exitCode(err error) int {
	if err == nil {
		return preview.ExitUnchanged
	}
	if e, ok := errors.AsType[exitCodeError](err); ok {
		return e.code
	}
	return exitCodeOf(err)
}
