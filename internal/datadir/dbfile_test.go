package datadir

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAcquireDatabaseRefusesSecondProcess holds the lock in a child process
// (flock is per open file, so the refusal must come from another process,
// as it would from a second herald) and checks a second take is refused
// with a message naming the file and PostgreSQL.
func TestAcquireDatabaseRefusesSecondProcess(t *testing.T) {
	if os.Getenv("DATADIR_HOLD_DB") != "" {
		l, err := AcquireDatabase(os.Getenv("DATADIR_HOLD_DB"))
		if err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("held\n")
		buf := make([]byte, 1)
		os.Stdin.Read(buf) // hold until the parent closes stdin
		l.Release()
		os.Exit(0)
	}
	db := filepath.Join(t.TempDir(), "shared", "herald.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestAcquireDatabaseRefusesSecondProcess$")
	cmd.Env = append(os.Environ(), "DATADIR_HOLD_DB="+db)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	line := make([]byte, 5)
	if _, err := stdout.Read(line); err != nil || string(line) != "held\n" {
		t.Fatalf("child did not take the lock: %q %v", line, err)
	}

	_, err = AcquireDatabase(db)
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second AcquireDatabase: got %v, want ErrInUse", err)
	}
	for _, want := range []string{db, "pid", "postgres"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q: want it to mention %q", err, want)
		}
	}

	stdin.Close()
	cmd.Wait()
	l, err := AcquireDatabase(db)
	if err != nil {
		t.Fatalf("AcquireDatabase after the holder exited: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
}
