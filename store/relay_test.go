package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

var (
	relayD = bot.Place{Platform: bot.Discord, Channel: "100"}
	relayM = bot.Place{Platform: bot.Matrix, Channel: "!r:test"}
	relayT = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
)

// relayArticles stores n articles of one feed, with no deliveries.
func relayArticles(t *testing.T, db *store.DB, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	f, err := db.AddFeed(ctx, bot.FeedSpec{URL: "https://relay.test/feed"}, bot.FromCommand)
	if err != nil {
		t.Fatal(err)
	}
	var items []bot.Incoming
	for i := range n {
		items = append(items, bot.Incoming{Article: bot.Article{Key: fmt.Sprint(i), Title: fmt.Sprint("a", i), Hash: "h"}})
	}
	res, err := db.Ingest(ctx, f.ID, items)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range res {
		ids = append(ids, r.ArticleID)
	}
	return ids
}

var relayKinds = []bot.OutboxKind{bot.PostArticle, bot.EditArticle, bot.PostComment, bot.EditComment, bot.DeleteComment}

func claimKeys(t *testing.T, db *store.DB, owner string, now time.Time, limit int) []string {
	t.Helper()
	rows, err := db.ClaimOutboxOrdered(context.Background(), owner, []bot.Platform{bot.Discord, bot.Matrix}, relayKinds, now, time.Hour, limit)
	if err != nil {
		t.Fatalf("claim: %v", err)
	}
	var keys []string
	for _, r := range rows {
		keys = append(keys, r.Key)
	}
	return keys
}

func TestClaimOutboxOrderedTakesLaneHeads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := relayArticles(t, db, 2)
		rows := []bot.OutboxRow{
			{Kind: bot.DigestEntry, Target: relayD, ArticleID: a[0], Key: "digest"}, // not the deliverer's: neither claimed nor blocking
			{Kind: bot.PostArticle, Target: relayD, ArticleID: a[0], Key: "d1"},
			{Kind: bot.EditArticle, Target: relayD, ArticleID: a[0], Key: "d2"},
			{Kind: bot.EditArticle, Target: relayD, ArticleID: a[0], Key: "d3"},
			{Kind: bot.PostArticle, Target: relayM, ArticleID: a[0], Key: "m1"},
			{Kind: bot.PostArticle, Target: relayD, ArticleID: a[1], Key: "other-article"},
		}
		if err := db.Enqueue(ctx, rows...); err != nil {
			t.Fatal(err)
		}
		id := map[string]int64{}
		pending, err := db.OutboxRows(ctx, bot.OutboxPending, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range pending {
			id[r.Key] = r.ID
		}
		steps := []struct {
			name string
			do   func() error
			now  time.Time
			want []string
		}{
			{"heads of three lanes", nil, relayT, []string{"d1", "m1", "other-article"}},
			{"a leased head blocks its lane", nil, relayT, nil},
			{"a head backing off still blocks", func() error { return db.RetryOutbox(ctx, id["d1"], "boom", relayT.Add(time.Hour)) },
				relayT.Add(2 * time.Minute), nil},
			{"parked heads do not block", func() error { return db.ParkOutbox(ctx, id["d1"], "refused") },
				relayT.Add(3 * time.Minute), []string{"d2"}},
			{"done heads do not block", func() error { return db.CompleteOutbox(ctx, id["d2"]) },
				relayT.Add(4 * time.Minute), []string{"d3"}},
		}
		for i, s := range steps {
			if s.do != nil {
				if err := s.do(); err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
			}
			got := claimKeys(t, db, fmt.Sprint("owner-", i), s.now, 10)
			if !slices.Equal(got, s.want) {
				t.Errorf("%s: claimed %q, want %q", s.name, got, s.want)
			}
		}
	})
}

func TestReleaseOutboxOnlyByItsOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := relayArticles(t, db, 1)
		if err := db.Enqueue(ctx, bot.OutboxRow{Kind: bot.PostArticle, Target: relayD, ArticleID: a[0], Key: "k"}); err != nil {
			t.Fatal(err)
		}
		rows, err := db.ClaimOutboxOrdered(ctx, "a", []bot.Platform{bot.Discord}, relayKinds, relayT, time.Minute, 1)
		if err != nil || len(rows) != 1 {
			t.Fatalf("claim = %v, %v", rows, err)
		}
		if err := db.ReleaseOutbox(ctx, rows[0].ID, "b"); err != nil {
			t.Fatal(err)
		}
		if got := claimKeys(t, db, "c", relayT, 1); len(got) != 0 {
			t.Errorf("after a release by another owner, claimed %q, want nothing", got)
		}
		if err := db.ReleaseOutbox(ctx, rows[0].ID, "a"); err != nil {
			t.Fatal(err)
		}
		if got := claimKeys(t, db, "c", relayT, 1); !slices.Equal(got, []string{"k"}) {
			t.Errorf("after its owner released it, claimed %q, want [k]", got)
		}
	})
}

