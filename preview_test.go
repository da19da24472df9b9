package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// previewFeed is an RSS feed of three items: one an hour old, one two
// hours old, one ten days old.
func previewFeed(now time.Time) string {
	item := func(n int, age time.Duration) string {
		return fmt.Sprintf(`<item><title>Story %d</title><link>https://news.example/%d?utm_source=rss</link><guid>s%d</guid><pubDate>%s</pubDate><description>&lt;p&gt;Text &lt;b&gt;%d&lt;/b&gt;&lt;/p&gt;</description></item>`,
			n, n, n, now.Add(-age).Format(time.RFC1123Z), n)
	}
	return `<?xml version="1.0"?><rss version="2.0"><channel><title>Preview News</title><link>https://news.example/</link><language>en</language>` +
		item(1, time.Hour) + item(2, 2*time.Hour) + item(3, 240*time.Hour) + `</channel></rss>`
}

func previewServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed":
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write([]byte(previewFeed(time.Now())))
		case "/page":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!doctype html><html><body>no feed here</body></html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func runPreview(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = dispatch(context.Background(), append([]string{"preview"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestPreviewJSON(t *testing.T) {
	srv := previewServer(t)
	code, out, stderr := runPreview("-json", "-allow-private", srv.URL+"/feed")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3:\n%s", len(lines), out)
	}
	required := []string{"guid", "url", "title", "summary", "body", "image", "author", "categories",
		"published", "updated", "lang", "comments_feed", "comment_count", "post", "skip_reason"}
	want := []struct {
		guid, url, summary string
		post               bool
		reason             string
	}{
		{"s1", "https://news.example/1", "Text 1", true, ""},
		{"s2", "https://news.example/2", "Text 2", false, "a new feed's first poll posts only the newest 1"},
		{"s3", "https://news.example/3", "Text 3", false, "older than 3 days"},
	}
	for i, line := range lines {
		var got map[string]any
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i, err, line)
		}
		for _, k := range required {
			if _, ok := got[k]; !ok {
				t.Errorf("line %d has no %q: %s", i, k, line)
			}
		}
		w := want[i]
		if got["guid"] != w.guid || got["url"] != w.url || got["summary"] != w.summary || got["post"] != w.post || got["skip_reason"] != w.reason || got["lang"] != "en" {
			t.Errorf("line %d = guid %v url %v summary %v post %v skip %q lang %v; want %s %s %s %v %q en",
				i, got["guid"], got["url"], got["summary"], got["post"], got["skip_reason"], got["lang"], w.guid, w.url, w.summary, w.post, w.reason)
		}
	}
}

func TestPreviewFailures(t *testing.T) {
	srv := previewServer(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"404", []string{"-allow-private", srv.URL + "/missing"}, "herald preview: HTTP 404 from " + srv.URL + "/missing"},
		{"html page", []string{"-allow-private", srv.URL + "/page"}, "herald preview: not a feed: got text/html"},
		{"loopback without the flag", []string{srv.URL + "/feed"}, "refused: 127.0.0.1 is a loopback address (allow it in fetch.allow); to preview a local feed, add -allow-private"},
		{"missing file", []string{filepath.Join(t.TempDir(), "nope.xml")}, "nope.xml: no such file or directory"},
		{"bad platform", []string{"-platform", "irc", "examples/feed.xml"}, `-platform "irc": want discord, matrix or web`},
		{"no argument", nil, "give exactly one feed URL or path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runPreview(tt.args...)
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.want)
			}
			if strings.TrimSpace(out) != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
		})
	}
}

// TestPreviewExampleFeed previews the bundled example offline, in the
// human format.
func TestPreviewExampleFeed(t *testing.T) {
	code, out, stderr := runPreview("examples/feed.xml")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"Herald example feed", "5 items", "Welcome to Herald", "مرحبا بكم في هيرالد", "key: guid:herald-example-5"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestPreviewPlatform(t *testing.T) {
	for _, platform := range []string{"discord", "matrix", "web"} {
		t.Run(platform, func(t *testing.T) {
			code, out, stderr := runPreview("-platform", platform, "examples/feed.xml")
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 5 {
				t.Fatalf("%d lines, want 5:\n%s", len(lines), out)
			}
			for i, l := range lines {
				if !json.Valid([]byte(l)) {
					t.Errorf("line %d is not JSON: %s", i, l)
				}
			}
			if !strings.Contains(lines[0], "Welcome to Herald") {
				t.Errorf("first payload lacks the newest title: %s", lines[0])
			}
		})
	}
}

// TestPreviewConfig takes max age and first-post count from a config file.
func TestPreviewConfig(t *testing.T) {
	srv := previewServer(t)
	feedURL := srv.URL + "/feed"
	cfg := filepath.Join(t.TempDir(), "herald.yaml")
	yaml := fmt.Sprintf("feeds:\n  - url: %s\n    max_age: 90m\n    first_post: 5\n    routes:\n      - to: discord:1081234567890123456\ndiscord:\n  token: x\n  guild_id: 1081234567890123000\n", feedURL)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runPreview("-json", "-allow-private", "-config", cfg, feedURL)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var it struct {
			Post       bool   `json:"post"`
			SkipReason string `json:"skip_reason"`
		}
		if err := json.Unmarshal([]byte(line), &it); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%v %s", it.Post, it.SkipReason))
	}
	want := []string{"true ", "false older than 90 minutes", "false older than 90 minutes"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("decisions = %q, want %q", got, want)
	}
}
