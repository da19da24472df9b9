package feeds

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// hostileCase is one way a feed server can try to hurt Herald, and the
// sentence Herald must answer with.
type hostileCase struct {
	name    string
	opts    Options
	handler http.HandlerFunc
	path    string                            // requested path, "/" when empty
	url     func(srv *httptest.Server) string // overrides srv.URL+path
	check   func(t *testing.T, srv string, resp *Response, err error)
}

// wantErr checks that err's message contains every part, srv replaced by the
// server's URL.
func wantErr(parts ...string) func(*testing.T, string, *Response, error) {
	return func(t *testing.T, srv string, _ *Response, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("Fetch succeeded, want an error containing %q", parts)
		}
		for _, p := range parts {
			p = strings.ReplaceAll(p, "SRV", srv)
			if !strings.Contains(err.Error(), p) {
				t.Errorf("error = %q, want it to contain %q", err, p)
			}
		}
	}
}

// wantParseErr fetches successfully and checks Parse's error.
func wantParse(check func(t *testing.T, f *Feed, err error)) func(*testing.T, string, *Response, error) {
	return func(t *testing.T, _ string, resp *Response, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		f, err := Parse(resp.Body, resp.FinalURL, time.Now())
		check(t, f, err)
	}
}

// gzipBomb is 64 MiB of zeros in about 64 KiB: one compressed MiB repeated
// as 64 gzip members, which a gzip reader reads as one stream. Built once,
// before any server starts, so building it never eats a fetch's timeout.
var gzipBomb = sync.OnceValue(func() []byte {
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	return bytes.Repeat(member.Bytes(), 64)
})

func billionLaughs() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">`)
	prev := "lol"
	for i := 1; i <= 9; i++ {
		name := fmt.Sprintf("lol%d", i)
		fmt.Fprintf(&b, `<!ENTITY %s "%s">`, name, strings.Repeat("&"+prev+";", 10))
		prev = name
	}
	b.WriteString(`]><rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><guid>x</guid></item></channel></rss>`)
	return b.String()
}

// untilGone keeps a handler alive until the client hangs up, writing chunk
// every interval.
func untilGone(w http.ResponseWriter, r *http.Request, chunk []byte, interval time.Duration) {
	w.Header().Set("Content-Type", "application/rss+xml")
	w.WriteHeader(http.StatusOK)
	fl := w.(http.Flusher)
	for {
		if _, err := w.Write(chunk); err != nil {
			return
		}
		fl.Flush()
		select {
		case <-r.Context().Done():
			return
		case <-time.After(interval):
		}
	}
}

