package reliability

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
)

// Recognizable secrets: none of them may ever show in a log line, an error,
// `herald check` or a web page.
const (
	secretDiscord  = "SeKrEt-discord-token-4f2a9c0e"
	secretMatrix   = "SeKrEt-matrix-token-7d31e0aa"
	secretDatabase = "SeKrEt-db-password-91bb5c"
)

var secrets = []string{secretDiscord, secretMatrix, secretDatabase}

func assertNoSecret(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range secrets {
		// A token cut in half would still leak; look for its first 12 bytes.
		if strings.Contains(text, s[:12]) && strings.Contains(text, s[len(s)-6:]) || strings.Contains(text, s) {
			t.Errorf("%s shows the secret %q:\n%s", where, s, tail(text, 2000))
		}
	}
}

// TestSecretsNeverShown runs herald with a Discord token the fake refuses
// and a Matrix token and password a homeserver refuses, then a PostgreSQL
// DSN with a password to a port nothing listens on, and reads every log
// line, error, `herald check` output and web page for the secrets.
func TestSecretsNeverShown(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts herald")
	}
	fake := discordtest.New(discordtest.Config{NoRateLimits: true})
	t.Cleanup(fake.Close)
	channel := fake.AddTextChannel("news")
	// A homeserver that refuses every token and password.
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/login") {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"errcode":"M_FORBIDDEN","error":"Invalid username or password"}`)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"errcode":"M_UNKNOWN_TOKEN","error":"Unknown token"}`)
	}))
	t.Cleanup(refusing.Close)
	feed := newFeedServer(t, "secrets")
	feed.Publish(0)
	dir := t.TempDir()
	cfg := `feeds:
  - url: ` + feed.URL() + `
    routes:
      - to: discord:` + channel + `
      - to: "matrix:!room:localhost"
fetch:
  allow: [127.0.0.1/32]
discord:
  token: ${DISCORD_TOKEN}
  api_base: ` + fake.URL() + `
matrix:
  homeserver: ` + refusing.URL + `
  user_id: "@herald:localhost"
  access_token: ${MATRIX_TOKEN}
  password: ${MATRIX_PASSWORD}
log:
  level: debug
`
	env := []string{"DISCORD_TOKEN=" + secretDiscord, "MATRIX_TOKEN=" + secretMatrix, "MATRIX_PASSWORD=" + secretDatabase}
	h := newHerald(t, dir, cfg, env...)
	h.Start()

	// Let both adapters fail and retry a few times.
	waitFor(t, "both adapters to report their failures", func() bool {
		logs := strings.ToLower(h.Logs())
		return strings.Contains(logs, "the bot token was refused") && strings.Contains(logs, "m_unknown_token")
	})
	time.Sleep(3 * time.Second)
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/", "/api/articles", "/articles/1", "/nope"} {
		_, body, err := h.Get(path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		assertNoSecret(t, "GET "+path, body)
	}
	code, ready, _ := h.Get("/readyz")
	if code == http.StatusOK {
		t.Errorf("/readyz: got 200 with a refused token and no homeserver, want 503: %s", ready)
	}
	check := exec.Command(heraldBinary(t), "check", "-config", filepath.Join(dir, "herald.yaml"))
	check.Env = append(os.Environ(), env...)
	out, _ := check.CombinedOutput()
	assertNoSecret(t, "herald check", string(out))
	h.Stop()
	logs := h.Logs()
	assertNoSecret(t, "herald's log", logs)
	for _, want := range []string{"the bot token was refused", "M_UNKNOWN_TOKEN"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log never mentions %q: the errors this test provokes did not happen", want)
		}
	}

	// The database password: a DSN to a port nothing listens on.
	pgDir := t.TempDir()
	pgCfg := "database:\n  driver: postgres\n  dsn: ${DATABASE_URL}\n"
	if err := os.WriteFile(filepath.Join(pgDir, "herald.yaml"), []byte(pgCfg), 0o600); err != nil {
		t.Fatal(err)
	}
	dbEnv := append(os.Environ(), "DATABASE_URL=postgres://herald:"+secretDatabase+"@127.0.0.1:1/herald?connect_timeout=2")
	for _, args := range [][]string{
		{"run", "-config", "herald.yaml", "-listen", "127.0.0.1:0"},
		{"migrate", "-config", "herald.yaml"},
		{"check", "-config", "herald.yaml"},
	} {
		cmd := exec.Command(heraldBinary(t), args...)
		cmd.Dir, cmd.Env = pgDir, dbEnv
		done := make(chan []byte, 1)
		go func() { out, _ := cmd.CombinedOutput(); done <- out }()
		select {
		case out := <-done:
			assertNoSecret(t, "herald "+args[0]+" with an unreachable database", string(out))
			if args[0] != "check" && !strings.Contains(string(out), "127.0.0.1") {
				t.Errorf("herald %s: the error does not say which database failed:\n%s", args[0], out)
			}
		case <-time.After(waitLimit):
			_ = cmd.Process.Kill()
			t.Fatalf("herald %s with an unreachable database did not end", args[0])
		}
	}
	t.Logf("secrets: 3 secrets, 0 shown (logs of %d lines, 7 web paths, herald check, run/migrate/check on a dead database)", strings.Count(logs, "\n"))
}
