//go:build reliability

package reliability

import (
	"net/http"
	"testing"
	"time"
)

// TestHealthWithHomeserverDown: /healthz must answer (its probes have 2 s)
// while the Matrix homeserver cannot be reached at all.
func TestHealthWithHomeserverDown(t *testing.T) {
	feed := newFeedServer(t, "health")
	cfg := "feeds:\n  - url: " + feed.URL() + "\nfetch:\n  allow: [127.0.0.1/32]\n" +
		"matrix:\n  homeserver: http://127.0.0.1:1\n  user_id: \"@herald:localhost\"\n  access_token: ${MATRIX_TOKEN}\n"
	h := newHerald(t, t.TempDir(), cfg, "MATRIX_TOKEN="+secretMatrix)
	h.Start()
	time.Sleep(3 * time.Second) // the adapter is retrying by now
	start := time.Now()
	code, body, err := h.Get("/healthz")
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET /healthz with the homeserver down: %d %v after %s (want 200 within the probes' 2 s)", code, err, time.Since(start).Round(time.Millisecond))
	}
	assertNoSecret(t, "/healthz", body)
}
