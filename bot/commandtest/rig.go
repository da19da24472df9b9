// Package commandtest is a test rig for the admin command tree: a real
// store, a loopback feed server, a tree wired to both, and the table of
// malformed invocations every surface (the tree itself, Discord slash
// commands, Matrix `!herald` messages) must answer with the same message.
package commandtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/feeds"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// ConfigFile is the config file name the rig's tree is told about.
const ConfigFile = "herald.yaml"

// ConfigFeedName is the feed the rig declares as if from the config file.
const ConfigFeedName = "Config News"

// Rig is a command tree over a real store and a loopback feed server.
type Rig struct {
	DB   *store.DB
	Tree *bot.Commands
	Base string // the feed server's URL: /feed.xml, /other.xml, /config.xml, /broken.xml; others 404
}

// New builds a rig whose config feed posts to home.
func New(t testing.TB, home bot.Place) *Rig {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(serveFeeds))
	t.Cleanup(srv.Close)
	db := storetest.Open(t)
	f, err := feeds.NewFetcher(feeds.Options{AllowPrivate: true, Resolver: noDNS{}, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.SyncConfigFeeds(context.Background(), []bot.FeedSpec{{URL: srv.URL + "/config.xml", Name: ConfigFeedName,
		Schedule: "@hourly", Routes: []bot.RouteSpec{{Place: home}}}})
	if err != nil {
		t.Fatal(err)
	}
	tree := bot.NewCommands(bot.CommandOptions{Store: db, Fetch: loopbackOnly{f}, DefaultSchedule: "*/10 * * * *",
		Adapters: func(context.Context) []bot.AdapterStatus {
			return []bot.AdapterStatus{{Name: "discord", State: "configured"}, {Name: "matrix", State: "configured"}}
		}})
	tree.SetConfig(bot.CommandConfig{File: ConfigFile})
	return &Rig{DB: db, Tree: tree, Base: srv.URL}
}

// Feeds counts the rig's feeds, to show that a refused command changed nothing.
func (r *Rig) Feeds(t testing.TB) []bot.Feed {
	t.Helper()
	list, err := r.DB.ListFeeds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// noDNS resolves nothing: the rig only ever fetches 127.0.0.1.
type noDNS struct{}

func (noDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	return nil, fmt.Errorf("commandtest resolves no names (%s); tests fetch 127.0.0.1 only", host)
}

// loopbackOnly refuses any URL that is not on 127.0.0.1, so no test can
// reach another address even if the code under test is broken.
type loopbackOnly struct{ f *feeds.Fetcher }

func (l loopbackOnly) Fetch(ctx context.Context, raw string, cond feeds.Conditional) (*feeds.Response, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() != "127.0.0.1" {
		return nil, errors.New("commandtest fetches 127.0.0.1 only")
	}
	return l.f.Fetch(ctx, raw, cond)
}

func serveFeeds(w http.ResponseWriter, r *http.Request) {
	now := time.Now().UTC().Format(time.RFC1123Z)
	item := func(base, slug, title string) string {
		return fmt.Sprintf(`<item><title>%s</title><link>http://%s/%s</link><guid>%s</guid><pubDate>%s</pubDate><description>About %s.</description></item>`,
			title, base, slug, slug, now, title)
	}
	switch r.URL.Path {
	case "/feed.xml":
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback News</title><link>http://%s/</link>%s%s</channel></rss>`,
			r.Host, item(r.Host, "a/first", "First story"), item(r.Host, "a/second", "Second story"))
	case "/other.xml":
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Other News</title><link>http://%s/</link>%s</channel></rss>`,
			r.Host, item(r.Host, "o/one", "Other story"))
	case "/config.xml":
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Config News</title><link>http://%s/</link>%s</channel></rss>`,
			r.Host, item(r.Host, "c/late", "Late story"))
	case "/garbage.xml":
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Half`)
	case "/broken.xml":
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body>This is a web page, not a feed.</body></html>")
	default:
		http.NotFound(w, r)
	}
}
