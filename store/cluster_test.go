package store_test

import (
	"fmt"
	"sync"
	"testing"

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
