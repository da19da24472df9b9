package bot_test

import (
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/config"
)

// A digest's next slot is kept in the state store. When a config reload
// gives the route a schedule that fires sooner (monthly → hourly), the new
// schedule applies from its next slot, not only after the old, far slot.
func TestDigestScheduleChangedToSoonerApplies(t *testing.T) {
	e := newEnv(t, bot.PollerOptions{})
	ds, ok := any(e.store).(bot.DigesterStore)
	if !ok {
		t.Fatal("the store does not implement bot.DigestStore")
	}
	e.srv.set("/f", rssDoc(t, items(1)...))
	digestRoute := func(schedule string) bot.RouteSpec {
		return route(roomB, config.RouteOptions{Digest: &config.Digest{Schedule: schedule}})
	}
	f := e.addFeed("/f", nil, digestRoute("0 8 1 * *")) // monthly: next on 1 April
	e.mustPoll(f.ID)                                    // Story A waits as an entry
	d := bot.NewDigester(ds, e.clock.Now, nil, time.UTC, 0)
	if n, err := d.RunDue(e.ctx); err != nil || n != 0 {
		t.Fatalf("first RunDue: %d posts, %v; want 0 (it learns its first slot)", n, err)
	}

	spec := bot.FeedSpec{URL: f.URL, Name: f.Name, Routes: []bot.RouteSpec{digestRoute("0 * * * *")}}
	if err := e.store.SyncConfigFeeds(e.ctx, []bot.FeedSpec{spec}); err != nil {
		t.Fatal(err)
	}
	posted := 0
	for _, at := range []time.Time{t0.Add(time.Hour + 30*time.Second), t0.Add(2*time.Hour + 30*time.Second)} {
		e.clock.Set(at)
		n, err := d.RunDue(e.ctx)
		if err != nil {
			t.Fatalf("RunDue at %v: %v", at, err)
		}
		posted += n
	}
	if posted != 1 {
		t.Errorf("digests posted in the two hours after the schedule became hourly: %d, want 1", posted)
	}
	wantRows(t, e, "post_article matrix:!b:example.org Digest: f — 1 article")
}
