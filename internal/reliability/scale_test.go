//go:build reliability

package reliability

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// scaleServer serves n small feeds on loopback with ETags: a conditional
// request for an unchanged feed gets 304. It records when each feed was
// fetched.
type scaleServer struct {
	srv *httptest.Server
	mu  sync.Mutex
	ver []int         // per feed: bumped to publish a new item
	hit [][]time.Time // per feed: request times
	s30 int           // 304s sent
}

func newScaleServer(t testing.TB, n int) *scaleServer {
	s := &scaleServer{ver: make([]int, n), hit: make([][]time.Time, n)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *scaleServer) serve(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, "/f/")
	n, err := strconv.Atoi(strings.TrimSuffix(name, ".xml"))
	if !ok || err != nil || n < 0 || n >= len(s.ver) {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	s.hit[n] = append(s.hit[n], time.Now())
	v := s.ver[n]
	etag := fmt.Sprintf(`"f%d-v%d"`, n, v)
	notModified := r.Header.Get("If-None-Match") == etag
	if notModified {
		s.s30++
	}
	s.mu.Unlock()
	w.Header().Set("ETag", etag)
	if notModified {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/rss+xml")
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>Feed %d</title><link>https://example.org/%d</link>`, n, n)
	for i := v + 2; i >= 0; i-- {
		fmt.Fprintf(&b, `<item><title>Item %d of feed %d</title><link>https://example.org/%d/%d</link><guid>f%d-i%d</guid><description>Some text for item %d.</description><pubDate>%s</pubDate></item>`,
			i, n, n, i, n, i, i, time.Now().Add(-time.Duration(v+3-i)*time.Minute).UTC().Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	fmt.Fprint(w, b.String())
}

// polled is how many feeds were fetched at least k times, and the first
// and last time of their k-th fetch.
func (s *scaleServer) polled(k int) (n int, first, last time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.hit {
		if len(h) < k {
			continue
		}
		n++
		at := h[k-1]
		if first.IsZero() || at.Before(first) {
			first = at
		}
		if at.After(last) {
			last = at
		}
	}
	return n, first, last
}

func (s *scaleServer) config(n int, schedule string) string {
	var b strings.Builder
	b.WriteString("feeds:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - url: %s/f/%d.xml\n    schedule: %q\n", s.srv.URL, i, schedule)
	}
	b.WriteString("fetch:\n  jitter: 0s\n  per_host: 8\n  allow: [127.0.0.1/32]\nlog:\n  level: info\n")
	return b.String()
}

// procStat reads a process's CPU time (user+system) and its resident and
// peak resident memory from /proc.
func procStat(t testing.TB, pid int) (cpu time.Duration, rss, hwm int64) {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("read /proc stat: %v", err)
	}
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const clkTck = 100 // USER_HZ on Linux
	cpu = time.Duration(ut+st) * time.Second / clkTck
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read /proc status: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		var kb int64
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fmt.Sscan(v, &kb)
			rss = kb * 1024
		}
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Sscan(v, &kb)
			hwm = kb * 1024
		}
	}
	return cpu, rss, hwm
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// TestPollScale runs herald with 10,000 feeds on one local server (per_host
// 8, the poller's worker count) and times the second full cycle, when
// almost every feed answers 304 and 1 % have a new item: wall time, CPU per
// poll, peak RSS.
func TestPollScale(t *testing.T) {
	const n = 10000
	srv := newScaleServer(t, n)
	h := newHerald(t, t.TempDir(), srv.config(n, "@every 3m"))
	h.Start()
	pid := h.Pid()
	waitForLong(t, "the first cycle", 10*time.Minute, func() bool { c, _, _ := srv.polled(1); return c == n })
	_, f1, l1 := srv.polled(1)
	t.Logf("first cycle (every feed new, 3 items each): %s", l1.Sub(f1).Round(time.Millisecond))
	srv.mu.Lock()
	for i := 0; i < n; i += 100 {
		srv.ver[i]++
	}
	srv.mu.Unlock()
	waitForLong(t, "the second cycle to start", 10*time.Minute, func() bool { c, _, _ := srv.polled(2); return c > 0 })
	cpu0, _, _ := procStat(t, pid)
	waitForLong(t, "the second cycle", 10*time.Minute, func() bool { c, _, _ := srv.polled(2); return c == n })
	cpu1, rss, hwm := procStat(t, pid)
	_, f2, l2 := srv.polled(2)
	srv.mu.Lock()
	notMod := srv.s30
	srv.mu.Unlock()
	cycle := l2.Sub(f2)
	msg := fmt.Sprintf("poll scale: %d feeds, second cycle %s (%d answered 304, %d new items), CPU %.3f ms per poll, RSS %s, peak RSS %s",
		n, cycle.Round(time.Millisecond), notMod, n/100, float64((cpu1-cpu0).Microseconds())/1000/float64(n), mib(rss), mib(hwm))
	t.Log(msg)
	fmt.Println("BENCH " + msg)
	h.Stop()
}

// TestIdleRSS starts herald with 1,000 feeds, waits for their first poll
// and a quiet minute's worth of ticks, and reads its resident memory.
func TestIdleRSS(t *testing.T) {
	const n = 1000
	srv := newScaleServer(t, n)
	h := newHerald(t, t.TempDir(), srv.config(n, "*/10 * * * *"))
	h.Start()
	waitForLong(t, "the first poll of every feed", 5*time.Minute, func() bool { c, _, _ := srv.polled(1); return c == n })
	time.Sleep(20 * time.Second)
	_, rss, hwm := procStat(t, h.Pid())
	msg := fmt.Sprintf("idle RSS with %d feeds: %s (peak %s)", n, mib(rss), mib(hwm))
	t.Log(msg)
	fmt.Println("BENCH " + msg)
	h.Stop()
}

func waitForLong(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %s waiting for %s", limit, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
