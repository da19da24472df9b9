package store_test

import (
	"encoding/json"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

func TestFeedCRUD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		spec := bot.FeedSpec{
			URL: "https://example.org/feed.xml", Name: "Example", Schedule: "@hourly",
			Options: []byte(`{"colour":"#ff0000"}`),
			Routes: []bot.RouteSpec{
				{Place: discord("111"), Options: []byte(`{"plain_text":true}`)},
				{Place: matrix("!room:example.org")},
			},
		}
		f, err := db.AddFeed(ctx, spec, bot.FromCommand)
		if err != nil {
			t.Fatalf("AddFeed: %v", err)
		}
		if f.ID == 0 || f.URL != spec.URL || f.Name != "Example" || f.Schedule != "@hourly" || f.Origin != bot.FromCommand {
			t.Errorf("AddFeed returned %+v, want the spec's fields and an id", f)
		}
		var opts map[string]any
		if err := json.Unmarshal(f.Options, &opts); err != nil || opts["colour"] != "#ff0000" {
			t.Errorf("Options = %s (%v), want the spec's JSON", f.Options, err)
		}
		if f.Paused || f.Primed || !f.NextCheck.IsZero() {
			t.Errorf("new feed %+v: want not paused, not primed, due at once", f)
		}

		_, err = db.AddFeed(ctx, spec, bot.FromConfig)
		wantErrIs(t, "AddFeed of the same URL", err, bot.ErrExists)

		got, err := db.Feed(ctx, f.ID)
		if err != nil || !reflect.DeepEqual(got, f) {
			t.Errorf("Feed(%d) = %+v, %v; want %+v", f.ID, got, err, f)
		}
		got, err = db.FeedByURL(ctx, spec.URL)
		if err != nil || got.ID != f.ID {
			t.Errorf("FeedByURL = %+v, %v; want feed %d", got, err, f.ID)
		}
		_, err = db.FeedByURL(ctx, "https://nowhere.example/")
		wantErrIs(t, "FeedByURL of an unknown URL", err, bot.ErrNotFound)
		_, err = db.Feed(ctx, 9999)
		wantErrIs(t, "Feed of an unknown id", err, bot.ErrNotFound)

		routes, err := db.Routes(ctx, f.ID)
		if err != nil {
			t.Fatalf("Routes: %v", err)
		}
		if len(routes) != 2 || routes[0].Place != discord("111") || routes[1].Place != matrix("!room:example.org") {
			t.Fatalf("Routes = %+v, want discord:111 then the matrix room", routes)
		}
		if string(routes[0].Options) != `{"plain_text":true}` || string(routes[1].Options) != `{}` {
			t.Errorf("route options = %s, %s; want the spec's and {}", routes[0].Options, routes[1].Options)
		}

		if err := db.SetFeedPaused(ctx, f.ID, true, "too many failures"); err != nil {
			t.Fatalf("SetFeedPaused: %v", err)
		}
		got, _ = db.Feed(ctx, f.ID)
		if !got.Paused || got.PausedReason != "too many failures" {
			t.Errorf("after pausing: paused=%t reason=%q", got.Paused, got.PausedReason)
		}
		if err := db.SetFeedPaused(ctx, f.ID, false, ""); err != nil {
			t.Fatalf("SetFeedPaused(false): %v", err)
		}
		got, _ = db.Feed(ctx, f.ID)
		if got.Paused || got.PausedReason != "" || got.Failures != 0 {
			t.Errorf("after resuming: %+v", got)
		}
		wantErrIs(t, "SetFeedPaused of an unknown id", db.SetFeedPaused(ctx, 9999, true, "x"), bot.ErrNotFound)

		if err := db.RemoveFeed(ctx, f.ID); err != nil {
			t.Fatalf("RemoveFeed: %v", err)
		}
		_, err = db.Feed(ctx, f.ID)
		wantErrIs(t, "Feed after RemoveFeed", err, bot.ErrNotFound)
		wantErrIs(t, "RemoveFeed twice", db.RemoveFeed(ctx, f.ID), bot.ErrNotFound)
		if list, _ := db.ListFeeds(ctx); len(list) != 0 {
			t.Errorf("ListFeeds after removal = %+v, want none", list)
		}
		if routes, _ := db.Routes(ctx, f.ID); len(routes) != 0 {
			t.Errorf("routes after removal = %+v, want none", routes)
		}

		// Adding the URL again brings back the same feed row, so its
		// articles and tombstones still count for dedup.
		back, err := db.AddFeed(ctx, bot.FeedSpec{URL: spec.URL, Name: "Again"}, bot.FromCommand)
		if err != nil {
			t.Fatalf("AddFeed after removal: %v", err)
		}
		if back.ID != f.ID || back.Name != "Again" {
			t.Errorf("re-added feed = id %d name %q, want id %d name Again", back.ID, back.Name, f.ID)
		}
	})
}

func TestAddFeedRejectsBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		tests := []struct {
			name   string
			spec   bot.FeedSpec
			origin bot.FeedOrigin
		}{
			{"no URL", bot.FeedSpec{}, bot.FromCommand},
			{"bad origin", bot.FeedSpec{URL: "https://a.example/"}, "robot"},
			{"options not JSON", bot.FeedSpec{URL: "https://b.example/", Options: []byte("{nope")}, bot.FromCommand},
			{"route without channel", bot.FeedSpec{URL: "https://c.example/", Routes: []bot.RouteSpec{{Place: bot.Place{Platform: bot.Discord}}}}, bot.FromCommand},
		}
		for _, tt := range tests {
			if _, err := db.AddFeed(ctx, tt.spec, tt.origin); err == nil {
				t.Errorf("%s: AddFeed succeeded, want an error", tt.name)
			}
		}
		// A failed add leaves nothing behind.
		if list, _ := db.ListFeeds(ctx); len(list) != 0 {
			t.Errorf("feeds after failed adds: %+v", list)
		}
	})
}

func TestSyncConfigFeeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		cmd := mustAddFeed(t, db, "https://cmd.example/feed", bot.FromCommand, discord("9"))

		first := []bot.FeedSpec{
			{URL: "https://a.example/feed", Name: "A", Schedule: "*/5 * * * *", Routes: []bot.RouteSpec{{Place: discord("1")}, {Place: matrix("!a:x")}}},
			{URL: "https://b.example/feed", Name: "B", Schedule: "@hourly", Routes: []bot.RouteSpec{{Place: discord("2")}}},
		}
		if err := db.SyncConfigFeeds(ctx, first); err != nil {
			t.Fatalf("SyncConfigFeeds: %v", err)
		}
		a, err := db.FeedByURL(ctx, "https://a.example/feed")
		if err != nil || a.Origin != bot.FromConfig || a.Name != "A" {
			t.Fatalf("feed A after sync = %+v, %v", a, err)
		}
		// Polling state must survive a re-sync that changes nothing.
		poll := bot.PollRecord{CheckedAt: t0, NextCheck: t0.Add(5 * time.Minute), OK: true, ETag: `"v1"`, Primed: true}
		if err := db.RecordPoll(ctx, a.ID, poll); err != nil {
			t.Fatal(err)
		}
		routesA, _ := db.Routes(ctx, a.ID)

		second := []bot.FeedSpec{
			// A: same schedule, one route dropped, the other's options changed.
			{URL: "https://a.example/feed", Name: "A renamed", Schedule: "*/5 * * * *",
				Routes: []bot.RouteSpec{{Place: discord("1"), Options: []byte(`{"plain_text":true}`)}}},
			// B is gone; C is new; the command feed's URL is not listed.
			{URL: "https://c.example/feed", Name: "C", Routes: []bot.RouteSpec{{Place: matrix("!c:x")}}},
		}
		if err := db.SyncConfigFeeds(ctx, second); err != nil {
			t.Fatalf("second SyncConfigFeeds: %v", err)
		}
		list, err := db.ListFeeds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var urls []string
		for _, f := range list {
			urls = append(urls, f.URL)
		}
		sort.Strings(urls)
		want := []string{"https://a.example/feed", "https://c.example/feed", "https://cmd.example/feed"}
		if !reflect.DeepEqual(urls, want) {
			t.Errorf("feeds after second sync = %v, want %v", urls, want)
		}
		a2, _ := db.Feed(ctx, a.ID)
		if a2.Name != "A renamed" || a2.ETag != `"v1"` || !a2.Primed || !a2.NextCheck.Equal(poll.NextCheck) {
			t.Errorf("feed A after re-sync = %+v; want renamed with its polling state kept", a2)
		}
		routes, _ := db.Routes(ctx, a.ID)
		if len(routes) != 1 || routes[0].Place != discord("1") || string(routes[0].Options) != `{"plain_text":true}` {
			t.Errorf("routes of A = %+v, want only discord:1 with new options", routes)
		}
		if len(routes) == 1 && routes[0].ID != routesA[0].ID {
			t.Errorf("kept route changed id from %d to %d", routesA[0].ID, routes[0].ID)
		}
		// The command feed is untouched.
		c2, err := db.Feed(ctx, cmd.ID)
		if err != nil || c2.Origin != bot.FromCommand || c2.Name != cmd.Name {
			t.Errorf("command feed after sync = %+v, %v; want it unchanged", c2, err)
		}
		if r, _ := db.Routes(ctx, cmd.ID); len(r) != 1 || r[0].Place != discord("9") {
			t.Errorf("command feed routes after sync = %+v", r)
		}

		// A schedule change makes the feed due now, so the poller reschedules it.
		third := []bot.FeedSpec{second[0], second[1]}
		third[0].Schedule = "@daily"
		if err := db.SyncConfigFeeds(ctx, third); err != nil {
			t.Fatal(err)
		}
		a3, _ := db.Feed(ctx, a.ID)
		if !a3.NextCheck.IsZero() || a3.Schedule != "@daily" {
			t.Errorf("after schedule change: schedule %q next_check %v, want @daily and due now", a3.Schedule, a3.NextCheck)
		}

		// Duplicate URLs in the config are refused, and change nothing.
		dup := []bot.FeedSpec{{URL: "https://d.example/"}, {URL: "https://d.example/"}}
		if err := db.SyncConfigFeeds(ctx, dup); err == nil {
			t.Error("SyncConfigFeeds with a duplicate URL succeeded")
		}
		if _, err := db.FeedByURL(ctx, "https://c.example/feed"); err != nil {
			t.Errorf("a refused sync removed feed C: %v", err)
		}
	})
}

