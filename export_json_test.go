package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/config"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store"
)

// idConn is an in-process connector that hands out message ids and, like a
// platform's idempotency key, the same ids again for a key it has seen.
type idConn struct {
	name  bot.Platform
	mu    sync.Mutex
	next  int
	byKey map[string][]bot.RemoteID
}

func (c *idConn) Name() bot.Platform { return c.name }

func (c *idConn) Run(ctx context.Context, _ bot.Inbox) error { <-ctx.Done(); return nil }

func (c *idConn) ids(key string) []bot.RemoteID {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ids, ok := c.byKey[key]; ok {
		return ids
	}
	c.next++
	ids := []bot.RemoteID{bot.RemoteID(fmt.Sprintf("%s-%d", c.name, c.next))}
	c.byKey[key] = ids
	return ids
}

func (c *idConn) PostArticle(_ context.Context, to bot.Place, _ bot.Article, key string) (bot.PostRef, error) {
	id := c.ids(key)[0]
	return bot.PostRef{Place: to, Message: id, Thread: id}, nil
}

func (c *idConn) PostComment(_ context.Context, _ bot.PostRef, _ bot.Comment, key string) ([]bot.RemoteID, error) {
	return c.ids(key), nil
}

func (c *idConn) EditArticle(context.Context, bot.PostRef, bot.Article) error { return nil }
func (c *idConn) EditComment(context.Context, bot.Place, []bot.RemoteID, bot.Comment) error {
	return nil
}
func (c *idConn) Delete(context.Context, bot.Place, []bot.RemoteID) error { return nil }

