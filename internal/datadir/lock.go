// Package datadir guards Herald's data directory so that two processes never
// share one SQLite database by accident.
package datadir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ErrInUse is returned (wrapped) when another live process holds the lock.
var ErrInUse = errors.New("data dir in use")

// Lock is a held lock on a data directory.
type Lock struct {
	file *os.File
	path string
}

// Acquire creates dir if needed and takes an exclusive, non-blocking flock on
// dir/herald.pid, then writes our pid into it. The kernel drops the lock when
// the process dies, even by kill -9, so a stale file never blocks a restart.
func Acquire(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, "herald.pid")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		pid := readPID(f)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			if pid > 0 {
				return nil, fmt.Errorf("%w by pid %d: %s (stop that herald first, or give this one another -data dir)", ErrInUse, pid, dir)
			}
			return nil, fmt.Errorf("%w by another process: %s", ErrInUse, dir)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("write pid to %s: %w", path, err)
		}
	}
	return &Lock{file: f, path: path}, nil
}

func readPID(f *os.File) int {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	pid, _ := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	return pid
}

// Release drops the lock and removes the pid file.
func (l *Lock) Release() error {
	if l == nil || l.file == nil {
		return nil
	}
	// Remove first: once unlocked, another process may already own the path.
	os.Remove(l.path)
	err := l.file.Close()
	l.file = nil
	return err
}
