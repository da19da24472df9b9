package store_test

import (
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

func TestDigest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		f := mustAddFeed(t, db, "https://digest.example/feed", bot.FromConfig)
		other := mustAddFeed(t, db, "https://other.example/feed", bot.FromConfig)
		place, elsewhere := discord("digest"), discord("live")
		entry := func(p bot.Place) []bot.Delivery { return []bot.Delivery{{Place: p, Kind: bot.DigestEntry}} }
		if _, err := db.Ingest(ctx, f.ID, []bot.Incoming{
			{Article: article("d1", "h"), Deliveries: entry(place)},
			{Article: article("d2", "h"), Deliveries: append(entry(place), deliveries(elsewhere)...)},
			{Article: article("d3", "h"), Deliveries: entry(elsewhere)},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Ingest(ctx, other.ID, []bot.Incoming{{Article: article("o1", "h"), Deliveries: entry(place)}}); err != nil {
			t.Fatal(err)
		}

		// Deliverers never see digest entries.
		claimed, err := db.ClaimOutbox(ctx, "deliverer", nil, t0.Add(time.Hour), time.Minute, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(claimed) != 1 || claimed[0].Kind != bot.PostArticle || claimed[0].Target != elsewhere {
			t.Fatalf("ClaimOutbox handed out %+v, want only the one PostArticle row", claimed)
		}

		entries, err := db.DigestEntries(ctx, f.ID, place, 0)
		if err != nil {
			t.Fatalf("DigestEntries: %v", err)
		}
		if len(entries) != 2 || entries[0].Kind != bot.DigestEntry || entries[0].ID > entries[1].ID {
			t.Fatalf("DigestEntries = %+v, want d1 and d2's entries for %s, oldest first", entries, place)
		}
		if one, _ := db.DigestEntries(ctx, f.ID, place, 1); len(one) != 1 || one[0].ID != entries[0].ID {
			t.Errorf("DigestEntries(limit 1) = %+v", one)
		}

		digest := bot.Article{FeedID: f.ID, Key: "digest:discord:digest:2026-11-28", Title: "Digest", Hash: "x"}
		ids := []int64{entries[0].ID, entries[1].ID}
		id, err := db.ComposeDigest(ctx, place, digest, ids)
		if err != nil {
			t.Fatalf("ComposeDigest: %v", err)
		}
		if a, err := db.Article(ctx, id); err != nil || a.Title != "Digest" {
			t.Errorf("digest article = %+v, %v", a, err)
		}
		if left, _ := db.DigestEntries(ctx, f.ID, place, 0); len(left) != 0 {
			t.Errorf("entries left after composing: %+v", left)
		}
		posts, _ := db.ClaimOutbox(ctx, "deliverer", nil, t0.Add(time.Hour), time.Minute, 100)
		if len(posts) != 1 || posts[0].ArticleID != id || posts[0].Target != place || posts[0].Kind != bot.PostArticle {
			t.Errorf("after composing, claimable rows = %+v, want the digest's post to %s", posts, place)
		}

		// A second composer (another instance) writes nothing.
		_, err = db.ComposeDigest(ctx, place, digest, ids)
		wantErrIs(t, "composing the same entries again", err, bot.ErrExists)
		o, _ := db.DigestEntries(ctx, other.ID, place, 0)
		_, err = db.ComposeDigest(ctx, place, digest, []int64{o[0].ID})
		wantErrIs(t, "composing under a key already taken", err, bot.ErrExists)
		if still, _ := db.DigestEntries(ctx, other.ID, place, 0); len(still) != 1 {
			t.Errorf("a refused compose consumed entries: %+v", still)
		}
	})
}