// drain runs a deliverer until no outbox row is pending.
func drain(t *testing.T, db *store.DB, conns map[bot.Platform]bot.Connector) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	d := bot.NewDeliverer(db, conns, bot.DeliverOptions{Poll: 10 * time.Millisecond, BackoffBase: time.Millisecond})
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("deliverer: %v", err)
		}
	}()
	deadline := time.Now().Add(time.Minute) // a liveness guard, not a timing assertion
	for {
		rows, err := db.OutboxRows(ctx, bot.OutboxPending, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox still has %d pending rows", len(rows))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestExportJSON relays a conversation across Discord and Matrix through
// the real store, then exports it: each comment appears once, with its ids
// on both platforms, its reply-to, edit and deletion.
func TestExportJSON(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "herald.yaml")
	writeFile(t, cfgPath, feedConfig(localFeed(t, dir, "alpha")))
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(dir, "data")
	db, err := openStore(t.Context(), cfg, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	dc := bot.Place{Platform: bot.Discord, Channel: "1081234567890123456"}
	mx := bot.Place{Platform: bot.Matrix, Channel: "!room:example.org"}
	f, err := db.AddFeed(ctx, bot.FeedSpec{URL: "https://news.example/feed.xml", Routes: []bot.RouteSpec{{Place: dc}, {Place: mx}}}, bot.FromCommand)
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Ingest(ctx, f.ID, []bot.Incoming{
		{Article: bot.Article{Key: "a1", Title: "Posted", URL: "https://news.example/a1", Hash: "h1"},
			Deliveries: []bot.Delivery{{Place: dc, Kind: bot.PostArticle}, {Place: mx, Kind: bot.PostArticle}}},
		{Article: bot.Article{Key: "a0", Title: "Only recorded", Hash: "h0"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	articleID := res[0].ArticleID
	conns := map[bot.Platform]bot.Connector{
		bot.Discord: &idConn{name: bot.Discord, byKey: map[string][]bot.RemoteID{}},
		bot.Matrix:  &idConn{name: bot.Matrix, byKey: map[string][]bot.RemoteID{}},
	}
	drain(t, db, conns)
	threads := map[bot.Platform]bot.RemoteID{}
	posts, err := db.Posts(ctx, articleID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range posts {
		threads[p.Place.Platform] = p.Thread
	}

	relay := bot.NewRelay(db, bot.RelayOptions{})
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	say := func(kind bot.EventKind, p bot.Place, msg, replyTo bot.RemoteID, text string) {
		t.Helper()
		at = at.Add(time.Minute)
		ev := bot.Event{Kind: kind, Place: p, Thread: threads[p.Platform], Message: msg, ReplyTo: replyTo, Time: at,
			Author: bot.Author{Platform: p.Platform, ID: "u-" + bot.RemoteID(p.Platform), Name: "Person on " + string(p.Platform)},
			Body:   richtext.FromPlain(text)}
		if err := relay.Receive(ctx, ev); err != nil {
			t.Fatalf("receive %s %s: %v", kind, msg, err)
		}
		drain(t, db, conns)
	}
	say(bot.MessageCreated, dc, "d-100", "", "hello from discord")
	first, err := db.CommentByOrigin(ctx, bot.Discord, "d-100")
	if err != nil {
		t.Fatal(err)
	}
	mirrors, err := db.Mirrors(ctx, first.ID)
	if err != nil || len(mirrors) != 1 {
		t.Fatalf("mirrors of the first comment: %v, %v; want one in Matrix", mirrors, err)
	}
	matrixCopy := mirrors[0].IDs[0]
	say(bot.MessageCreated, mx, "$m-200", matrixCopy, "a reply from matrix")
	say(bot.MessageEdited, mx, "$m-200", "", "a corrected reply from matrix")
	say(bot.MessageCreated, dc, "d-300", "", "regrettable")
	say(bot.MessageDeleted, dc, "d-300", "", "")
	db.Close()

	var stdout, stderr strings.Builder
	if code := dispatch(ctx, []string{"export", "-format", "json", "-config", cfgPath, "-data", dataDir}, &stdout, &stderr); code != 0 {
		t.Fatalf("herald export -format json: exit %d: %s", code, stderr.String())
	}
	var doc modelDoc
	if err := json.Unmarshal([]byte(stdout.String()), &doc); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, stdout.String())
	}
	if len(doc.Articles) != 1 {
		t.Fatalf("export has %d articles, want the posted one only:\n%s", len(doc.Articles), stdout.String())
	}
	a := doc.Articles[0]
	if a.ID != articleID || len(a.Posts) != 2 || len(a.Comments) != 3 {
		t.Fatalf("article %d with %d posts and %d comments, want article %d with 2 posts and 3 comments:\n%s",
			a.ID, len(a.Posts), len(a.Comments), articleID, stdout.String())
	}
	byOrigin := map[bot.RemoteID]modelComment{}
	for _, c := range a.Comments {
		if _, dup := byOrigin[c.Origin.Message]; dup {
			t.Errorf("comment %s exported twice", c.Origin.Message)
		}
		byOrigin[c.Origin.Message] = c
	}
	tests := []struct {
		origin    bot.RemoteID
		text      string
		replyTo   int64
		edited    bool
		deleted   bool
		discordID bot.RemoteID // "" means: a mirror's id, whatever it is
		matrixID  bot.RemoteID
	}{
		{origin: "d-100", text: "hello from discord", discordID: "d-100", matrixID: matrixCopy},
		{origin: "$m-200", text: "a corrected reply from matrix", replyTo: first.ID, edited: true, matrixID: "$m-200"},
		{origin: "d-300", text: "", deleted: true, discordID: "d-300"},
	}
	for _, tc := range tests {
		c, ok := byOrigin[tc.origin]
		if !ok {
			t.Errorf("comment %s missing from the export", tc.origin)
			continue
		}
		if c.Text != tc.text || c.ReplyTo != tc.replyTo || (c.Edited != "") != tc.edited || (c.Deleted != "") != tc.deleted {
			t.Errorf("comment %s: text %q reply_to %d edited %q deleted %q; want %q, %d, edited %v, deleted %v",
				tc.origin, c.Text, c.ReplyTo, c.Edited, c.Deleted, tc.text, tc.replyTo, tc.edited, tc.deleted)
		}
		for _, p := range []struct {
			platform bot.Platform
			want     bot.RemoteID
		}{{bot.Discord, tc.discordID}, {bot.Matrix, tc.matrixID}} {
			ids := c.IDs[p.platform]
			if len(ids) != 1 || (p.want != "" && ids[0] != p.want) {
				t.Errorf("comment %s: %s ids %v, want one (%q)", tc.origin, p.platform, ids, p.want)
			}
		}
		if c.Author.Name == "" || c.Created == "" {
			t.Errorf("comment %s: author %+v created %q, want both", tc.origin, c.Author, c.Created)
		}
	}

	// One article by id; an unknown id is an error that names it.
	stdout.Reset()
	arg := fmt.Sprint(articleID)
	if code := dispatch(ctx, []string{"export", "-format", "json", "-article", arg, "-config", cfgPath, "-data", dataDir}, &stdout, &stderr); code != 0 {
		t.Fatalf("herald export -article %s: exit %d: %s", arg, code, stderr.String())
	}
	if err := json.Unmarshal([]byte(stdout.String()), &doc); err != nil || len(doc.Articles) != 1 || doc.Articles[0].ID != articleID {
		t.Errorf("export -article %s: %v, %d articles; want article %s alone", arg, err, len(doc.Articles), arg)
	}
	stderr.Reset()
	if code := dispatch(ctx, []string{"export", "-format", "json", "-article", "9999", "-config", cfgPath, "-data", dataDir}, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), "9999") {
		t.Errorf("export of an unknown article: exit %d, stderr %q; want an error naming 9999", code, stderr.String())
	}
}
