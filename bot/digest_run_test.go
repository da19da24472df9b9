package bot_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/config"
)

// A digest route collects entries and, on its own schedule, turns them into
// one post; the other route posts each article as usual.
func TestDigestCollectsThenPostsOnce(t *testing.T) {
	e := newEnv(t, bot.PollerOptions{})
	ds, ok := any(e.store).(bot.DigesterStore)
	if !ok {
		t.Fatal("the store does not implement bot.DigestStore (DigestEntries, ComposeDigest)")
	}
	e.srv.set("/f", rssDoc(t, items(1)...))
	f := e.addFeed("/f", nil, route(chanA, nil), route(roomB, config.RouteOptions{Digest: &config.Digest{Schedule: "0 8 * * *"}}))
	e.mustPoll(f.ID) // prime: Story A to both

	now := e.clock.Now()
	e.srv.set("/f", rssDoc(t,
		testItem{GUID: "n1", Title: "Morning one", Link: "https://news.example.org/m1", Body: "x", Published: now},
		testItem{GUID: "n2", Title: "Morning two", Link: "https://news.example.org/m2", Body: "x", Published: now},
	))
	e.mustPoll(f.ID)

	d := bot.NewDigester(ds, e.clock.Now, nil, time.UTC, 0)
	var kicks atomic.Int32
	d.Notify = func() { kicks.Add(1) }
	if n, err := d.RunDue(e.ctx); err != nil || n != 0 {
		t.Fatalf("first RunDue: %d posts, %v; want 0 (the first slot is tomorrow 08:00)", n, err)
	}
	e.clock.Set(time.Date(2026, 3, 11, 8, 0, 30, 0, time.UTC))
	if n, err := d.RunDue(e.ctx); err != nil || n != 1 {
		t.Fatalf("RunDue at the slot: %d posts, %v; want 1", n, err)
	}
	wantRows(t, e,
		"post_article discord:100 Story A", "post_article discord:100 Morning one", "post_article discord:100 Morning two",
		"post_article matrix:!b:example.org Digest: f — 3 articles")
	if n, err := d.RunDue(e.ctx); err != nil || n != 0 {
		t.Errorf("RunDue again: %d posts, %v; want 0", n, err)
	}
	if n := kicks.Load(); n != 1 {
		t.Errorf("deliverer kicked %d times, want 1", n)
	}
}

// A digest lists at most Max articles; the rest wait for the next slot.
func TestDigestMaxLeavesTheRestForNextTime(t *testing.T) {
	e := newEnv(t, bot.PollerOptions{})
	ds, ok := any(e.store).(bot.DigesterStore)
	if !ok {
		t.Fatal("the store does not implement bot.DigestStore")
	}
	all := 5
	e.srv.set("/f", rssDoc(t, items(5)...))
	f := e.addFeed("/f", config.FeedOptions{FirstPost: &all}, route(roomB, config.RouteOptions{Digest: &config.Digest{Schedule: "@hourly", Max: 3}}))
	e.mustPoll(f.ID)
	d := bot.NewDigester(ds, e.clock.Now, nil, time.UTC, 0)
	const (
		d3 = "post_article matrix:!b:example.org Digest: f — 3 articles"
		d2 = "post_article matrix:!b:example.org Digest: f — 2 articles"
	)
	entry := func(s string) string { return "digest_entry matrix:!b:example.org Story " + s }
	for _, step := range []struct {
		at   time.Time
		want []string
	}{
		{t0, []string{entry("A"), entry("B"), entry("C"), entry("D"), entry("E")}}, // learns its first slot, 13:00
		{t0.Add(time.Hour), []string{d3, entry("D"), entry("E")}},                  // queue order: the first three queued
		{t0.Add(2 * time.Hour), []string{d3, d2}},
		{t0.Add(3 * time.Hour), []string{d3, d2}}, // nothing left: no empty digest
	} {
		e.clock.Set(step.at)
		if _, err := d.RunDue(e.ctx); err != nil {
			t.Fatalf("RunDue at %v: %v", step.at, err)
		}
		wantRows(t, e, step.want...)
	}
}

func TestDigesterRunStopsOnCancel(t *testing.T) {
	e := newEnv(t, bot.PollerOptions{})
	ds, ok := any(e.store).(bot.DigesterStore)
	if !ok {
		t.Fatal("the store does not implement bot.DigestStore")
	}
	d := bot.NewDigester(ds, e.clock.Now, nil, time.UTC, 5*time.Millisecond)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	time.Sleep(20 * time.Millisecond) // let it tick a few times
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v, want nil on cancel", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Digester.Run did not return after its context ended")
	}
}
