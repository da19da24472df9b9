package store_test

import (
	"reflect"
	"testing"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

func TestLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		d1, d2, m1, m2 := discord("1"), discord("2"), matrix("!a:x.org"), matrix("!b:x.org")
		if err := db.LinkPlaces(ctx, d1, m1); err != nil {
			t.Fatal(err)
		}
		if err := db.LinkPlaces(ctx, d1, m1); err != nil {
			t.Errorf("linking the same pair again: %v, want nil", err)
		}
		if err := db.LinkPlaces(ctx, m1, d2); err != nil { // joins the group through its second place
			t.Fatal(err)
		}
		if err := db.LinkPlaces(ctx, m2, d2); err == nil {
			t.Errorf("linking a place of another group: nil error, want ErrExists")
		} else {
			wantErrIs(t, "link a place of another group", err, bot.ErrExists)
		}
		got, err := db.LinkGroups(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := [][]bot.Place{{d1, m1, d2}}; !reflect.DeepEqual(got, want) {
			t.Errorf("groups %v, want %v", got, want)
		}
		for _, p := range []bot.Place{d2, d1} {
			if err := db.UnlinkPlace(ctx, p); err != nil {
				t.Fatalf("unlink %s: %v", p, err)
			}
		}
		// m1 was left alone in its group, which is dissolved.
		if got, _ := db.LinkGroups(ctx); len(got) != 0 {
			t.Errorf("groups after unlinking all but one: %v, want none", got)
		}
		wantErrIs(t, "unlink a lone place", db.UnlinkPlace(ctx, m1), bot.ErrNotFound)
	})
}

func TestArticleByURLAndOutboxCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		f := mustAddFeed(t, db, "https://news.example/feed.xml", bot.FromCommand, discord("1"), matrix("!a:x.org"))
		res, err := db.Ingest(ctx, f.ID, []bot.Incoming{{Article: article("one", "h1"), Deliveries: deliveries(discord("1"), matrix("!a:x.org"))}})
		if err != nil {
			t.Fatal(err)
		}
		a, err := db.ArticleByURL(ctx, "https://news.example/one")
		if err != nil || a.ID != res[0].ArticleID || a.Title != "Title one" {
			t.Fatalf("ArticleByURL = %+v, %v; want article %d", a, err, res[0].ArticleID)
		}
		_, err = db.ArticleByURL(ctx, "https://news.example/none")
		wantErrIs(t, "ArticleByURL of an unknown URL", err, bot.ErrNotFound)

		rows, err := db.OutboxRows(ctx, bot.OutboxPending, 0)
		if err != nil || len(rows) != 2 {
			t.Fatalf("pending rows %v, %v; want 2", rows, err)
		}
		if err := db.ParkOutbox(ctx, rows[0].ID, "403 forbidden"); err != nil {
			t.Fatal(err)
		}
		got, err := db.OutboxCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []bot.OutboxCount{{Platform: rows[0].Target.Platform, State: bot.OutboxParked, Rows: 1},
			{Platform: rows[1].Target.Platform, State: bot.OutboxPending, Rows: 1}}
		if rows[0].Target.Platform > rows[1].Target.Platform {
			want[0], want[1] = want[1], want[0]
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("OutboxCounts = %+v, want %+v", got, want)
		}
		// A removed feed's articles are not found by URL.
		if err := db.RemoveFeed(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.ArticleByURL(ctx, "https://news.example/one")
		wantErrIs(t, "ArticleByURL of a removed feed's article", err, bot.ErrNotFound)
	})
}

func TestSyncConfigLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		d1, d2, d3, m1, m2 := discord("1"), discord("2"), discord("3"), matrix("!a:x.org"), matrix("!b:x.org")
		if err := db.LinkPlaces(ctx, d1, m1); err != nil { // by command
			t.Fatal(err)
		}
		if err := db.LinkPlaces(ctx, d3, m2); err != nil { // by command, later claimed by the config
			t.Fatal(err)
		}
		if err := db.SyncConfigLinks(ctx, [][]bot.Place{{d2, m2}}); err != nil {
			t.Fatal(err)
		}
		got, err := db.LinkGroups(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := [][]bot.Place{{d1, m1}, {d2, m2}}; !reflect.DeepEqual(got, want) {
			t.Errorf("groups %v, want %v (d3 left alone in its group, which is dissolved)", got, want)
		}
		// A reload without links removes the config's group only.
		if err := db.SyncConfigLinks(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.LinkGroups(ctx); !reflect.DeepEqual(got, [][]bot.Place{{d1, m1}}) {
			t.Errorf("groups after dropping the config's links: %v, want only the command group", got)
		}
	})
}

// TestSyncConfigLinksConcurrently: instances starting together apply the
// same config links at once; all succeed and the groups are there once.
func TestSyncConfigLinksConcurrently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		groups := [][]bot.Place{{discord("1"), matrix("!a:x.org")}, {discord("2"), matrix("!b:x.org")}}
		errs := make(chan error, 4)
		for range 4 {
			go func() { errs <- db.SyncConfigLinks(ctxFor(t), groups) }()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Errorf("SyncConfigLinks: %v", err)
			}
		}
		if got, _ := db.LinkGroups(ctxFor(t)); !reflect.DeepEqual(got, groups) {
			t.Errorf("groups %v, want %v", got, groups)
		}
	})
}
