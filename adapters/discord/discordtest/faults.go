package discordtest

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
)

// Faults is a proxy in front of a Server that answers a share of REST
// requests with a fault instead of the Server's answer, for tests of how a
// client copes with a Discord that misbehaves: a 429 (not announced by the
// rate-limit headers), a 500, 502 or 503, or a request that the Server
// applies but whose answer never arrives (the connection is cut, as when a
// request times out after it reached Discord). Give a client in another
// process URL instead of the Server's. The gateway is not proxied: GET
// /gateway names the Server's own websocket.
type Faults struct {
	http  *httptest.Server
	mu    sync.Mutex
	rng   *rand.Rand
	rate  float64
	count map[string]int
}

// FaultKinds are the faults injected, each as likely as the others.
var FaultKinds = []string{"429", "500", "502", "503", "lost"}

// NewFaults starts a proxy for s that faults rate (0 to 1) of the REST
// requests, chosen by a generator seeded with seed. Close it when done.
func NewFaults(s *Server, rate float64, seed uint64) *Faults {
	target, _ := url.Parse(s.http.URL)
	f := &Faults{rng: rand.New(rand.NewPCG(seed, seed+1)), rate: rate, count: map[string]int{}}
	proxy := httputil.NewSingleHostReverseProxy(target)
	f.http = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind := f.pick(r)
		switch kind {
		case "":
			proxy.ServeHTTP(w, r)
		case "429":
			// A route limit the headers did not announce (shared buckets do
			// this); Discord says how long to wait in the body.
			w.Header().Set("Retry-After", "1")
			w.Header().Set("X-RateLimit-Scope", "shared")
			writeJSON(w, http.StatusTooManyRequests, map[string]any{
				"message": "You are being rate limited.", "retry_after": 0.2, "global": false}, nil)
		case "lost":
			// Let the Server apply the request, then cut the connection
			// before the answer is written.
			rec := httptest.NewRecorder()
			proxy.ServeHTTP(rec, r)
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		default:
			code := map[string]int{"500": 500, "502": 502, "503": 503}[kind]
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(code)
			_, _ = w.Write([]byte("<html><body>" + http.StatusText(code) + "</body></html>"))
		}
	}))
	return f
}

func (f *Faults) pick(r *http.Request) string {
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		return ""
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count["requests"]++
	if f.rng.Float64() >= f.rate {
		return ""
	}
	kind := FaultKinds[f.rng.IntN(len(FaultKinds))]
	f.count[kind]++
	return kind
}

// URL is the proxy's base URL, to use as the client's API base.
func (f *Faults) URL() string { return f.http.URL + "/" }

// Counts are the REST requests seen ("requests") and the faults injected,
// by kind.
func (f *Faults) Counts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for k, v := range f.count {
		out[k] = v
	}
	return out
}

// Close stops the proxy.
func (f *Faults) Close() {
	f.http.CloseClientConnections()
	f.http.Close()
}
