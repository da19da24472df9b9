package datadir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// AcquireDatabase locks a SQLite database file for this process, through
// an flock on <file>.lock beside it. The data-dir lock alone does not do:
// two herald processes with different data dirs can name the same file
// with database.path, and SQLite (one writer, leases without a shared
// clock of record) serves one herald only. Several instances need
// PostgreSQL, and the error says so.
func AcquireDatabase(file string) (*Lock, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, fmt.Errorf("database path %s: %w", file, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("create the database directory: %w", err)
	}
	path := abs + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		pid := readPID(f)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			who := "another process"
			if pid > 0 {
				who = "pid " + strconv.Itoa(pid)
			}
			return nil, fmt.Errorf("%w: SQLite database %s is used by %s; one SQLite database serves one herald only (stop the other, or use database.driver: postgres to run several instances)", ErrInUse, abs, who)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
			f.Close()
			return nil, fmt.Errorf("write pid to %s: %w", path, err)
		}
	}
	return &Lock{file: f, path: path}, nil
}
