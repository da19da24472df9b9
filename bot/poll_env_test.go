package bot_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/feeds"
	"github.com/heraldchat/herald/store/storetest"
)

// feedServer serves feed documents on 127.0.0.1 (httptest listens on
// loopback only), with ETags, so the real fetcher's conditional GET runs.
type feedServer struct {
	*httptest.Server

	mu       sync.Mutex
	docs     map[string]string // path → document
	status   map[string]int    // path → forced status
	headers  map[string]http.Header
	requests map[string]int // path → requests seen
	cond     map[string]int // path → requests carrying If-None-Match
	delay    time.Duration
	active   map[string]int // host → requests in flight
	peak     map[string]int // host → most requests in flight at once
}

func newFeedServer(t *testing.T) *feedServer {
	s := &feedServer{docs: map[string]string{}, status: map[string]int{}, headers: map[string]http.Header{}, requests: map[string]int{},
		cond: map[string]int{}, active: map[string]int{}, peak: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.URL.Path]++
	if r.Header.Get("If-None-Match") != "" {
		s.cond[r.URL.Path]++
	}
	s.active[r.Host]++
	s.peak[r.Host] = max(s.peak[r.Host], s.active[r.Host])
	doc, ok := s.docs[r.URL.Path]
	status := s.status[r.URL.Path]
	for k, v := range s.headers[r.URL.Path] {
		w.Header()[k] = v
	}
	delay := s.delay
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.active[r.Host]--
		s.mu.Unlock()
	}()
	if delay > 0 {
		time.Sleep(delay) // keeps requests overlapping, so a broken limit shows
	}
	if status != 0 {
		http.Error(w, "forced failure", status)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256([]byte(doc))
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/rss+xml")
	fmt.Fprint(w, doc)
}

func (s *feedServer) set(path, doc string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs[path] = doc
	delete(s.status, path)
}

func (s *feedServer) setHeader(path, key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.headers[path] == nil {
		s.headers[path] = http.Header{}
	}
	s.headers[path].Set(key, value)
}

func (s *feedServer) setDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

func (s *feedServer) fail(path string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status[path] = status
}

func (s *feedServer) counts(path string) (requests, conditional int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path], s.cond[path]
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// testItem is one item of a generated RSS document.
type testItem struct {
	GUID, Link, Title, Body, Category string
	Published                         time.Time
}

var rssTmpl = template.Must(template.New("rss").Funcs(template.FuncMap{
	"date": func(t time.Time) string { return t.UTC().Format(time.RFC1123Z) },
}).Parse(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Test feed</title><link>https://news.example.org/</link><description>d</description>
{{range .}}<item>{{if .GUID}}<guid isPermaLink="false">{{.GUID}}</guid>{{end}}{{if .Link}}<link>{{.Link}}</link>{{end}}<title>{{.Title}}</title>
{{if .Category}}<category>{{.Category}}</category>{{end}}<description>{{.Body}}</description>{{if not .Published.IsZero}}<pubDate>{{date .Published}}</pubDate>{{end}}</item>
{{end}}</channel></rss>`))

func rssDoc(t *testing.T, items ...testItem) string {
	t.Helper()
	var b bytes.Buffer
	if err := rssTmpl.Execute(&b, items); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// env is a poller on a real SQLite store fetching from a loopback server.
type env struct {
	t       *testing.T
	ctx     context.Context
	store   bot.Store
	srv     *feedServer
	clock   *clock
	fetcher *feeds.Fetcher
	poller  *bot.Poller
	sink    *noticeSink
}

var t0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func newEnv(t *testing.T, o bot.PollerOptions) *env {
	t.Helper()
	return newEnvOn(t, storetest.Open(t), o)
}

// newEnvOn is newEnv on a given store (e.g. each of storetest.Backends).
func newEnvOn(t *testing.T, st bot.Store, o bot.PollerOptions) *env {
	t.Helper()
	e := &env{t: t, ctx: t.Context(), store: st, srv: newFeedServer(t), clock: &clock{t: t0}, sink: &noticeSink{}}
	var err error
	e.fetcher, err = feeds.NewFetcher(feeds.Options{AllowPrivate: true, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if o.Notices == nil {
		o.Notices = e.sink
	}
	e.poller, err = bot.NewPoller(e.store, e.fetcher, e.clock.Now, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// addFeed adds a feed served at path with routes (place → route options).
func (e *env) addFeed(path string, feedOpts any, routes ...bot.RouteSpec) bot.Feed {
	e.t.Helper()
	spec := bot.FeedSpec{URL: e.srv.URL + path, Name: strings.Trim(path, "/"), Routes: routes}
	if feedOpts != nil {
		spec.Options = mustJSON(e.t, feedOpts)
	}
	f, err := e.store.AddFeed(e.ctx, spec, bot.FromConfig)
	if err != nil {
		e.t.Fatalf("add feed %s: %v", path, err)
	}
	return f
}

// poll reloads the feed (as a lease would) and polls it once.
func (e *env) poll(id int64) (bot.PollResult, error) {
	e.t.Helper()
	f, err := e.store.Feed(e.ctx, id)
	if err != nil {
		e.t.Fatalf("load feed %d: %v", id, err)
	}
	return e.poller.PollOnce(e.ctx, f)
}

func (e *env) mustPoll(id int64) bot.PollResult {
	e.t.Helper()
	r, err := e.poll(id)
	if err != nil {
		e.t.Fatalf("poll feed %d: %v", id, err)
	}
	return r
}

// pending lists the pending outbox rows as "kind place title" lines.
func (e *env) pending() []string {
	e.t.Helper()
	rows, err := e.store.OutboxRows(e.ctx, bot.OutboxPending, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		a, err := e.store.Article(e.ctx, r.ArticleID)
		if err != nil {
			e.t.Fatalf("article %d of outbox row %d: %v", r.ArticleID, r.ID, err)
		}
		out = append(out, fmt.Sprintf("%s %s %s", r.Kind, r.Target, a.Title))
	}
	return out
}

func route(p bot.Place, opts any) bot.RouteSpec {
	r := bot.RouteSpec{Place: p}
	if opts != nil {
		b, err := json.Marshal(opts)
		if err != nil {
			panic(err)
		}
		r.Options = b
	}
	return r
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type noticeSink struct {
	mu   sync.Mutex
	list []bot.Notice
}

func (s *noticeSink) Notice(_ context.Context, n bot.Notice) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, n)
}

func (s *noticeSink) all() []bot.Notice {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bot.Notice(nil), s.list...)
}

var (
	chanA = bot.Place{Platform: bot.Discord, Channel: "100"}
	roomB = bot.Place{Platform: bot.Matrix, Channel: "!b:example.org"}
)
