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

// seedArticle ingests one article with no deliveries and returns its id.
func seedArticle(t *testing.T, db *store.DB, key string) int64 {
	t.Helper()
	f, err := db.FeedByURL(ctxFor(t), "https://outbox.example/feed")
	if err != nil {
		f = mustAddFeed(t, db, "https://outbox.example/feed", bot.FromConfig)
	}
	res, err := db.Ingest(ctxFor(t), f.ID, []bot.Incoming{{Article: article(key, "h")}})
	if err != nil {
		t.Fatalf("Ingest(%s): %v", key, err)
	}
	return res[0].ArticleID
}

func postRow(articleID int64, to bot.Place) bot.OutboxRow {
	return bot.OutboxRow{Kind: bot.PostArticle, Target: to, ArticleID: articleID,
		Key: bot.OutboxKey("test", fmt.Sprint(articleID), to.String())}
}

func TestOutboxLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		art := seedArticle(t, db, "x")
		rows := []bot.OutboxRow{postRow(art, discord("1")), postRow(art, matrix("!m:x")), postRow(art, discord("2"))}
		rows[2].NotBefore = t0.Add(time.Hour) // quiet hours
		if err := db.Enqueue(ctx, rows...); err != nil {
			t.Fatalf("Enqueue: %v", err)
		}
		// Enqueuing the same keys again is a no-op.
		if err := db.Enqueue(ctx, rows...); err != nil {
			t.Fatalf("Enqueue again: %v", err)
		}
		if got := allRows(t, db); len(got) != 3 {
			t.Fatalf("%d rows after enqueuing twice, want 3", len(got))
		}
		if err := db.Enqueue(ctx, bot.OutboxRow{Kind: bot.PostArticle, Target: discord("1"), ArticleID: art}); err == nil {
			t.Error("Enqueue of a row without a key succeeded")
		}

		// Only Discord rows, only due ones.
		got, err := db.ClaimOutbox(ctx, "a", []bot.Platform{bot.Discord}, t0, time.Minute, 10)
		if err != nil {
			t.Fatalf("ClaimOutbox: %v", err)
		}
		if len(got) != 1 || got[0].Target != discord("1") || got[0].Key != rows[0].Key {
			t.Fatalf("claimed %+v, want only the due Discord row", got)
		}
		d1 := got[0]
		// Leased: nobody gets it again until the lease ends.
		if again, _ := db.ClaimOutbox(ctx, "b", nil, t0.Add(30*time.Second), time.Minute, 10); len(again) != 1 || again[0].Target != matrix("!m:x") {
			t.Errorf("b during a's lease claimed %+v, want only the Matrix row", again)
		}
		// a's lease expires: b takes the row over, and a's attempt, whose
		// outcome nobody knows, counts.
		taken, _ := db.ClaimOutbox(ctx, "b", []bot.Platform{bot.Discord}, t0.Add(2*time.Minute), time.Minute, 10)
		if len(taken) != 1 || taken[0].ID != d1.ID || taken[0].Attempts != 1 || taken[0].LastError != "the lease of a expired before it recorded an outcome" {
			t.Errorf("after expiry b claimed %+v, want row %d with a's attempt counted", taken, d1.ID)
		}

		// Retry: counted, due again later, lease released.
		retryAt := t0.Add(10 * time.Minute)
		if err := db.RetryOutbox(ctx, d1.ID, "HTTP 502 from discord", retryAt); err != nil {
			t.Fatalf("RetryOutbox: %v", err)
		}
		if early, _ := db.ClaimOutbox(ctx, "c", []bot.Platform{bot.Discord}, retryAt.Add(-time.Second), time.Minute, 10); len(early) != 0 {
			t.Errorf("claimed %+v before the retry time", early)
		}
		late, _ := db.ClaimOutbox(ctx, "c", []bot.Platform{bot.Discord}, retryAt, time.Minute, 10)
		if len(late) != 1 || late[0].ID != d1.ID || late[0].Attempts != 2 || late[0].LastError != "HTTP 502 from discord" {
			t.Fatalf("at the retry time claimed %+v, want row %d with 2 attempts (a's and b's) and b's error", late, d1.ID)
		}

		// Complete: posts row and done, together; a duplicate is fine.
		ref := bot.PostRef{Place: discord("1"), Message: "900", Thread: "900"}
		if err := db.CompletePost(ctx, d1.ID, ref); err != nil {
			t.Fatalf("CompletePost: %v", err)
		}
		if err := db.CompletePost(ctx, d1.ID, ref); err != nil {
			t.Errorf("CompletePost of the same message again: %v", err)
		}
		posts, err := db.Posts(ctx, art)
		if err != nil || len(posts) != 1 || posts[0] != ref {
			t.Errorf("Posts = %+v, %v; want [%+v]", posts, err, ref)
		}
		done, _ := db.OutboxRows(ctx, bot.OutboxDone, 0)
		if len(done) != 1 || done[0].ID != d1.ID || done[0].LastError != "" {
			t.Errorf("done rows = %+v, want row %d with its error cleared", done, d1.ID)
		}
		// A done row is not retried, nor claimed.
		if err := db.RetryOutbox(ctx, d1.ID, "late failure", t0); err != nil {
			t.Errorf("RetryOutbox of a done row: %v", err)
		}
		if again, _ := db.ClaimOutbox(ctx, "d", []bot.Platform{bot.Discord}, t0.Add(24*time.Hour), time.Minute, 10); len(again) != 1 || again[0].ID == d1.ID {
			t.Errorf("a day later claimed %+v, want only the quiet-hours row", again)
		}

		// Park: kept with its error, never claimed again.
		m := rowByTarget(t, db, matrix("!m:x"))
		if err := db.ParkOutbox(ctx, m.ID, "M_FORBIDDEN: not in room"); err != nil {
			t.Fatalf("ParkOutbox: %v", err)
		}
		parked, _ := db.OutboxRows(ctx, bot.OutboxParked, 10)
		if len(parked) != 1 || parked[0].ID != m.ID || parked[0].LastError != "M_FORBIDDEN: not in room" || parked[0].Attempts != 1 {
			t.Errorf("parked rows = %+v", parked)
		}
		if again, _ := db.ClaimOutbox(ctx, "e", []bot.Platform{bot.Matrix}, t0.Add(48*time.Hour), time.Minute, 10); len(again) != 0 {
			t.Errorf("claimed %+v after parking", again)
		}
		// CompleteOutbox, for rows with nothing to record.
		q := rowByTarget(t, db, discord("2"))
		if err := db.CompleteOutbox(ctx, q.ID); err != nil {
			t.Fatalf("CompleteOutbox: %v", err)
		}
		if pending, _ := db.OutboxRows(ctx, bot.OutboxPending, 0); len(pending) != 0 {
			t.Errorf("pending rows left: %+v", pending)
		}

		for name, err := range map[string]error{
			"CompleteOutbox": db.CompleteOutbox(ctx, 9999),
			"CompletePost":   db.CompletePost(ctx, 9999, ref),
			"RetryOutbox":    db.RetryOutbox(ctx, 9999, "x", t0),
			"ParkOutbox":     db.ParkOutbox(ctx, 9999, "x"),
		} {
			wantErrIs(t, name+" of an unknown row", err, bot.ErrNotFound)
		}
	})
}

