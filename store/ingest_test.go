package store_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

func article(key, hash string) bot.Article {
	return bot.Article{
		Key: key, GUID: key, URL: "https://news.example/" + key, Title: "Title " + key,
		Summary:    richtext.Text{Blocks: []richtext.Node{{Kind: richtext.Paragraph, Children: []richtext.Node{{Kind: richtext.Plain, Text: "summary " + hash}}}}},
		Body:       richtext.Text{Blocks: []richtext.Node{{Kind: richtext.Paragraph, Children: []richtext.Node{{Kind: richtext.Bold, Children: []richtext.Node{{Kind: richtext.Plain, Text: "body"}}}}}}},
		Image:      "https://news.example/" + key + ".png",
		Author:     "Ada",
		Categories: []string{"go", "news"},
		Published:  t0.Add(-time.Hour), Updated: t0.Add(-30 * time.Minute),
		Lang: "en", CommentsFeed: "https://news.example/" + key + "/comments", CommentCount: 3,
		Hash: hash,
	}
}

func deliveries(places ...bot.Place) []bot.Delivery {
	var out []bot.Delivery
	for _, p := range places {
		out = append(out, bot.Delivery{Place: p, Kind: bot.PostArticle})
	}
	return out
}

func outcomes(rs []bot.IngestResult) []bot.IngestOutcome {
	var out []bot.IngestOutcome
	for _, r := range rs {
		out = append(out, r.Outcome)
	}
	return out
}