// TestClaimOutboxOrderedConcurrentClaimers has several claimers race for the
// same rows: each row goes to exactly one.
func TestClaimOutboxOrderedConcurrentClaimers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		arts := relayArticles(t, db, 40)
		var rows []bot.OutboxRow
		for _, a := range arts {
			rows = append(rows, bot.OutboxRow{Kind: bot.PostArticle, Target: relayD, ArticleID: a, Key: fmt.Sprint("k", a)})
		}
		if err := db.Enqueue(ctx, rows...); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		got := map[string]int{}
		var wg sync.WaitGroup
		for c := range 4 {
			wg.Go(func() {
				for range 10 {
					rs, err := db.ClaimOutboxOrdered(ctx, fmt.Sprint("c", c), []bot.Platform{bot.Discord}, relayKinds, relayT, time.Minute, 3)
					if err != nil {
						t.Errorf("claimer %d: %v", c, err)
						return
					}
					mu.Lock()
					for _, r := range rs {
						got[r.Key]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(got) != len(rows) {
			t.Errorf("%d of %d rows claimed", len(got), len(rows))
		}
		for k, n := range got {
			if n != 1 {
				t.Errorf("row %s claimed %d times, want once", k, n)
			}
		}
	})
}

func TestCommentLifecycleInStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := relayArticles(t, db, 1)[0]
		// The article is posted in Discord and still being posted to Matrix.
		if err := db.Enqueue(ctx,
			bot.OutboxRow{Kind: bot.PostArticle, Target: relayD, ArticleID: a, Key: "post-d"},
			bot.OutboxRow{Kind: bot.PostArticle, Target: relayM, ArticleID: a, Key: "post-m"}); err != nil {
			t.Fatal(err)
		}
		rows, err := db.ClaimOutboxOrdered(ctx, "o", []bot.Platform{bot.Discord}, relayKinds, relayT, time.Minute, 1)
		if err != nil || len(rows) != 1 {
			t.Fatalf("claim = %v, %v", rows, err)
		}
		if err := db.CompletePost(ctx, rows[0].ID, bot.PostRef{Place: relayD, Message: "900", Thread: "900"}); err != nil {
			t.Fatal(err)
		}
		if got, err := db.ArticleByThread(ctx, bot.Place{Platform: bot.Discord}, "900"); err != nil || got != a {
			t.Errorf("ArticleByThread without channel = %d, %v; want %d", got, err, a)
		}

		c := bot.Comment{ArticleID: a, Origin: bot.PostRef{Place: relayD, Message: "901", Thread: "900"},
			Author: bot.Author{Platform: bot.Discord, ID: "u1", Name: "Ann"}, Body: richtext.FromPlain("hi"), Created: relayT}
		saved, isNew, err := db.SaveComment(ctx, c)
		if err != nil || !isNew || saved.ID == 0 {
			t.Fatalf("SaveComment = %+v, %v, %v; want a new comment", saved, isNew, err)
		}
		again, isNew, err := db.SaveComment(ctx, c)
		if err != nil || isNew || again.ID != saved.ID {
			t.Errorf("SaveComment replay = id %d, new %v, %v; want id %d, not new", again.ID, isNew, err, saved.ID)
		}
		queued := pendingOf(t, db, saved.ID)
		if want := []string{"post_comment matrix:!r:test"}; !slices.Equal(queued, want) {
			t.Errorf("queued for the comment: %q, want %q (the place still being posted to, not its own)", queued, want)
		}

		if _, changed, err := db.EditComment(ctx, bot.Discord, "901", richtext.FromPlain("hi!"), relayT.Add(time.Minute)); err != nil || !changed {
			t.Errorf("EditComment = changed %v, %v; want changed", changed, err)
		}
		if _, changed, err := db.EditComment(ctx, bot.Discord, "901", richtext.FromPlain("old"), relayT.Add(time.Second)); err != nil || changed {
			t.Errorf("stale EditComment = changed %v, %v; want unchanged", changed, err)
		}
		if _, _, err := db.EditComment(ctx, bot.Discord, "nope", richtext.FromPlain("x"), relayT); err == nil {
			t.Errorf("EditComment of an unknown message succeeded, want ErrNotFound")
		}
		del, changed, err := db.DeleteComment(ctx, a, c.Origin, relayT.Add(time.Hour))
		if err != nil || !changed || del.Deleted.IsZero() || !del.Body.IsEmpty() {
			t.Errorf("DeleteComment = %+v, changed %v, %v; want deleted with its body gone", del, changed, err)
		}
		if _, changed, _ := db.DeleteComment(ctx, a, c.Origin, relayT.Add(2*time.Hour)); changed {
			t.Errorf("deleting twice changed something")
		}
		queued = pendingOf(t, db, saved.ID)
		want := []string{"post_comment matrix:!r:test", "edit_comment matrix:!r:test", "delete_comment matrix:!r:test"}
		if !slices.Equal(queued, want) {
			t.Errorf("queued for the comment: %q, want %q", queued, want)
		}
		got, err := db.Comment(ctx, saved.ID)
		if err != nil || got.Deleted.IsZero() || got.Author.Name != "Ann" || !got.Created.Equal(relayT) {
			t.Errorf("Comment = %+v, %v", got, err)
		}
	})
}

