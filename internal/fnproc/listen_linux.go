package fnproc

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// tcpListen is the state of a listening socket in /proc/<pid>/net/tcp.
const tcpListen = "0A"

// listensOn reports whether the process pid itself listens on addr's port:
// a connection to the port alone may reach another process that took it
// first. It matches the inodes of the process's sockets
// (/proc/<pid>/fd) with the listening sockets of the port
// (/proc/<pid>/net/tcp and tcp6).
func listensOn(pid int, addr string) (bool, error) {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("address %q: %w", addr, err)
	}
	port, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return false, fmt.Errorf("address %q: %w", addr, err)
	}
	inodes, err := socketInodes(pid)
	if err != nil {
		return false, err
	}
	for _, table := range []string{"tcp", "tcp6"} {
		found, err := listeningInode(procPath(pid, "net", table), uint16(port), inodes)
		if err != nil || found {
			return found, err
		}
	}
	return false, nil
}

// socketInodes are the inodes of the sockets the process has open.
func socketInodes(pid int) (map[string]bool, error) {
	dir := procPath(pid, "fd")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	inodes := map[string]bool{}
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		if inode, ok := strings.CutPrefix(target, "socket:["); ok {
			inodes[strings.TrimSuffix(inode, "]")] = true
		}
	}
	return inodes, nil
}

// listeningInode reports whether a listening socket on port in a
// /proc/net/tcp table is one of inodes. A line is
// "sl local_address rem_address st ... inode ...", the local address as
// hex IP:hex port.
func listeningInode(table string, port uint16, inodes map[string]bool) (bool, error) {
	f, err := os.Open(table)
	if err != nil {
		return false, fmt.Errorf("open %s: %w", table, err)
	}
	defer func() { _ = f.Close() }()
	suffix := fmt.Sprintf(":%04X", port)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		const inodeField = 9
		fields := strings.Fields(sc.Text())
		if len(fields) <= inodeField || fields[3] != tcpListen || !strings.HasSuffix(fields[1], suffix) {
			continue
		}
		if inodes[fields[inodeField]] {
			return true, nil
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("read %s: %w", table, err)
	}
	return false, nil
}

// procPath is the path of elem under /proc/<pid>.
func procPath(pid int, elem ...string) string {
	return filepath.Join(append([]string{"/proc/" + strconv.Itoa(pid)}, elem...)...)
}