func TestIngest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		f := mustAddFeed(t, db, "https://news.example/feed", bot.FromConfig)
		places := []bot.Place{discord("100"), matrix("!news:example.org")}
		later := t0.Add(8 * time.Hour)
		batch := []bot.Incoming{
			{Article: article("a1", "h1"), Deliveries: deliveries(places...)},
			{Article: article("a2", "h1"), Deliveries: []bot.Delivery{{Place: places[0], Kind: bot.DigestEntry, NotBefore: later}}},
		}
		res, err := db.Ingest(ctx, f.ID, batch)
		if err != nil {
			t.Fatalf("Ingest: %v", err)
		}
		if got, want := outcomes(res), []bot.IngestOutcome{bot.ArticleNew, bot.ArticleNew}; !reflect.DeepEqual(got, want) {
			t.Fatalf("first ingest outcomes = %v, want %v", got, want)
		}
		a1 := res[0].ArticleID
		got, err := db.Article(ctx, a1)
		if err != nil {
			t.Fatalf("Article(%d): %v", a1, err)
		}
		want := article("a1", "h1")
		want.ID, want.FeedID = a1, f.ID
		if !reflect.DeepEqual(got, want) {
			t.Errorf("stored article differs:\n got %+v\nwant %+v", got, want)
		}

		pending, err := db.OutboxRows(ctx, bot.OutboxPending, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) != 3 {
			t.Fatalf("outbox after first ingest has %d rows, want 3 (2 posts of a1, 1 digest entry of a2): %+v", len(pending), pending)
		}
		keys := map[string]bool{}
		for i, r := range pending {
			if keys[r.Key] || len(r.Key) > 25 || r.Key == "" {
				t.Errorf("row %d key %q: want unique, non-empty, at most 25 characters", i, r.Key)
			}
			keys[r.Key] = true
		}
		if r := pending[0]; r.Kind != bot.PostArticle || r.Target != places[0] || r.ArticleID != a1 || r.State != bot.OutboxPending || r.Attempts != 0 {
			t.Errorf("first row = %+v, want a pending post of article %d to %s", r, a1, places[0])
		}
		if r := pending[2]; r.Kind != bot.DigestEntry || r.ArticleID != res[1].ArticleID || !r.NotBefore.Equal(later) {
			t.Errorf("digest row = %+v, want a digest entry of article %d not before %v", r, res[1].ArticleID, later)
		}

		// The same batch again: nothing new, nothing queued.
		res, err = db.Ingest(ctx, f.ID, batch)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := outcomes(res), []bot.IngestOutcome{bot.ArticleUnchanged, bot.ArticleUnchanged}; !reflect.DeepEqual(got, want) {
			t.Errorf("second ingest outcomes = %v, want %v", got, want)
		}
		if res[0].ArticleID != a1 {
			t.Errorf("unchanged article id = %d, want %d", res[0].ArticleID, a1)
		}
		if rows, _ := db.OutboxRows(ctx, bot.OutboxPending, 0); len(rows) != 3 {
			t.Errorf("outbox after replay has %d rows, want 3", len(rows))
		}

		// a1 is posted on Discord, then edited in the feed: one EditArticle
		// row per post, the new content stored.
		if err := db.CompletePost(ctx, pending[0].ID, bot.PostRef{Place: places[0], Message: "m1", Thread: "m1"}); err != nil {
			t.Fatal(err)
		}
		edited := article("a1", "h2")
		edited.Title = "Corrected title"
		res, err = db.Ingest(ctx, f.ID, []bot.Incoming{{Article: edited, Deliveries: deliveries(places...)}})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Outcome != bot.ArticleUpdated || res[0].ArticleID != a1 {
			t.Fatalf("edited ingest = %+v, want updated article %d", res[0], a1)
		}
		if got, _ := db.Article(ctx, a1); got.Title != "Corrected title" || got.Hash != "h2" {
			t.Errorf("after update: title %q hash %q", got.Title, got.Hash)
		}
		edits := rowsOfKind(t, db, bot.EditArticle)
		if len(edits) != 1 || edits[0].Target != places[0] || edits[0].ArticleID != a1 {
			t.Fatalf("edit rows = %+v, want one for the Discord post", edits)
		}
		// Back to the first content: that is another edit, not a no-op.
		if _, err := db.Ingest(ctx, f.ID, []bot.Incoming{{Article: article("a1", "h1")}}); err != nil {
			t.Fatal(err)
		}
		if edits := rowsOfKind(t, db, bot.EditArticle); len(edits) != 2 || edits[0].Key == edits[1].Key {
			t.Errorf("after reverting: edit rows = %+v, want two with distinct keys", edits)
		}

		// Tombstoned: gone with its rows, and never ingested again.
		a2 := pending[2].ArticleID
		if err := db.Tombstone(ctx, a2); err != nil {
			t.Fatalf("Tombstone: %v", err)
		}
		_, err = db.Article(ctx, a2)
		wantErrIs(t, "Article after Tombstone", err, bot.ErrNotFound)
		for _, r := range allRows(t, db) {
			if r.ArticleID == a2 {
				t.Errorf("outbox row %+v of the tombstoned article survived", r)
			}
		}
		res, err = db.Ingest(ctx, f.ID, []bot.Incoming{{Article: article("a2", "h9"), Deliveries: deliveries(places...)}})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Outcome != bot.ArticleRemoved || res[0].ArticleID != 0 {
			t.Errorf("re-ingest of a tombstoned key = %+v, want tombstoned with no id", res[0])
		}
		wantErrIs(t, "Tombstone of an unknown article", db.Tombstone(ctx, 9999), bot.ErrNotFound)

		// Keys are per feed: another feed may carry the same key.
		g := mustAddFeed(t, db, "https://mirror.example/feed", bot.FromConfig)
		res, err = db.Ingest(ctx, g.ID, []bot.Incoming{{Article: article("a2", "h1")}})
		if err != nil || res[0].Outcome != bot.ArticleNew {
			t.Errorf("same key in another feed = %+v, %v; want new", res, err)
		}
	})
}

