package dendritetest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// sysProcAttr kills Dendrite when the test binary dies, so a crashed or
// interrupted test run leaves no homeserver behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// checkLoopbackOnly reads the process's sockets from /proc and fails when
// any TCP socket listens on an address other than 127.0.0.1 or ::1: the test
// server must not be reachable from elsewhere, whatever its config says.
func checkLoopbackOnly(pid int) error {
	inodes, err := socketInodes(pid)
	if err != nil {
		return err
	}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		listening, err := listeners(table)
		if err != nil {
			return err
		}
		for inode, local := range listening {
			if !inodes[inode] {
				continue
			}
			if !loopbackHex(local) {
				return fmt.Errorf("dendrite (pid %d) listens on %s (%s), not only on loopback", pid, local, table)
			}
		}
	}
	return nil
}

// socketInodes lists the socket inodes among a process's open files.
func socketInodes(pid int) (map[string]bool, error) {
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(fdDir)
	if err != nil {
		return nil, fmt.Errorf("check dendrite's sockets: %w", err)
	}
	out := map[string]bool{}
	for _, e := range entries {
		link, err := os.Readlink(filepath.Join(fdDir, e.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		if inode, ok := strings.CutPrefix(link, "socket:["); ok {
			out[strings.TrimSuffix(inode, "]")] = true
		}
	}
	return out, nil
}

// listeners maps the inode of every listening socket in a /proc/net/tcp*
// table to its hex local address.
func listeners(table string) (map[string]string, error) {
	f, err := os.Open(table)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil // no IPv6 on this machine
		}
		return nil, fmt.Errorf("check dendrite's sockets: %w", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[3] != "0A" { // 0A is TCP_LISTEN
			continue
		}
		out[f[9]] = f[1]
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("check dendrite's sockets: read %s: %w", table, err)
	}
	return out, nil
}

// loopbackHex reports whether a /proc/net/tcp* local address (hex IP in host
// byte order, colon, hex port) is 127.0.0.0/8 or ::1.
func loopbackHex(local string) bool {
	ip, _, _ := strings.Cut(local, ":")
	switch len(ip) {
	case 8: // IPv4, little-endian on the machines we run on: 0100007F is 127.0.0.1
		return strings.HasSuffix(ip, "7F")
	case 32:
		return ip == "00000000000000000000000001000000" || // ::1
			strings.HasPrefix(ip, "0000000000000000FFFF0000") && strings.HasSuffix(ip, "7F") // ::ffff:127.x
	}
	return false
}
