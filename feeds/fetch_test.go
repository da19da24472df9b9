package feeds

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConditionalGet(t *testing.T) {
	const etag, lastMod = `"v1"`, "Mon, 02 Nov 2026 10:00:00 GMT"
	var got []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Clone())
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Cache-Control", "public, max-age=600")
		w.Write([]byte(rssDoc("Cond", 2)))
	}))
	defer srv.Close()
	f := newTestFetcher(t, Options{AllowPrivate: true, Version: "1.2.3"})

	first, err := f.Fetch(context.Background(), srv.URL, Conditional{})
	if err != nil {
		t.Fatalf("first fetch: %v", err)
	}
	if first.NotModified || len(first.Body) == 0 {
		t.Fatalf("first fetch: NotModified=%v, %d bytes; want a body", first.NotModified, len(first.Body))
	}
	if first.ETag != etag || first.LastModified != lastMod || first.MaxAge != 10*time.Minute {
		t.Errorf("first fetch validators = %q, %q, max-age %v; want %q, %q, 10m", first.ETag, first.LastModified, first.MaxAge, etag, lastMod)
	}

	second, err := f.Fetch(context.Background(), srv.URL, Conditional{ETag: first.ETag, LastModified: first.LastModified})
	if err != nil {
		t.Fatalf("second fetch: %v", err)
	}
	if !second.NotModified || second.Body != nil {
		t.Errorf("second fetch: NotModified=%v, body %d bytes; want 304 and no body", second.NotModified, len(second.Body))
	}
	if second.ETag != etag || second.LastModified != lastMod {
		t.Errorf("second fetch kept validators %q, %q; want the previous ones", second.ETag, second.LastModified)
	}
	if len(got) != 2 {
		t.Fatalf("server saw %d requests, want 2", len(got))
	}
	for name, want := range map[string]string{"If-None-Match": etag, "If-Modified-Since": lastMod} {
		if v := got[1].Get(name); v != want {
			t.Errorf("second request %s = %q, want %q", name, v, want)
		}
		if v := got[0].Get(name); v != "" {
			t.Errorf("first request sent %s = %q, want none", name, v)
		}
	}
	if ua, want := got[0].Get("User-Agent"), "Herald/1.2.3 (+https://github.com/heraldchat/herald)"; ua != want {
		t.Errorf("User-Agent = %q, want %q", ua, want)
	}
	if ae := got[0].Get("Accept-Encoding"); ae != "gzip" {
		t.Errorf("Accept-Encoding = %q, want gzip", ae)
	}
}

func TestFetchStatus(t *testing.T) {
	retryDate := time.Now().Add(2 * time.Hour).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		status     int
		retryAfter string
		wantErr    string
		wantRetry  time.Duration // lower bound
	}{
		{"not found", 404, "", "HTTP 404 from ", 0},
		{"gone", 410, "", "HTTP 410 from ", 0},
		{"rate limited seconds", 429, "120", "HTTP 429 from ", 2 * time.Minute},
		{"unavailable date", 503, retryDate, "HTTP 503 from ", 119 * time.Minute},
		{"unavailable garbage", 503, "soon", "HTTP 503 from ", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			f := newTestFetcher(t, Options{AllowPrivate: true})
			resp, err := f.Fetch(context.Background(), srv.URL+"/feed", Conditional{})
			var he *HTTPError
			if !errors.As(err, &he) || he.Status != tt.status {
				t.Fatalf("Fetch error = %v, want an *HTTPError with status %d", err, tt.status)
			}
			if !strings.HasPrefix(err.Error(), tt.wantErr+srv.URL+"/feed") {
				t.Errorf("error = %q, want it to start %q", err, tt.wantErr+srv.URL+"/feed")
			}
			if resp == nil || resp.RetryAfter < tt.wantRetry || (tt.wantRetry == 0 && resp.RetryAfter != 0) || resp.RetryAfter > tt.wantRetry+2*time.Minute {
				t.Errorf("RetryAfter = %v, want about %v", resp.RetryAfter, tt.wantRetry)
			}
		})
	}
}

func TestFetchGzip(t *testing.T) {
	doc := rssDoc("Zipped", 3)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/xml")
		zw := gzip.NewWriter(w)
		zw.Write([]byte(doc))
		zw.Close()
	}))
	defer srv.Close()
	resp, err := newTestFetcher(t, Options{AllowPrivate: true}).Fetch(context.Background(), srv.URL, Conditional{})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if string(resp.Body) != doc {
		t.Errorf("body = %.80q…, want the decompressed document", resp.Body)
	}
}

func TestFetchRedirectFinalURL(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/new", http.StatusMovedPermanently) })
	mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(rssDoc("Moved", 1))) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := newTestFetcher(t, Options{AllowPrivate: true}).Fetch(context.Background(), srv.URL+"/old", Conditional{})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if resp.FinalURL != srv.URL+"/new" {
		t.Errorf("FinalURL = %q, want %q", resp.FinalURL, srv.URL+"/new")
	}
}

func TestFetchFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feed.xml")
	if err := os.WriteFile(path, []byte(rssDoc("Local", 2)), 0o644); err != nil {
		t.Fatal(err)
	}
	f := newTestFetcher(t, Options{})
	for _, src := range []string{path, "file://" + path} {
		resp, err := f.Fetch(context.Background(), src, Conditional{})
		if err != nil {
			t.Fatalf("Fetch(%q): %v", src, err)
		}
		if !bytes.Contains(resp.Body, []byte("<title>Local</title>")) || resp.FinalURL != "file://"+path {
			t.Errorf("Fetch(%q) = body %d bytes, FinalURL %q; want the file and file://%s", src, len(resp.Body), resp.FinalURL, path)
		}
		again, err := f.Fetch(context.Background(), src, Conditional{LastModified: resp.LastModified})
		if err != nil || !again.NotModified {
			t.Errorf("second Fetch(%q) = NotModified %v, %v; want an unchanged file to be not modified", src, again != nil && again.NotModified, err)
		}
	}
	if _, err := f.Fetch(context.Background(), filepath.Join(dir, "missing.xml"), Conditional{}); err == nil || !strings.Contains(err.Error(), "missing.xml") {
		t.Errorf("missing file error = %v, want one naming the file", err)
	}
	t.Chdir(dir)
	if resp, err := f.Fetch(context.Background(), "file://feed.xml", Conditional{}); err != nil || len(resp.Body) == 0 {
		t.Errorf("relative file:// URL: %v", err)
	}
	denied := newTestFetcher(t, Options{DenyFiles: true})
	if _, err := denied.Fetch(context.Background(), path, Conditional{}); !errors.Is(err, ErrFilesDenied) {
		t.Errorf("DenyFiles: error = %v, want ErrFilesDenied", err)
	}
}

func TestZeroFetcherUsable(t *testing.T) {
	// The zero Fetcher guards too: a loopback URL is refused without any dial
	// to another host being possible (the URL is an IP literal).
	var f Fetcher
	_, err := f.Fetch(context.Background(), "http://127.0.0.1:1/feed", Conditional{})
	var refused *RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("zero Fetcher error = %v, want *RefusedError", err)
	}
}

func TestNewFetcherRejectsBadAllow(t *testing.T) {
	_, err := NewFetcher(Options{Allow: []string{"10.0.0.0/99"}})
	if err == nil || !strings.Contains(err.Error(), `fetch.allow: "10.0.0.0/99"`) {
		t.Errorf("error = %v, want one naming the bad entry", err)
	}
}

func TestRetryAfterAndMaxAge(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"0", 0}, {"-5", 0}, {"30", 30 * time.Second},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"later", 0},
	} {
		if got := retryAfter(tt.in, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"no-cache", 0}, {"max-age=60", time.Minute}, {"public, MAX-AGE=\"120\"", 2 * time.Minute}, {"max-age=x", 0},
	} {
		if got := maxAge(tt.in); got != tt.want {
			t.Errorf("maxAge(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestFetchCharsetFromHeader: a Latin-1 document without an encoding
// declaration is read by the Content-Type's charset; a UTF-8 one that the
// server mislabels stays as it is.
func TestFetchCharsetFromHeader(t *testing.T) {
	latin1 := []byte("<rss version=\"2.0\"><channel><title>Caf\xe9</title></channel></rss>")
	utf8Doc := []byte("<rss version=\"2.0\"><channel><title>Caf\xc3\xa9</title></channel></rss>")
	for _, tt := range []struct {
		name string
		body []byte
	}{{"latin-1", latin1}, {"utf-8 mislabelled", utf8Doc}} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml; charset=ISO-8859-1")
				w.Write(tt.body)
			}))
			defer srv.Close()
			resp, err := newTestFetcher(t, Options{AllowPrivate: true}).Fetch(context.Background(), srv.URL, Conditional{})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			f, err := Parse(resp.Body, resp.FinalURL, testNow)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if f.Title != "Café" {
				t.Errorf("title = %q, want %q", f.Title, "Café")
			}
		})
	}
}

// TestFetchContentTypeSniffing: the bytes, not the label, decide whether a
// body is a feed.
func TestFetchContentTypeSniffing(t *testing.T) {
	for _, tt := range []struct {
		name, contentType, body, wantErr string
	}{
		{"feed labelled html", "text/html; charset=utf-8", rssDoc("Mislabelled", 1), ""},
		{"feed as octet-stream", "application/octet-stream", rssDoc("Bytes", 1), ""},
		{"json feed as plain text", "text/plain", `{"version":"https://jsonfeed.org/version/1.1","items":[]}`, ""},
		{"html page", "text/html", "<html><body>hi</body></html>", "not a feed: got text/html"},
		{"image", "image/png", "\x89PNG\r\n\x1a\n", "not a feed: got image/png"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			_, err := newTestFetcher(t, Options{AllowPrivate: true}).Fetch(context.Background(), srv.URL, Conditional{})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Fetch: %v, want success", err)
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
				t.Errorf("Fetch error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