func hostileCases() []hostileCase {
	gzipBomb()
	private := Options{AllowPrivate: true}
	return []hostileCase{
		{
			name: "gzip bomb",
			opts: private,
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				w.Header().Set("Content-Type", "application/rss+xml")
				w.Write(gzipBomb())
			},
			check: wantErr("body larger than 10 MiB"),
		},
		{
			name: "endless body",
			opts: private,
			handler: func(w http.ResponseWriter, r *http.Request) {
				untilGone(w, r, bytes.Repeat([]byte("<item>"), 10000), 0)
			},
			check: wantErr("body larger than 10 MiB"),
		},
		{
			name: "declared length over the cap",
			opts: Options{AllowPrivate: true, MaxBody: 1 << 20},
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", fmt.Sprint(2<<20))
				w.Write(make([]byte, 2<<20))
			},
			check: wantErr("body larger than 1 MiB"),
		},
		{
			name: "body trickling one byte every 2 s",
			opts: Options{AllowPrivate: true, Timeout: 3 * time.Second, HeaderTimeout: time.Second},
			handler: func(w http.ResponseWriter, r *http.Request) {
				untilGone(w, r, []byte("<"), 2*time.Second)
			},
			check: wantErr("timed out after 3s reading the body from SRV/"),
		},
		{
			name: "headers never come",
			opts: Options{AllowPrivate: true, Timeout: 5 * time.Second, HeaderTimeout: 500 * time.Millisecond},
			handler: func(w http.ResponseWriter, r *http.Request) {
				<-r.Context().Done()
			},
			check: wantErr("timed out after 500ms waiting for response headers from SRV/"),
		},
		{
			name: "redirect loop",
			opts: private,
			path: "/a",
			handler: func(w http.ResponseWriter, r *http.Request) {
				next := map[string]string{"/a": "/b", "/b": "/a"}[r.URL.Path]
				http.Redirect(w, r, next, http.StatusFound)
			},
			check: wantErr("redirect loop: SRV/a → SRV/b → SRV/a"),
		},
		{
			name: "too many redirects",
			opts: private,
			path: "/r0",
			handler: func(w http.ResponseWriter, r *http.Request) {
				var n int
				fmt.Sscanf(r.URL.Path, "/r%d", &n)
				http.Redirect(w, r, fmt.Sprintf("/r%d", n+1), http.StatusFound)
			},
			check: wantErr("more than 5 redirects: SRV/r0 → ", "→ SRV/r6"),
		},
		{
			name: "redirect to another scheme",
			opts: private,
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "gopher://127.0.0.1/feed", http.StatusFound)
			},
			check: wantErr(`redirect to unsupported scheme "gopher"`),
		},
		{
			name:    "loopback by IP",
			opts:    Options{},
			handler: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(rssDoc("x", 1))) },
			check:   wantErr("refused: 127.0.0.1 is a loopback address (allow it in fetch.allow)"),
		},
		{
			name:    "loopback by name",
			opts:    Options{},
			handler: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(rssDoc("x", 1))) },
			url:     func(srv *httptest.Server) string { return strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) },
			check:   wantErr("refused: ", "is a loopback address (allow it in fetch.allow)"),
		},
		{
			// A name that resolves to loopback the way a rebinding DNS server
			// would answer on the second lookup.
			name: "rebinding name",
			opts: Options{Resolver: loopbackResolver{names: map[string][]netip.Addr{
				"news.rebind.test": {netip.MustParseAddr("127.0.0.1")},
			}}},
			handler: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(rssDoc("x", 1))) },
			url:     func(srv *httptest.Server) string { return strings.Replace(srv.URL, "127.0.0.1", "news.rebind.test", 1) },
			check:   wantErr("refused: 127.0.0.1 is a loopback address"),
		},
		{
			// The first hop is allowed by the allow-list; the redirect to
			// another loopback address is checked again at connect time.
			name: "redirect to a refused address",
			opts: Options{Allow: []string{"127.0.0.1/32"}},
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, port, _ := strings.Cut(r.Host, ":")
				http.Redirect(w, r, "http://[::1]:"+port+"/", http.StatusFound)
			},
			check: wantErr("refused: ::1 is a loopback address"),
		},
		{
			name: "entity expansion",
			opts: private,
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				w.Write([]byte(billionLaughs()))
			},
			check: wantParse(func(t *testing.T, f *Feed, err error) {
				if !errors.Is(err, ErrEntityDeclarations) {
					t.Errorf("Parse error = %v, want ErrEntityDeclarations", err)
				}
			}),
		},
		{
			name: "invalid UTF-8",
			opts: private,
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Caf\xe9 \xff</title><item><title>Cr\xe8me \xc3\x28 br\xfbl\xe9e</title><guid>1</guid></item></channel></rss>"))
			},
			check: wantParse(func(t *testing.T, f *Feed, err error) {
				if err != nil {
					t.Fatalf("Parse: %v, want invalid bytes repaired", err)
				}
				if want := "Caf\uFFFD \uFFFD"; f.Title != want {
					t.Errorf("feed title = %q, want %q", f.Title, want)
				}
				if len(f.Items) != 1 || !strings.HasPrefix(f.Items[0].Title, "Cr\uFFFDme") {
					t.Errorf("items = %+v, want one repaired item", f.Items)
				}
			}),
		},
		{
			name: "100,000 items",
			opts: private,
			handler: func(w http.ResponseWriter, r *http.Request) {
				var b strings.Builder
				b.WriteString(`<rss version="2.0"><channel><title>Huge</title>`)
				for i := range 100000 {
					fmt.Fprintf(&b, "<item><guid>%d</guid></item>", i)
				}
				b.WriteString(`</channel></rss>`)
				w.Write([]byte(b.String()))
			},
			check: wantParse(func(t *testing.T, f *Feed, err error) {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if len(f.Items) != MaxItems || f.Dropped != 100000-MaxItems {
					t.Errorf("kept %d items, dropped %d; want %d and %d", len(f.Items), f.Dropped, MaxItems, 100000-MaxItems)
				}
			}),
		},
		{
			name: "a million empty items",
			opts: private,
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`<rss version="2.0"><channel><title>Huger</title>`))
				w.Write(bytes.Repeat([]byte("<item/>"), 1000000))
				w.Write([]byte(`</channel></rss>`))
			},
			check: wantParse(func(t *testing.T, f *Feed, err error) {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if len(f.Items) != 1 || f.Dropped != 1000000-MaxItems {
					// Empty items all share one dedup key, so one is kept.
					t.Errorf("kept %d items, dropped %d; want 1 and %d", len(f.Items), f.Dropped, 1000000-MaxItems)
				}
			}),
		},
		{
			// The JSON pre-check counted "id" keys, which items need not
			// have: a million {} went whole to gofeed, some 600 MB of heap.
			name: "a million empty JSON Feed items",
			opts: private,
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/feed+json")
				w.Write([]byte(`{"version":"https://jsonfeed.org/version/1.1","title":"Huger","items":[`))
				w.Write(bytes.Repeat([]byte(`{},`), 1000000))
				w.Write([]byte(`{}]}`))
			},
			check: wantParse(func(t *testing.T, f *Feed, err error) {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if f.Dropped < 1000001-maxScanItems {
					t.Errorf("dropped %d items, want at least the %d past the scan bound", f.Dropped, 1000001-maxScanItems)
				}
			}),
		},
		{
			name: "HTML page instead of a feed",
			opts: private,
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.Write([]byte("<!DOCTYPE html><html><head><title>Welcome</title></head><body>Hi</body></html>"))
			},
			check: wantErr("not a feed: got text/html"),
		},
	}
}

