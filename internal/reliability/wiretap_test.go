package reliability

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// wireTap is a proxy between herald and the fake Discord that keeps the
// bodies of the requests that create or change messages, so a test can
// read what herald really sent (allowed_mentions included, which the fake
// does not keep).
type wireTap struct {
	srv  *httptest.Server
	mu   sync.Mutex
	sent []tapped
}

type tapped struct {
	Method, Path string
	Body         []byte
}

func newWireTap(t testing.TB, target string) *wireTap {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	w := &wireTap{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost || r.Method == http.MethodPatch {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if strings.Contains(r.URL.Path, "/messages") || strings.Contains(r.URL.Path, "/webhooks/") {
				w.mu.Lock()
				w.sent = append(w.sent, tapped{r.Method, r.URL.Path, body})
				w.mu.Unlock()
			}
		}
		proxy.ServeHTTP(rw, r)
	}))
	t.Cleanup(w.srv.Close)
	return w
}

func (w *wireTap) URL() string { return w.srv.URL + "/" }

// Sent are the message requests so far.
func (w *wireTap) Sent() []tapped {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]tapped(nil), w.sent...)
}
