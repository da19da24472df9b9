package reliability

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
)

// heraldBinary is the herald command built for these tests.
func heraldBinary(t testing.TB) string { return heraldbin.Build(t) }

// herald is one `herald run` process after another over the same config
// and data dir: Start, Kill (SIGKILL) or Stop (SIGTERM), Start again.
type herald struct {
	t       testing.TB
	config  string
	dataDir string
	env     []string

	mu      sync.Mutex
	logs    strings.Builder // every process's stderr, in order
	cmd     *exec.Cmd
	done    chan error
	base    string // http://addr of the running process's web server
	started int    // processes started
}

func newHerald(t testing.TB, dir, config string, env ...string) *herald {
	t.Helper()
	path := filepath.Join(dir, "herald.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	h := &herald{t: t, config: path, dataDir: filepath.Join(dir, "data"), env: env}
	t.Cleanup(func() {
		h.mu.Lock()
		cmd := h.cmd
		h.mu.Unlock()
		if cmd != nil {
			_ = cmd.Process.Kill()
			<-h.done
		}
		if t.Failed() {
			t.Logf("herald logs (tail):\n%s", tail(h.Logs(), 12000))
		}
	})
	return h
}

// Start runs a new process and waits until it serves HTTP.
func (h *herald) Start() {
	h.t.Helper()
	if err := h.start(); err != nil {
		h.t.Fatal(err)
	}
}

// start is Start for any goroutine: it returns what went wrong.
func (h *herald) start() error {
	cmd := exec.Command(heraldBinary(h.t), "run", "-config", h.config, "-data", h.dataDir, "-listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), h.env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start herald: %w", err)
	}
	addr := make(chan string, 1)
	done := make(chan error, 1)
	h.mu.Lock()
	h.cmd, h.done = cmd, done
	h.started++
	fmt.Fprintf(&h.logs, "---- herald process %d (pid %d)\n", h.started, cmd.Process.Pid)
	h.mu.Unlock()
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			h.mu.Lock()
			h.logs.WriteString(line + "\n")
			h.mu.Unlock()
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "serving http" {
				select {
				case addr <- rec.Addr:
				default:
				}
			}
		}
		done <- cmd.Wait()
	}()
	select {
	case a := <-addr:
		h.mu.Lock()
		h.base = a
		h.mu.Unlock()
		return nil
	case err := <-done:
		done <- err
		return fmt.Errorf("herald exited at start: %v\n%s", err, tail(h.Logs(), 4000))
	case <-time.After(waitLimit):
		return fmt.Errorf("herald logged no HTTP address within %s", waitLimit)
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (h *herald) Kill() { h.signal(syscall.SIGKILL) }

// Stop sends SIGTERM and waits for the process to exit.
func (h *herald) Stop() { h.signal(syscall.SIGTERM) }

func (h *herald) signal(sig syscall.Signal) {
	h.t.Helper()
	h.mu.Lock()
	cmd, done := h.cmd, h.done
	h.cmd = nil
	h.mu.Unlock()
	if cmd == nil {
		return
	}
	if err := cmd.Process.Signal(sig); err != nil {
		h.t.Fatalf("signal herald: %v", err)
	}
	select {
	case <-done:
	case <-time.After(waitLimit):
		h.t.Fatalf("herald did not exit within %s of %v", waitLimit, sig)
	}
	h.mu.Lock()
	fmt.Fprintf(&h.logs, "---- herald process %d got %v\n", h.started, sig)
	h.mu.Unlock()
}

// Base is the running process's web address (http://host:port).
func (h *herald) Base() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.base
}

// Pid is the running process's id.
func (h *herald) Pid() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cmd.Process.Pid
}

// Logs is what every process wrote to stderr so far.
func (h *herald) Logs() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.logs.String()
}

// Get fetches a path of the running process's web server.
func (h *herald) Get(path string) (int, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.Base()+path, nil)
	if err != nil {
		return 0, "", err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, string(body), err
}

// OutboxPending reads herald_outbox_pending from /metrics, summed over
// platforms; -1 when it cannot be read.
func (h *herald) OutboxPending() int {
	code, body, err := h.Get("/metrics")
	if err != nil || code != http.StatusOK {
		return -1
	}
	n, seen := 0, false
	for _, line := range strings.Split(body, "\n") {
		if !strings.HasPrefix(line, "herald_outbox_pending") {
			continue
		}
		var v float64
		if _, err := fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v); err == nil {
			n += int(v)
			seen = true
		}
	}
	if !seen {
		return 0
	}
	return n
}

// waitLimit bounds every wait for something to happen; it guards against a
// hang on a loaded machine and is not a measure of speed.
const waitLimit = 2 * time.Minute

// waitFor polls cond until it holds or waitLimit passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %s waiting for %s", waitLimit, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// settle polls cond until it holds (true) or waitLimit passes (false).
func settle(cond func() bool) bool {
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(200 * time.Millisecond)
	}
	return true
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
