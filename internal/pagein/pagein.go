// Package pagein keeps the function's resident memory to the pages of its
// binary it uses. The binary is large (provider-aws's typed resources), and
// Linux maps a file's pages 64 KiB at a time around every page a process
// touches ("fault-around") and reads ahead of it. Marking the binary's
// read-only mappings MADV_RANDOM turns both off for them, so a touched page
// costs one page: registering the provider's kinds and the first render
// touch code and type data scattered over the binary, and the idle RSS
// fell by about 2 MiB (load driver, README "Performance").
package pagein

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// ReleaseStartupPages drops the binary's read-only pages from the process's
// memory map once start-up is done: the provider's package init functions
// and the registration of its kinds touched pages scattered over the whole
// binary, and fault-around mapped 64 KiB around each. The pages stay in
// the page cache; those the renders use map back in at their first touch
// (a minor fault, no I/O). Only read-only mappings are released, so their
// content is the file's either way. Call it after start-up, before serving.
func ReleaseStartupPages() { forEachReadOnlyMapping(syscall.MADV_DONTNEED) }

// AdviseRandom applies MADV_RANDOM to the executable's read-only mappings
// (code and read-only data). Call it first thing in main. It only advises
// the kernel: any error leaves the default behaviour, and on systems
// without /proc it does nothing.
func AdviseRandom() { forEachReadOnlyMapping(syscall.MADV_RANDOM) }

// forEachReadOnlyMapping gives the kernel this advice for each read-only
// mapping of the executable.
func forEachReadOnlyMapping(advice int) {
	exe, err := os.Executable()
	if err != nil {
		return
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return
	}
	defer func() { _ = f.Close() }() // Read-only: nothing to lose.
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		start, end, ok := readOnlyMappingOf(sc.Bytes(), exe)
		if !ok {
			continue
		}
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, start, end-start, uintptr(advice))
	}
}

// readOnlyMappingOf parses a /proc/self/maps line
// ("start-end perms offset dev inode path") and reports the range if it is
// a read-only (executable or not) mapping of path.
func readOnlyMappingOf(line []byte, path string) (uintptr, uintptr, bool) {
	f := bytes.Fields(line)
	if len(f) < 6 || string(f[5]) != path || len(f[1]) < 2 || f[1][1] != '-' {
		return 0, 0, false
	}
	lo, hi, found := bytes.Cut(f[0], []byte("-"))
	if !found {
		return 0, 0, false
	}
	s, err1 := strconv.ParseUint(string(lo), 16, 64)
	e, err2 := strconv.ParseUint(string(hi), 16, 64)
	if err1 != nil || err2 != nil || e <= s {
		return 0, 0, false
	}
	return uintptr(s), uintptr(e), true
}