func TestRecordPoll(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		f := mustAddFeed(t, db, "https://poll.example/feed", bot.FromCommand)
		leased, err := db.LeaseDueFeeds(ctx, "a", t0, time.Minute, 10)
		if err != nil || len(leased) != 1 {
			t.Fatalf("LeaseDueFeeds = %v, %v", leased, err)
		}
		ok := bot.PollRecord{CheckedAt: t0, NextCheck: t0.Add(time.Hour), OK: true, ETag: `"e1"`, LastModified: "Sat, 28 Nov 2026 11:00:00 GMT", Primed: true}
		if err := db.RecordPoll(ctx, f.ID, ok); err != nil {
			t.Fatalf("RecordPoll: %v", err)
		}
		got, _ := db.Feed(ctx, f.ID)
		if got.ETag != ok.ETag || got.LastModified != ok.LastModified || !got.LastCheck.Equal(t0) ||
			!got.LastSuccess.Equal(t0) || !got.NextCheck.Equal(ok.NextCheck) || !got.Primed || got.Failures != 0 {
			t.Errorf("after a good poll: %+v", got)
		}

		t1 := t0.Add(time.Hour)
		bad := bot.PollRecord{CheckedAt: t1, NextCheck: t1.Add(2 * time.Hour), Error: "HTTP 500 from https://poll.example/feed",
			Failures: 10, Pause: true, PauseReason: "10 failures in a row"}
		if err := db.RecordPoll(ctx, f.ID, bad); err != nil {
			t.Fatal(err)
		}
		got, _ = db.Feed(ctx, f.ID)
		if got.ETag != ok.ETag || !got.LastSuccess.Equal(t0) || !got.LastCheck.Equal(t1) || got.LastError != bad.Error ||
			got.Failures != 10 || !got.Paused || got.PausedReason != bad.PauseReason || !got.Primed {
			t.Errorf("after a failed poll: %+v; want validators, last success and primed kept, error and pause recorded", got)
		}
		wantErrIs(t, "RecordPoll of an unknown feed", db.RecordPoll(ctx, 9999, ok), bot.ErrNotFound)
	})
}