// pendingOf lists "kind target" of a comment's pending rows in order.
func pendingOf(t *testing.T, db *store.DB, commentID int64) []string {
	t.Helper()
	rows, err := db.OutboxRows(context.Background(), bot.OutboxPending, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		if r.CommentID == commentID {
			out = append(out, string(r.Kind)+" "+r.Target.String())
		}
	}
	return out
}

func TestCompleteMirrorRecordsPartsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := relayArticles(t, db, 1)[0]
		c, _, err := db.SaveComment(ctx, bot.Comment{ArticleID: a, Origin: bot.PostRef{Place: relayD, Message: "1", Thread: "0"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Enqueue(ctx, bot.OutboxRow{Kind: bot.PostComment, Target: relayM, ArticleID: a, CommentID: c.ID, Key: "m"}); err != nil {
			t.Fatal(err)
		}
		rows, err := db.ClaimOutboxOrdered(ctx, "o", []bot.Platform{bot.Matrix}, relayKinds, relayT, time.Minute, 1)
		if err != nil || len(rows) != 1 {
			t.Fatalf("claim = %v, %v", rows, err)
		}
		ids := []bot.RemoteID{"$p1", "$p2"}
		for range 2 { // the second is a resend that got the same events back
			if err := db.CompleteMirror(ctx, rows[0].ID, c.ID, relayM, ids); err != nil {
				t.Fatal(err)
			}
		}
		ms, err := db.Mirrors(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 1 || ms[0].Place != relayM || !slices.Equal(ms[0].IDs, ids) {
			t.Errorf("Mirrors = %+v, want one in %s with %v", ms, relayM, ids)
		}
		for _, id := range ids {
			if owner, err := db.MirrorOwner(ctx, bot.Matrix, id); err != nil || owner != c.ID {
				t.Errorf("MirrorOwner(%s) = %d, %v; want %d", id, owner, err, c.ID)
			}
		}
		if _, err := db.MirrorOwner(ctx, bot.Discord, "$p1"); err == nil {
			t.Errorf("MirrorOwner matched an id on the wrong platform")
		}
	})
}

// TestCommentCreateDeleteRace has a message's create and its delete arrive
// at once (on two instances): whichever wins, the comment must never end
// up stored and not deleted while its tombstone says it was deleted.
func TestCommentCreateDeleteRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := relayArticles(t, db, 1)[0]
		for i := range 40 {
			origin := bot.PostRef{Place: relayD, Message: bot.RemoteID(fmt.Sprint("race-", i)), Thread: "0"}
			var wg sync.WaitGroup
			wg.Go(func() {
				if _, _, err := db.SaveComment(ctx, bot.Comment{ArticleID: a, Origin: origin, Body: richtext.FromPlain("x"), Created: relayT}); err != nil {
					t.Errorf("save: %v", err)
				}
			})
			wg.Go(func() {
				if _, _, err := db.DeleteComment(ctx, a, origin, relayT.Add(time.Second)); err != nil {
					t.Errorf("delete: %v", err)
				}
			})
			wg.Wait()
			c, err := db.CommentByOrigin(ctx, bot.Discord, origin.Message)
			if err == nil && c.Deleted.IsZero() {
				t.Errorf("message %s: stored and not deleted although its delete arrived", origin.Message)
			}
		}
	})
}
