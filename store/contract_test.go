package store_test

// The store contract suite: every test runs on SQLite and on PostgreSQL
// through storetest.Each, so the two stores cannot drift apart.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// t0 is a fixed test clock, on a millisecond (the store keeps milliseconds).
var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func ctxFor(t *testing.T) context.Context { return t.Context() }

func discord(ch string) bot.Place { return bot.Place{Platform: bot.Discord, Channel: bot.RemoteID(ch)} }
func matrix(ch string) bot.Place  { return bot.Place{Platform: bot.Matrix, Channel: bot.RemoteID(ch)} }

func mustAddFeed(t *testing.T, db *store.DB, url string, origin bot.FeedOrigin, routes ...bot.Place) bot.Feed {
	t.Helper()
	spec := bot.FeedSpec{URL: url, Name: "feed " + url, Schedule: "*/5 * * * *"}
	for _, p := range routes {
		spec.Routes = append(spec.Routes, bot.RouteSpec{Place: p})
	}
	f, err := db.AddFeed(ctxFor(t), spec, origin)
	if err != nil {
		t.Fatalf("AddFeed(%s): %v", url, err)
	}
	return f
}

func wantErrIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func TestOpenRejectsBadDriver(t *testing.T) {
	_, err := store.Open(t.Context(), "mysql", "x")
	if err == nil {
		t.Fatal("Open(mysql): got nil error, want unknown driver")
	}
}

func TestPing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if err := db.Ping(ctxFor(t)); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
}

func TestState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		_, err := db.State(ctx, "matrix.since")
		wantErrIs(t, "State of an unset key", err, bot.ErrNotFound)
		for _, v := range []string{"s1", "s2_longer", ""} {
			if err := db.SetState(ctx, "matrix.since", v); err != nil {
				t.Fatalf("SetState(%q): %v", v, err)
			}
			got, err := db.State(ctx, "matrix.since")
			if err != nil || got != v {
				t.Fatalf("State after SetState(%q) = %q, %v; want %q", v, got, err, v)
			}
		}
		if err := db.SetState(ctx, "other", "x"); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.State(ctx, "matrix.since"); got != "" {
			t.Errorf("setting another key changed matrix.since to %q", got)
		}
	})
}
