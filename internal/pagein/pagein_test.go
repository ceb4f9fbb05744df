package pagein

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadOnlyMappingOf(t *testing.T) {
	const exe = "/usr/bin/fn"
	type want struct {
		Start, End uintptr
		OK         bool
	}
	cases := map[string]struct {
		line string
		want want
	}{
		"Code":           {line: "00400000-01a00000 r-xp 00000000 08:01 42 /usr/bin/fn", want: want{0x400000, 0x1a00000, true}},
		"ReadOnlyData":   {line: "01a00000-02000000 r--p 01600000 08:01 42 /usr/bin/fn", want: want{0x1a00000, 0x2000000, true}},
		"Writable":       {line: "02000000-02100000 rw-p 01c00000 08:01 42 /usr/bin/fn", want: want{}},
		"OtherFile":      {line: "7f0000000000-7f0000100000 r-xp 00000000 08:01 7 /usr/lib/libc.so.6", want: want{}},
		"Anonymous":      {line: "c000000000-c000400000 rw-p 00000000 00:00 0", want: want{}},
		"EmptyRange":     {line: "00400000-00400000 r-xp 00000000 08:01 42 /usr/bin/fn", want: want{}},
		"NotHexadecimal": {line: "zz-01a00000 r-xp 00000000 08:01 42 /usr/bin/fn", want: want{}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s, e, ok := readOnlyMappingOf([]byte(tc.line), exe)
			if diff := cmp.Diff(tc.want, want{s, e, ok}); diff != "" {
				t.Errorf("readOnlyMappingOf(%q) -want, +got:\n%s", tc.line, diff)
			}
		})
	}
}