func runHostile(t *testing.T, c hostileCase) {
	srv := httptest.NewServer(c.handler)
	defer srv.Close()
	target := srv.URL + c.path
	if c.path == "" {
		target = srv.URL + "/"
	}
	if c.url != nil {
		target = c.url(srv)
	}
	resp, err := newTestFetcher(t, c.opts).Fetch(context.Background(), target, Conditional{})
	c.check(t, srv.URL, resp, err)
}

func TestHostile(t *testing.T) {
	for _, c := range hostileCases() {
		t.Run(c.name, func(t *testing.T) { runHostile(t, c) })
	}
}

// TestHostileMemory runs every hostile case while sampling the heap: the
// limits must hold it under 100 MB throughout.
func TestHostileMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every hostile case again")
	}
	const limit = 100 << 20
	runtime.GC()
	var (
		peak uint64
		mu   sync.Mutex
		stop = make(chan struct{})
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			mu.Lock()
			peak = max(peak, ms.HeapAlloc)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	for _, c := range hostileCases() {
		t.Run(c.name, func(t *testing.T) { runHostile(t, c) })
	}
	close(stop)
	<-done
	t.Logf("peak heap %.1f MB", float64(peak)/(1<<20))
	if peak >= limit {
		t.Errorf("peak heap %.1f MB, want under 100 MB", float64(peak)/(1<<20))
	}
}
