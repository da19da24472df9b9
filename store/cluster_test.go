package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// TestSyncConfigFeedsConcurrentInstances applies one config from several
// instances at once, as several `herald run` starting together do: each
// must succeed and the feeds exist once.
func TestSyncConfigFeedsConcurrentInstances(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	var specs []bot.FeedSpec
	for i := range 50 {
		specs = append(specs, bot.FeedSpec{URL: fmt.Sprintf("https://sync.example/%d.xml", i), Name: fmt.Sprint(i), Schedule: "@every 5s",
			Routes: []bot.RouteSpec{{Place: discord("1")}, {Place: matrix("!r:x")}}})
	}
	var dbs []*store.DB
	for range 3 {
		db, err := store.Open(t.Context(), store.Postgres, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(dbs))
	for i, db := range dbs {
		wg.Go(func() { errs[i] = db.SyncConfigFeeds(t.Context(), specs) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: SyncConfigFeeds: %v", i, err)
		}
	}
	fs, err := dbs[0].ListFeeds(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != len(specs) {
		t.Errorf("feeds after three concurrent syncs: got %d, want %d", len(fs), len(specs))
	}
}

// TestClaimCountsATakeover: claiming a row whose lease expired with its
// owner still named counts that owner's attempt (its send may have landed);
// a row given back with ReleaseOutbox does not.
func TestClaimCountsATakeover(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		art := seedArticle(t, db, "takeover")
		if err := db.Enqueue(ctx, postRow(art, discord("1")), postRow(art, discord("2"))); err != nil {
			t.Fatal(err)
		}
		kinds := []bot.OutboxKind{bot.PostArticle}
		claim := func(owner string, at time.Time) []bot.OutboxRow {
			t.Helper()
			rows, err := db.ClaimOutboxOrdered(ctx, owner, []bot.Platform{bot.Discord}, kinds, at, time.Minute, 10)
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}
		first := claim("dead", t0)
		if len(first) != 2 || first[0].Attempts != 0 || first[1].Attempts != 0 {
			t.Fatalf("first claim: got %+v, want both rows with no attempts", first)
		}
		if err := db.ReleaseOutbox(ctx, first[1].ID, "dead"); err != nil {
			t.Fatal(err)
		}
		later := claim("alive", t0.Add(2*time.Minute))
		if len(later) != 2 {
			t.Fatalf("claim after expiry: got %+v, want both rows", later)
		}
		if r := later[0]; r.Attempts != 1 || r.LastError != "the lease of dead expired before it recorded an outcome" {
			t.Errorf("taken-over row: attempts %d, error %q; want 1 and the dead owner named", r.Attempts, r.LastError)
		}
		if r := later[1]; r.Attempts != 0 || r.LastError != "" {
			t.Errorf("released row: attempts %d, error %q; want 0 and none", r.Attempts, r.LastError)
		}
	})
}
