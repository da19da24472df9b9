package store_test

import (
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// A process that died holding leases (kill -9) leaves them in the
// database; the next process on that SQLite file expires them at start and
// picks the work up at once, still treating each row as a takeover.
func TestExpireLeasesOfADeadProcess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		feed := mustAddFeed(t, db, "https://expire.example/feed", bot.FromCommand)
		if err := db.RecordPoll(ctx, feed.ID, bot.PollRecord{CheckedAt: t0.Add(-time.Hour), NextCheck: t0, OK: true}); err != nil {
			t.Fatal(err)
		}
		if err := db.Enqueue(ctx, postRow(seedArticle(t, db, "expire"), discord("7"))); err != nil {
			t.Fatal(err)
		}
		// (seedArticle adds a feed of its own: both are due.)
		leased, err := db.LeaseDueFeeds(ctx, "dead", t0, time.Hour, 10)
		if err != nil || len(leased) != 2 {
			t.Fatalf("dead process leased %v, %v; want both feeds", ids(leased), err)
		}
		got, err := db.ClaimOutbox(ctx, "dead", nil, t0, time.Hour, 10)
		if err != nil || len(got) != 1 {
			t.Fatalf("dead process claimed %d rows, %v; want 1", len(got), err)
		}

		later := t0.Add(time.Second)
		if got, _ := db.LeaseDueFeeds(ctx, "next", later, time.Hour, 10); len(got) != 0 {
			t.Fatalf("the feed was leased again while the dead lease held")
		}
		feeds, rows, err := db.ExpireLeases(ctx)
		if err != nil || feeds != 2 || rows != 1 {
			t.Fatalf("ExpireLeases = %d feeds, %d rows, %v; want 2, 1, nil", feeds, rows, err)
		}
		if got, err := db.LeaseDueFeeds(ctx, "next", later, time.Hour, 10); err != nil || len(got) != 2 {
			t.Errorf("after ExpireLeases the next process leased %v, %v; want both feeds at once", ids(got), err)
		}
		got, err = db.ClaimOutbox(ctx, "next", nil, later, time.Hour, 10)
		if err != nil || len(got) != 1 {
			t.Fatalf("after ExpireLeases the next process claimed %d rows, %v; want 1", len(got), err)
		}
		if got[0].Attempts != 1 {
			t.Errorf("attempts after the takeover = %d, want 1: the dead send may have landed", got[0].Attempts)
		}
	})
}
