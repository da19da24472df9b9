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

func TestLeaseDueFeeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		var feeds []bot.Feed
		for i := range 4 {
			feeds = append(feeds, mustAddFeed(t, db, fmt.Sprintf("https://lease.example/%d", i), bot.FromCommand))
		}
		// feed 0: due now; 1: due later; 2: paused; 3: due earlier than 0.
		record := func(id int64, next time.Time) {
			t.Helper()
			if err := db.RecordPoll(ctx, id, bot.PollRecord{CheckedAt: t0.Add(-time.Hour), NextCheck: next, OK: true}); err != nil {
				t.Fatal(err)
			}
		}
		record(feeds[0].ID, t0)
		record(feeds[1].ID, t0.Add(time.Minute))
		record(feeds[2].ID, t0)
		record(feeds[3].ID, t0.Add(-time.Minute))
		if err := db.SetFeedPaused(ctx, feeds[2].ID, true, "admin"); err != nil {
			t.Fatal(err)
		}

		a, err := db.LeaseDueFeeds(ctx, "owner-a", t0, time.Minute, 10)
		if err != nil {
			t.Fatalf("LeaseDueFeeds(a): %v", err)
		}
		if got, want := ids(a), []int64{feeds[3].ID, feeds[0].ID}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("owner a leased %v, want %v (due ones, earliest first, not paused, not future)", got, want)
		}
		// Another owner, and the same owner, get nothing while the lease holds.
		for _, owner := range []string{"owner-b", "owner-a"} {
			got, err := db.LeaseDueFeeds(ctx, owner, t0.Add(30*time.Second), time.Minute, 10)
			if err != nil || len(got) != 0 {
				t.Errorf("%s during a's lease got %v, %v; want nothing", owner, ids(got), err)
			}
		}
		// After the lease expires, b takes them over (and feed 1 is due by then).
		b, err := db.LeaseDueFeeds(ctx, "owner-b", t0.Add(61*time.Second), time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(b), []int64{feeds[3].ID, feeds[0].ID, feeds[1].ID}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("owner b after expiry leased %v, want %v", got, want)
		}
		// RecordPoll releases the lease.
		record(feeds[0].ID, t0)
		c, _ := db.LeaseDueFeeds(ctx, "owner-c", t0.Add(62*time.Second), time.Minute, 10)
		if got := ids(c); len(got) != 1 || got[0] != feeds[0].ID {
			t.Errorf("after RecordPoll, owner c leased %v, want only feed %d", got, feeds[0].ID)
		}
		// A limit is honoured; a removed feed is never leased.
		if err := db.RemoveFeed(ctx, feeds[3].ID); err != nil {
			t.Fatal(err)
		}
		d, _ := db.LeaseDueFeeds(ctx, "owner-d", t0.Add(time.Hour), time.Minute, 1)
		if got := ids(d); len(got) != 1 || got[0] == feeds[3].ID {
			t.Errorf("limit 1 after removing feed 3 leased %v", got)
		}
	})
}

// TestLeaseDueFeedsConcurrent: several owners lease at once; no feed goes
// to two of them.
func TestLeaseDueFeedsConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		const nFeeds, nOwners = 60, 6
		for i := range nFeeds {
			mustAddFeed(t, db, fmt.Sprintf("https://many.example/%d", i), bot.FromCommand)
		}
		var mu sync.Mutex
		got := map[int64]string{}
		var wg sync.WaitGroup
		errs := make(chan error, nOwners)
		for o := range nOwners {
			owner := fmt.Sprintf("owner-%d", o)
			wg.Go(func() {
				for {
					fs, err := db.LeaseDueFeeds(ctx, owner, t0, time.Hour, 3)
					if err != nil {
						errs <- err
						return
					}
					if len(fs) == 0 {
						return
					}
					mu.Lock()
					for _, f := range fs {
						if prev, dup := got[f.ID]; dup {
							errs <- fmt.Errorf("feed %d leased by %s and %s", f.ID, prev, owner)
						}
						got[f.ID] = owner
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if len(got) != nFeeds {
			t.Errorf("%d feeds leased, want %d", len(got), nFeeds)
		}
	})
}

func ids(fs []bot.Feed) []int64 {
	var out []int64
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}
