package reliability

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// feedServer serves one RSS feed on loopback whose items are published by
// the test, one at a time, as a news site would.
type feedServer struct {
	srv   *httptest.Server
	run   string // makes every token of one run unique
	mu    sync.Mutex
	items []feedItem
	extra func(w http.ResponseWriter, r *http.Request) bool // serves other paths when set
}

type feedItem struct {
	Token, Title, Body string
	Published          time.Time
}

func newFeedServer(t testing.TB, run string) *feedServer {
	f := &feedServer{run: run}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// URL is the feed's address.
func (f *feedServer) URL() string { return f.srv.URL + "/feed.xml" }

// articleToken names article i in every place it shows up.
func (f *feedServer) articleToken(i int) string { return fmt.Sprintf("A%03dZ%s", i, f.run) }

// Publish adds article i with a unique token in its title.
func (f *feedServer) Publish(i int) string {
	tok := f.articleToken(i)
	f.PublishItem(feedItem{Token: tok, Title: "Story " + tok, Body: "<p>Body of " + tok + "</p>"})
	return tok
}

// PublishItem adds an item as given (hostile ones, say).
func (f *feedServer) PublishItem(it feedItem) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if it.Published.IsZero() {
		it.Published = time.Now().Add(-time.Minute)
	}
	f.items = append(f.items, it)
}

type rssItem struct {
	Title       string `xml:"title"`
	Link        string `xml:"link"`
	GUID        string `xml:"guid"`
	Description string `xml:"description"`
	PubDate     string `xml:"pubDate"`
}

func (f *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	if f.extra != nil && f.extra(w, r) {
		return
	}
	if r.URL.Path != "/feed.xml" {
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	items := append([]feedItem(nil), f.items...)
	f.mu.Unlock()
	type channel struct {
		Title string    `xml:"title"`
		Link  string    `xml:"link"`
		Items []rssItem `xml:"item"`
	}
	var ch channel
	ch.Title, ch.Link = "Reliability news", "https://news.example.org/"
	// Newest first, as feeds usually are.
	for i := len(items) - 1; i >= 0; i-- {
		it := items[i]
		ch.Items = append(ch.Items, rssItem{Title: it.Title, Link: "https://news.example.org/" + it.Token,
			GUID: it.Token, Description: it.Body, PubDate: it.Published.UTC().Format(time.RFC1123Z)})
	}
	w.Header().Set("Content-Type", "application/rss+xml")
	fmt.Fprint(w, xml.Header)
	enc := xml.NewEncoder(w)
	_ = enc.Encode(struct {
		XMLName xml.Name `xml:"rss"`
		Version string   `xml:"version,attr"`
		Channel channel  `xml:"channel"`
	}{Version: "2.0", Channel: ch})
}
