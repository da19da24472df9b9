package matrix

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
	"time"
)

// fault is what the proxy does to one send request instead of passing it on.
type fault struct {
	status int // answer with this status, header and body without forwarding
	header http.Header
	body   string
	// landThenDrop forwards the request (so the event is sent) and then
	// breaks the connection without an answer.
	landThenDrop bool
	// forgetTxn makes the homeserver see another transaction id for this
	// attempt, as if it had restarted and lost its transaction memory.
	forgetTxn bool
}

// faultProxy stands between the adapter and Dendrite on loopback and
// applies planned faults to message sends, in order.
type faultProxy struct {
	*httptest.Server
	target *url.URL
	mu     sync.Mutex
	plan   []fault
	sends  []time.Time // when each send attempt arrived
}

func newFaultProxy(t *testing.T, target string) *faultProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{target: u}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut || !strings.Contains(r.URL.Path, "/send/m.room.message/") {
			rp.ServeHTTP(w, r)
			return
		}
		p.mu.Lock()
		p.sends = append(p.sends, time.Now())
		var f *fault
		if len(p.plan) > 0 {
			f = &p.plan[0]
			p.plan = p.plan[1:]
		}
		p.mu.Unlock()
		switch {
		case f == nil:
			rp.ServeHTTP(w, r)
		case f.status != 0:
			for k, v := range f.header {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(f.status)
			io.WriteString(w, f.body)
		default:
			path := r.URL.Path
			if f.forgetTxn {
				path += "-before-restart"
			}
			p.forward(t, r, path)
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Errorf("proxy: %v", err)
				return
			}
			conn.Close()
		}
	}))
	t.Cleanup(p.Close)
	return p
}

// forward sends r to the homeserver at path and throws the answer away.
func (p *faultProxy) forward(t *testing.T, r *http.Request, path string) {
	body, _ := io.ReadAll(r.Body)
	u := *p.target
	u.Path = path
	req, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		t.Errorf("proxy: %v", err)
		return
	}
	req.Header = r.Header.Clone()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("proxy: %v", err)
		return
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
}

func (p *faultProxy) setPlan(plan ...fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.plan, p.sends = plan, nil
}

func (p *faultProxy) attempts() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.sends...)
}
