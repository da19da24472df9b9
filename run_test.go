package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heraldchat/herald/internal/heraldbin"
	"github.com/heraldchat/herald/store"
)

// heraldBinary is the herald command built for these tests.
func heraldBinary(t *testing.T) string { return heraldbin.Build(t) }

// daemon is a running `herald run` process.
type daemon struct {
	cmd  *exec.Cmd
	addr chan string
	done chan error
	logs strings.Builder
	mu   sync.Mutex
}

func startDaemon(t *testing.T, dir string, args ...string) *daemon {
	t.Helper()
	cmd := exec.Command(heraldBinary(t), append([]string{"run", "-listen", "127.0.0.1:0"}, args...)...)
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{cmd: cmd, addr: make(chan string, 1), done: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			d.mu.Lock()
			d.logs.WriteString(line + "\n")
			d.mu.Unlock()
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "serving http" {
				d.addr <- rec.Addr
			}
		}
		d.done <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return d
}

func (d *daemon) log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.logs.String()
}

func TestRunOnEmbeddedDefaults(t *testing.T) {
	dir := t.TempDir()
	first := startDaemon(t, dir)
	var base string
	select {
	case base = <-first.addr:
	case err := <-first.done:
		t.Fatalf("herald run exited early: %v\n%s", err, first.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("no HTTP address logged within 30 s:\n%s", first.log())
	}

	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/healthz: got %d, want 200: %s", resp.StatusCode, body)
	}
	var health struct {
		Status     string
		Components []struct{ Name, State string }
	}
	if err := json.Unmarshal(body, &health); err != nil {
		t.Fatalf("/healthz body is not JSON: %v: %s", err, body)
	}
	states := map[string]string{}
	for _, c := range health.Components {
		states[c.Name] = c.State
	}
	want := map[string]string{"store": "ok", "discord": "not configured", "matrix": "not configured"}
	for name, state := range want {
		if states[name] != state {
			t.Errorf("/healthz %s: got %q, want %q (body %s)", name, states[name], state, body)
		}
	}

	// A second daemon on the same data dir must refuse, naming the first.
	second := exec.Command(heraldBinary(t), "run", "-listen", "127.0.0.1:0")
	second.Dir = dir
	out, err := second.CombinedOutput()
	if err == nil {
		t.Fatalf("second herald run on the same data dir succeeded:\n%s", out)
	}
	if want := fmt.Sprintf("data dir in use by pid %d", first.cmd.Process.Pid); !strings.Contains(string(out), want) {
		t.Errorf("second herald run: got %q, want it to say %q", out, want)
	}

	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-first.done:
		if err != nil {
			t.Errorf("herald run after SIGTERM: %v\n%s", err, first.log())
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("herald run did not stop within 5 s of SIGTERM:\n%s", first.log())
	}

	// The database opens cleanly afterwards and holds the example feed.
	db, err := store.Open(context.Background(), "sqlite", filepath.Join(dir, "data", "herald.db"))
	if err != nil {
		t.Fatalf("open the database after SIGTERM: %v", err)
	}
	defer db.Close()
	fs, err := db.ListFeeds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || !strings.HasSuffix(fs[0].URL, "example-feed.xml") {
		t.Errorf("feeds after the first run: got %+v, want the bundled example feed", fs)
	}
}

func TestRunRejectsBadFlagsAndConfig(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("feeds:\n  - url: ftp://example.org/feed\n    shedule: \"@hourly\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"run", "-nope"}, "flag provided but not defined: -nope"},
		{"bad log level", []string{"run", "-log-level", "loud"}, `log level "loud"`},
		{"bad config", []string{"run", "-config", bad}, "bad.yaml:3"},
		{"missing config", []string{"run", "-config", filepath.Join(dir, "absent.yaml")}, "absent.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := dispatch(context.Background(), tc.args, &stdout, &stderr)
			if code != 1 && code != 2 {
				t.Errorf("exit code: got %d, want 1 or 2", code)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr: got %q, want it to contain %q", stderr.String(), tc.want)
			}
		})
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			if code := dispatch(context.Background(), []string{c.name, "-h"}, &stdout, &stderr); code != 0 {
				t.Errorf("herald %s -h: exit %d, want 0", c.name, code)
			}
			if !strings.Contains(stderr.String()+stdout.String(), "Usage: herald "+c.name) {
				t.Errorf("herald %s -h printed %q, want a usage line", c.name, stderr.String())
			}
		})
	}
}