func rowByTarget(t *testing.T, db *store.DB, p bot.Place) bot.OutboxRow {
	t.Helper()
	for _, r := range allRows(t, db) {
		if r.Target == p {
			return r
		}
	}
	t.Fatalf("no outbox row for %s", p)
	return bot.OutboxRow{}
}

func TestOutboxRowsLimitAndOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		art := seedArticle(t, db, "y")
		for i := range 5 {
			if err := db.Enqueue(ctx, postRow(art, discord(fmt.Sprint(i)))); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := db.OutboxRows(ctx, bot.OutboxPending, 3)
		if err != nil || len(rows) != 3 {
			t.Fatalf("OutboxRows(limit 3) = %d rows, %v", len(rows), err)
		}
		for i, r := range rows {
			if r.Target != discord(fmt.Sprint(i)) || r.Created.IsZero() {
				t.Errorf("row %d = %+v, want discord:%d with a creation time", i, r, i)
			}
		}
		claimed, _ := db.ClaimOutbox(ctx, "a", nil, t0, time.Minute, 2)
		if len(claimed) != 2 || claimed[0].ID != rows[0].ID || claimed[1].ID != rows[1].ID {
			t.Errorf("claim of 2 = %+v, want the two oldest rows", claimed)
		}
	})
}

// TestClaimOutboxConcurrent: several deliverers claim, complete and retry at
// once; every row is completed exactly once.
func TestClaimOutboxConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		art := seedArticle(t, db, "z")
		const nRows, nWorkers = 200, 8
		var rows []bot.OutboxRow
		for i := range nRows {
			rows = append(rows, postRow(art, discord(fmt.Sprint(i))))
		}
		if err := db.Enqueue(ctx, rows...); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		claims := map[int64]int{}
		var wg sync.WaitGroup
		errs := make(chan error, nWorkers)
		for w := range nWorkers {
			owner := fmt.Sprintf("worker-%d", w)
			wg.Go(func() {
				for {
					got, err := db.ClaimOutbox(ctx, owner, []bot.Platform{bot.Discord}, t0, time.Hour, 5)
					if err != nil {
						errs <- fmt.Errorf("%s: claim: %w", owner, err)
						return
					}
					if len(got) == 0 {
						return
					}
					for _, r := range got {
						mu.Lock()
						claims[r.ID]++
						mu.Unlock()
						if err := db.CompleteOutbox(ctx, r.ID); err != nil {
							errs <- fmt.Errorf("%s: complete %d: %w", owner, r.ID, err)
							return
						}
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if len(claims) != nRows {
			t.Errorf("%d rows claimed, want %d", len(claims), nRows)
		}
		for id, n := range claims {
			if n != 1 {
				t.Errorf("row %d claimed %d times", id, n)
			}
		}
		if done, _ := db.OutboxRows(ctx, bot.OutboxDone, 0); len(done) != nRows {
			t.Errorf("%d rows done, want %d", len(done), nRows)
		}
	})
}
