package main

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// waitAddr returns a daemon's HTTP base URL or fails the test.
func waitAddr(t *testing.T, d *daemon) string {
	t.Helper()
	select {
	case base := <-d.addr:
		return base
	case err := <-d.done:
		t.Fatalf("herald run exited early: %v\n%s", err, d.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("no HTTP address logged within 30 s:\n%s", d.log())
	}
	return ""
}

// TestReadyzNeedsConnectedAdapters: with Discord configured but
// unreachable, the process is alive (/healthz 200) but not ready (/readyz
// 503 naming Discord), and /metrics serves Herald's metrics.
func TestReadyzNeedsConnectedAdapters(t *testing.T) {
	dir := t.TempDir()
	// A loopback port nobody listens on: Discord is down.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/"
	ln.Close()
	cfg := filepath.Join(dir, "herald.yaml")
	if err := os.WriteFile(cfg, []byte("discord:\n  token: ${TEST_DISCORD_TOKEN}\n  api_base: "+dead+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEST_DISCORD_TOKEN", "not-a-real-token")
	d := startDaemon(t, dir, "-config", cfg)
	base := waitAddr(t, d)

	if code, body := httpGet(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: got %d, want 200: %s", code, body)
	}
	code, body := httpGet(t, base+"/readyz")
	if code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with Discord down: got %d, want 503: %s", code, body)
	}
	var rep struct {
		Components []struct{ Name, State, Error string }
	}
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatalf("/readyz body: %v: %s", err, body)
	}
	states := map[string]string{}
	for _, c := range rep.Components {
		states[c.Name] = c.State + "/" + c.Error
	}
	if got := states["discord"]; !strings.HasPrefix(got, "connecting/") || !strings.Contains(got, "not connected") {
		t.Errorf("/readyz discord: got %q, want connecting with an error", got)
	}
	if got := states["store"]; got != "ok/" {
		t.Errorf("/readyz store: got %q, want ok", got)
	}
	code, body = httpGet(t, base+"/metrics")
	if code != http.StatusOK || !strings.Contains(body, `herald_feed_polls_total{outcome="new"}`) || !strings.Contains(body, `herald_articles_total{change="new"}`) {
		t.Errorf("/metrics: got %d without Herald's metrics:\n%.2000s", code, body)
	}
}

// TestSQLiteRefusesASecondInstance: two data dirs naming one SQLite file
// (database.path) cannot both run; the second says why and what to do.
func TestSQLiteRefusesASecondInstance(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "herald.yaml")
	db := filepath.Join(dir, "shared", "herald.db")
	if err := os.WriteFile(cfg, []byte("database:\n  path: "+db+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	first := startDaemon(t, dir, "-config", cfg, "-data", filepath.Join(dir, "a"))
	waitAddr(t, first)

	second := exec.Command(heraldBinary(t), "run", "-listen", "127.0.0.1:0", "-config", cfg, "-data", filepath.Join(dir, "b"))
	second.Dir = dir
	out, err := second.CombinedOutput()
	if err == nil {
		t.Fatalf("a second herald on the same SQLite file started:\n%s", out)
	}
	for _, want := range []string{"SQLite database " + db, "pid", "postgres"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("second herald: got %q, want it to say %q", out, want)
		}
	}
}
