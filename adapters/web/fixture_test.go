package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store"
)

// The places every fixture article is posted to.
var (
	placeD = bot.Place{Platform: bot.Discord, Channel: "1001"}
	placeM = bot.Place{Platform: bot.Matrix, Channel: "!news:test"}
	t0     = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
)

// fixture is a real store with a feed, articles posted to Discord and
// Matrix, a relay that turns events into comments, and the site over it on
// a loopback httptest server.
type fixture struct {
	t      testing.TB
	db     *store.DB
	relay  *bot.Relay
	site   *Site
	srv    *httptest.Server
	feedID int64
	n      int
}

func newFixture(t testing.TB, db *store.DB, opt SiteOptions) *fixture {
	t.Helper()
	f, err := db.AddFeed(context.Background(), bot.FeedSpec{URL: "https://news.test/feed", Name: "News",
		Routes: []bot.RouteSpec{{Place: placeD}, {Place: placeM}}}, bot.FromCommand)
	if err != nil {
		t.Fatalf("add feed: %v", err)
	}
	site, err := NewSite(db, opt)
	if err != nil {
		t.Fatalf("new site: %v", err)
	}
	fx := &fixture{t: t, db: db, relay: bot.NewRelay(db, bot.RelayOptions{}), site: site, feedID: f.ID}
	fx.srv = httptest.NewServer(site.Handler())
	t.Cleanup(fx.srv.Close)
	return fx
}

// article stores an article and posts it to both places (a thread each).
func (fx *fixture) article(title, url string, published time.Time) int64 {
	fx.t.Helper()
	ctx := context.Background()
	fx.n++
	res, err := fx.db.Ingest(ctx, fx.feedID, []bot.Incoming{{
		Article: bot.Article{Key: fmt.Sprint("k", fx.n), Title: title, URL: url, Published: published, Updated: published,
			Summary: richtext.FromPlain("Summary of " + title), Hash: "h"},
		Deliveries: []bot.Delivery{{Place: placeD, Kind: bot.PostArticle}, {Place: placeM, Kind: bot.PostArticle}},
	}})
	if err != nil {
		fx.t.Fatalf("ingest: %v", err)
	}
	id := res[0].ArticleID
	rows, err := fx.db.ClaimOutbox(ctx, "test", nil, time.Now(), time.Minute, 100)
	if err != nil {
		fx.t.Fatalf("claim: %v", err)
	}
	for _, r := range rows {
		if r.Kind != bot.PostArticle {
			continue
		}
		msg := bot.RemoteID(fmt.Sprintf("post-%s-%d", r.Target.Platform, r.ArticleID))
		if err := fx.db.CompletePost(ctx, r.ID, bot.PostRef{Place: r.Target, Message: msg, Thread: msg}); err != nil {
			fx.t.Fatalf("complete post: %v", err)
		}
	}
	return id
}

// say makes a comment arrive from a platform through the relay; replyTo is
// the message id it answers ("" for none). It returns the message id.
func (fx *fixture) say(articleID int64, place bot.Place, msg, replyTo, author string, body richtext.Text, at time.Time) bot.RemoteID {
	fx.t.Helper()
	thread := bot.RemoteID(fmt.Sprintf("post-%s-%d", place.Platform, articleID))
	ev := bot.Event{Kind: bot.MessageCreated, Place: place, Thread: thread, Message: bot.RemoteID(msg), ReplyTo: bot.RemoteID(replyTo),
		Author: bot.Author{Platform: place.Platform, ID: bot.RemoteID("u-" + author), Name: author}, Body: body, Time: at}
	if err := fx.relay.Receive(context.Background(), ev); err != nil {
		fx.t.Fatalf("receive %s: %v", msg, err)
	}
	return bot.RemoteID(msg)
}

func (fx *fixture) event(ev bot.Event) {
	fx.t.Helper()
	if ev.Thread == "" {
		fx.t.Fatal("event without thread")
	}
	if err := fx.relay.Receive(context.Background(), ev); err != nil {
		fx.t.Fatalf("receive %s %s: %v", ev.Kind, ev.Message, err)
	}
}

func threadOf(place bot.Place, articleID int64) bot.RemoteID {
	return bot.RemoteID(fmt.Sprintf("post-%s-%d", place.Platform, articleID))
}

// get fetches a path from the site with optional headers (name, value…).
func (fx *fixture) get(path string, headers ...string) (*http.Response, string) {
	fx.t.Helper()
	req, err := http.NewRequest(http.MethodGet, fx.srv.URL+path, nil)
	if err != nil {
		fx.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := fx.srv.Client().Do(req)
	if err != nil {
		fx.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		fx.t.Fatalf("GET %s: read: %v", path, err)
	}
	return resp, string(b)
}

// mirrorAll completes every queued comment mirror as if the deliverer had
// posted it: the mirror of comment N on a platform is "m<N>-<platform>".
func (fx *fixture) mirrorAll() {
	fx.t.Helper()
	ctx := context.Background()
	for {
		rows, err := fx.db.ClaimOutboxOrdered(ctx, "test", []bot.Platform{bot.Discord, bot.Matrix}, []bot.OutboxKind{bot.PostComment}, time.Now(), time.Minute, 100)
		if err != nil {
			fx.t.Fatalf("claim mirrors: %v", err)
		}
		if len(rows) == 0 {
			return
		}
		for _, r := range rows {
			id := bot.RemoteID(fmt.Sprintf("m%d-%s", r.CommentID, r.Target.Platform))
			if err := fx.db.CompleteMirror(ctx, r.ID, r.CommentID, r.Target, []bot.RemoteID{id}); err != nil {
				fx.t.Fatalf("complete mirror: %v", err)
			}
		}
	}
}

// articleWith stores a (Key and Hash filled in when empty) and posts it to
// both places.
func (fx *fixture) articleWith(a bot.Article) int64 {
	fx.t.Helper()
	ctx := context.Background()
	fx.n++
	if a.Key == "" {
		a.Key = fmt.Sprint("k", fx.n)
	}
	if a.Hash == "" {
		a.Hash = "h"
	}
	res, err := fx.db.Ingest(ctx, fx.feedID, []bot.Incoming{{Article: a,
		Deliveries: []bot.Delivery{{Place: placeD, Kind: bot.PostArticle}, {Place: placeM, Kind: bot.PostArticle}}}})
	if err != nil {
		fx.t.Fatalf("ingest: %v", err)
	}
	fx.postAll()
	return res[0].ArticleID
}

// postAll completes every queued article post: its message and thread are
// "post-<platform>-<article id>".
func (fx *fixture) postAll() {
	fx.t.Helper()
	ctx := context.Background()
	rows, err := fx.db.ClaimOutbox(ctx, "test", nil, time.Now(), time.Minute, 100)
	if err != nil {
		fx.t.Fatalf("claim: %v", err)
	}
	for _, r := range rows {
		if r.Kind != bot.PostArticle {
			continue
		}
		msg := bot.RemoteID(fmt.Sprintf("post-%s-%d", r.Target.Platform, r.ArticleID))
		if err := fx.db.CompletePost(ctx, r.ID, bot.PostRef{Place: r.Target, Message: msg, Thread: msg}); err != nil {
			fx.t.Fatalf("complete post: %v", err)
		}
	}
}