// TestIngestIsAtomic: a batch that fails half-way stores nothing.
func TestIngestIsAtomic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		f := mustAddFeed(t, db, "https://atomic.example/feed", bot.FromConfig)
		batch := []bot.Incoming{
			{Article: article("ok", "h"), Deliveries: deliveries(discord("1"))},
			// A delivery without a channel fails when its outbox row is written.
			{Article: article("bad", "h"), Deliveries: []bot.Delivery{{Place: bot.Place{Platform: bot.Discord}}}},
		}
		if _, err := db.Ingest(ctx, f.ID, batch); err == nil {
			t.Fatal("Ingest with a broken delivery succeeded")
		}
		res, err := db.Ingest(ctx, f.ID, batch[:1])
		if err != nil || res[0].Outcome != bot.ArticleNew {
			t.Errorf("after the failed batch, ingesting its first item = %+v, %v; want new (nothing was kept)", res, err)
		}
		if rows := allRows(t, db); len(rows) != 1 {
			t.Errorf("outbox has %d rows, want 1", len(rows))
		}
		if _, err := db.Ingest(ctx, f.ID, []bot.Incoming{{Article: bot.Article{Title: "no key"}}}); err == nil {
			t.Error("Ingest of an item without a key succeeded")
		}
	})
}

func rowsOfKind(t *testing.T, db *store.DB, kind bot.OutboxKind) []bot.OutboxRow {
	t.Helper()
	var out []bot.OutboxRow
	for _, r := range allRows(t, db) {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

func allRows(t *testing.T, db *store.DB) []bot.OutboxRow {
	t.Helper()
	var out []bot.OutboxRow
	for _, s := range []bot.OutboxState{bot.OutboxPending, bot.OutboxDone, bot.OutboxParked} {
		rows, err := db.OutboxRows(ctxFor(t), s, 0)
		if err != nil {
			t.Fatalf("OutboxRows(%s): %v", s, err)
		}
		out = append(out, rows...)
	}
	return out
}

// TestIngestBatchEdges: a key twice in one batch, and a batch larger than
// one lookup chunk.
func TestIngestBatchEdges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		f := mustAddFeed(t, db, "https://edges.example/feed", bot.FromConfig)
		res, err := db.Ingest(ctx, f.ID, []bot.Incoming{
			{Article: article("twice", "h1"), Deliveries: deliveries(discord("1"))},
			{Article: article("twice", "h1"), Deliveries: deliveries(discord("1"))},
			{Article: article("twice", "h2"), Deliveries: deliveries(discord("1"))},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := outcomes(res), []bot.IngestOutcome{bot.ArticleNew, bot.ArticleUnchanged, bot.ArticleUpdated}; !reflect.DeepEqual(got, want) {
			t.Errorf("one key three times = %v, want %v", got, want)
		}
		if res[0].ArticleID != res[1].ArticleID || res[1].ArticleID != res[2].ArticleID {
			t.Errorf("ids %d %d %d, want one article", res[0].ArticleID, res[1].ArticleID, res[2].ArticleID)
		}
		if rows := allRows(t, db); len(rows) != 1 {
			t.Errorf("%d outbox rows, want 1 (no post yet, so no edit row)", len(rows))
		}

		const n = 1203 // more than two lookup chunks
		var big []bot.Incoming
		for i := range n {
			big = append(big, bot.Incoming{Article: bot.Article{Key: fmt.Sprint("big", i), Hash: "h"}})
		}
		if err := db.Tombstone(ctx, res[0].ArticleID); err != nil {
			t.Fatal(err)
		}
		big = append(big, bot.Incoming{Article: article("twice", "h3")})
		first, err := db.Ingest(ctx, f.ID, big)
		if err != nil {
			t.Fatal(err)
		}
		second, err := db.Ingest(ctx, f.ID, big)
		if err != nil {
			t.Fatal(err)
		}
		count := func(rs []bot.IngestResult) map[bot.IngestOutcome]int {
			m := map[bot.IngestOutcome]int{}
			for _, r := range rs {
				m[r.Outcome]++
			}
			return m
		}
		if got, want := count(first), map[bot.IngestOutcome]int{bot.ArticleNew: n, bot.ArticleRemoved: 1}; !reflect.DeepEqual(got, want) {
			t.Errorf("first big batch = %v, want %v", got, want)
		}
		if got, want := count(second), map[bot.IngestOutcome]int{bot.ArticleUnchanged: n, bot.ArticleRemoved: 1}; !reflect.DeepEqual(got, want) {
			t.Errorf("second big batch = %v, want %v", got, want)
		}
	})
}