// TestRemoveFeedKeepsArticles: removing a feed stops its pending posts but
// keeps its articles, and re-adding it resumes its dedup history.
func TestRemoveFeedKeepsArticles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		f := mustAddFeed(t, db, "https://removed.example/feed", bot.FromCommand, discord("1"))
		res, err := db.Ingest(ctx, f.ID, []bot.Incoming{
			{Article: article("posted", "h"), Deliveries: deliveries(discord("1"))},
			{Article: article("waiting", "h"), Deliveries: deliveries(discord("1"))},
			{Article: article("gone", "h")},
		})
		if err != nil {
			t.Fatal(err)
		}
		pending, _ := db.OutboxRows(ctx, bot.OutboxPending, 0)
		if err := db.CompletePost(ctx, pending[0].ID, bot.PostRef{Place: discord("1"), Message: "m"}); err != nil {
			t.Fatal(err)
		}
		if err := db.Tombstone(ctx, res[2].ArticleID); err != nil {
			t.Fatal(err)
		}
		if err := db.RemoveFeed(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		if a, err := db.Article(ctx, res[0].ArticleID); err != nil || a.FeedID != f.ID {
			t.Errorf("article of a removed feed = %+v, %v; want kept with its feed", a, err)
		}
		if p, _ := db.OutboxRows(ctx, bot.OutboxPending, 0); len(p) != 0 {
			t.Errorf("pending rows after removing the feed: %+v", p)
		}
		if d, _ := db.OutboxRows(ctx, bot.OutboxDone, 0); len(d) != 1 {
			t.Errorf("done rows after removing the feed: %+v, want the one kept", d)
		}

		back := mustAddFeed(t, db, "https://removed.example/feed", bot.FromCommand, discord("1"))
		if back.ID != f.ID || back.Primed {
			t.Errorf("re-added feed = %+v, want id %d, not primed", back, f.ID)
		}
		res, err = db.Ingest(ctx, f.ID, []bot.Incoming{
			{Article: article("posted", "h"), Deliveries: deliveries(discord("1"))},
			{Article: article("gone", "h"), Deliveries: deliveries(discord("1"))},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := outcomes(res); got[0] != bot.ArticleUnchanged || got[1] != bot.ArticleRemoved {
			t.Errorf("after re-adding: outcomes %v, want unchanged and tombstoned", got)
		}
	})
}

// TestSyncAdoptsCommandFeed: a config entry for a URL added by command
// takes the feed over, routes and all.
func TestSyncAdoptsCommandFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		cmd := mustAddFeed(t, db, "https://both.example/feed", bot.FromCommand, discord("1"))
		err := db.SyncConfigFeeds(ctx, []bot.FeedSpec{{URL: cmd.URL, Name: "From config", Routes: []bot.RouteSpec{{Place: matrix("!r:x")}}}})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := db.Feed(ctx, cmd.ID)
		routes, _ := db.Routes(ctx, cmd.ID)
		if got.Origin != bot.FromConfig || got.Name != "From config" || len(routes) != 1 || routes[0].Place != matrix("!r:x") {
			t.Errorf("adopted feed = %+v with routes %+v; want the config's", got, routes)
		}
		// From then on the config owns it: dropping it from the config removes it.
		if err := db.SyncConfigFeeds(ctx, nil); err != nil {
			t.Fatal(err)
		}
		_, err = db.Feed(ctx, cmd.ID)
		wantErrIs(t, "adopted feed after leaving the config", err, bot.ErrNotFound)
	})
}
