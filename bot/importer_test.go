package bot_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/feeds"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// recordingInbox keeps the events the importer hands over, and can fail.
type recordingInbox struct {
	mu     sync.Mutex
	events []bot.Event
	fail   error
}

func (r *recordingInbox) Receive(_ context.Context, ev bot.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.events = append(r.events, ev)
	return nil
}

const siteFeed = `<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>c</title><link>https://site.test/a</link>
<item><guid>https://site.test/a#c2</guid><pubDate>Sun, 01 Mar 2026 10:02:00 +0000</pubDate><description>&lt;p&gt;second &lt;b&gt;bold&lt;/b&gt;&lt;/p&gt;</description></item>
<item><guid>https://site.test/a#c1</guid><dc:creator>Ann  Lee</dc:creator><pubDate>Sun, 01 Mar 2026 10:01:00 +0000</pubDate><description>first</description></item>
<item><title>no guid, no link</title><pubDate>Sun, 01 Mar 2026 10:03:00 +0000</pubDate><description>third</description></item>
</channel></rss>`

type importerRig struct {
	db      *store.DB
	inbox   *recordingInbox
	imp     *bot.Importer
	srv     *httptest.Server
	fetches map[string]int
	mu      sync.Mutex
	article int64
}

func newImporterRig(t *testing.T, options string) *importerRig {
	t.Helper()
	rig := &importerRig{db: storetest.Open(t), inbox: &recordingInbox{}, fetches: map[string]int{}}
	rig.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rig.mu.Lock()
		rig.fetches[r.URL.Path]++
		rig.mu.Unlock()
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(siteFeed))
	}))
	t.Cleanup(rig.srv.Close)
	ctx := context.Background()
	f, err := rig.db.AddFeed(ctx, bot.FeedSpec{URL: "https://site.test/feed", Options: []byte(options)}, bot.FromCommand)
	if err != nil {
		t.Fatal(err)
	}
	res, err := rig.db.Ingest(ctx, f.ID, []bot.Incoming{{Article: bot.Article{Key: "a", GUID: "a-1", URL: "https://site.test/a",
		Published: time.Now().Add(-time.Hour), Hash: "h"}}})
	if err != nil {
		t.Fatal(err)
	}
	rig.article = res[0].ArticleID
	fetcher, err := feeds.NewFetcher(feeds.Options{AllowPrivate: true, DenyFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	rig.imp = bot.NewImporter(rig.db, fetcher, rig.inbox, bot.ImporterOptions{})
	return rig
}

func TestImporterHandsSiteCommentsToTheRelay(t *testing.T) {
	rig := newImporterRig(t, "")
	// The pattern comes from the feed's options; set it now that the
	// server's address is known.
	pattern := rig.srv.URL + "/comments?guid={guid}"
	if _, err := rig.db.AddFeed(t.Context(), bot.FeedSpec{URL: "https://other.test/feed"}, bot.FromCommand); err != nil {
		t.Fatal(err)
	}
	f, err := rig.db.FeedByURL(t.Context(), "https://site.test/feed")
	if err != nil {
		t.Fatal(err)
	}
	if err := rig.db.SyncConfigFeeds(t.Context(), []bot.FeedSpec{{URL: f.URL, Options: []byte(`{"import_comments":true,"comments_feed":"` + pattern + `"}`)}}); err != nil {
		t.Fatal(err)
	}
	if err := rig.imp.ImportAll(t.Context()); err != nil {
		t.Fatal(err)
	}
	src := rig.srv.URL + "/comments?guid=a-1"
	var got []string
	for _, ev := range rig.inbox.events {
		if ev.Kind != bot.MessageCreated || ev.Place != (bot.Place{Platform: bot.Source, Channel: bot.RemoteID(src)}) ||
			ev.Thread != bot.SourceThread(rig.article) || ev.Author.Platform != bot.Source {
			t.Errorf("event %+v: want a created message of platform source in %s, thread %d", ev, src, rig.article)
		}
		got = append(got, string(ev.Message)+"|"+ev.Author.Name+"|"+ev.Body.PlainText())
	}
	want := []string{
		"guid:https://site.test/a#c1|Ann Lee|first",
		"guid:https://site.test/a#c2|Anonymous|second bold",
	}
	if len(got) != 3 || strings.Join(got[:2], "\n") != strings.Join(want, "\n") ||
		!strings.HasPrefix(got[2], "a1/hash:") || !strings.HasSuffix(got[2], "|Anonymous|third") {
		t.Errorf("events:\n%s\nwant, oldest first:\n%s\nand a1/hash:…|Anonymous|third", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The next round sends the ETag back and gets a 304: nothing handed over.
	if err := rig.imp.ImportAll(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(rig.inbox.events) != 3 || rig.fetches["/comments"] != 2 {
		t.Errorf("after a 304: %d events and %d fetches, want 3 and 2", len(rig.inbox.events), rig.fetches["/comments"])
	}
}

func TestImporterSkipsFeedsThatDoNotImport(t *testing.T) {
	for _, options := range []string{``, `{"import_comments":false}`, `{"import_comments":"yes"}`} {
		rig := newImporterRig(t, options)
		if err := rig.imp.ImportAll(t.Context()); err != nil {
			t.Fatal(err)
		}
		if len(rig.fetches) != 0 || len(rig.inbox.events) != 0 {
			t.Errorf("options %q: %d fetches and %d events, want none", options, len(rig.fetches), len(rig.inbox.events))
		}
	}
}

func TestImporterRereadsAfterAFailure(t *testing.T) {
	rig := newImporterRig(t, "")
	a, err := rig.db.Article(t.Context(), rig.article)
	if err != nil {
		t.Fatal(err)
	}
	src := rig.srv.URL + "/c"
	rig.inbox.fail = context.DeadlineExceeded
	if _, err := rig.imp.ImportArticle(t.Context(), a, src); err == nil {
		t.Fatal("ImportArticle with a failing inbox: no error")
	}
	rig.inbox.fail = nil
	n, err := rig.imp.ImportArticle(t.Context(), a, src)
	if err != nil || n != 3 {
		t.Errorf("after a failure the next read handed over %d (%v), want all 3 (no 304 from validators kept too early)", n, err)
	}
}

// TestRelayTakesSourceEvents: the relay finds a source event's article by
// the id in its thread, ignores a thread that is not an id, and mirrors the
// comment only to routes with mirror_source_comments.
func TestRelayTakesSourceEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		d, m := bot.Place{Platform: bot.Discord, Channel: "1"}, bot.Place{Platform: bot.Matrix, Channel: "!r:test"}
		f, err := db.AddFeed(ctx, bot.FeedSpec{URL: "https://site.test/feed", Routes: []bot.RouteSpec{
			{Place: d}, {Place: m, Options: []byte(`{"mirror_source_comments":true}`)}}}, bot.FromCommand)
		if err != nil {
			t.Fatal(err)
		}
		res, err := db.Ingest(ctx, f.ID, []bot.Incoming{{Article: bot.Article{Key: "a", Hash: "h"},
			Deliveries: []bot.Delivery{{Place: d, Kind: bot.PostArticle}, {Place: m, Kind: bot.PostArticle}}}})
		if err != nil {
			t.Fatal(err)
		}
		a := res[0].ArticleID
		relay := bot.NewRelay(db, bot.RelayOptions{})
		src := bot.Place{Platform: bot.Source, Channel: "https://site.test/a/comments"}
		for _, thread := range []bot.RemoteID{"abc", "0", "-4"} {
			if err := relay.Receive(ctx, bot.Event{Kind: bot.MessageCreated, Place: src, Thread: thread, Message: "x"}); err != nil {
				t.Errorf("thread %q: %v, want the event ignored", thread, err)
			}
		}
		ev := bot.Event{Kind: bot.MessageCreated, Place: src, Thread: bot.SourceThread(a), Message: "guid:c1",
			Author: bot.Author{Platform: bot.Source, Name: "Ann"}, Time: time.Now()}
		if err := relay.Receive(ctx, ev); err != nil {
			t.Fatal(err)
		}
		cs, err := db.Comments(ctx, a)
		if err != nil || len(cs) != 1 || cs[0].Origin.Message != "guid:c1" || cs[0].Author.Name != "Ann" {
			t.Fatalf("comments %+v (%v), want the one source comment", cs, err)
		}
		rows, err := db.OutboxRows(ctx, bot.OutboxPending, 0)
		if err != nil {
			t.Fatal(err)
		}
		var mirrors []bot.Place
		for _, r := range rows {
			if r.Kind == bot.PostComment {
				mirrors = append(mirrors, r.Target)
			}
		}
		if len(mirrors) != 1 || mirrors[0] != m {
			t.Errorf("mirrors queued to %v, want only %v (the route that asks)", mirrors, m)
		}
	})
}
