package discord

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
)

type countObserver struct{ waits, tooMany, reconnects atomic.Int64 }

func (c *countObserver) RateLimitWait(time.Duration) { c.waits.Add(1) }
func (c *countObserver) TooManyRequests()            { c.tooMany.Add(1) }
func (c *countObserver) GatewayReconnect()           { c.reconnects.Add(1) }

func waitCond(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestStatusFollowsTheGateway: not connected before Run, connected once the
// session is up, and a dropped connection is counted as a reconnect and
// comes back.
func TestStatusFollowsTheGateway(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	a := newAdapter(t, srv, nil)
	obs := &countObserver{}
	a.Observe(obs)
	if state, err := a.Status(t.Context()); err == nil {
		t.Fatalf("Status before Run: got %q and no error, want an error", state)
	}
	run(t, srv, a, &inbox{})
	connected := func() bool { s, err := a.Status(t.Context()); return err == nil && s == "connected" }
	waitCond(t, "Status connected after Run", connected)

	if n := srv.DropGateway(); n != 1 {
		t.Fatalf("DropGateway cut %d connections, want 1", n)
	}
	waitCond(t, "the reconnect to be counted", func() bool { return obs.reconnects.Load() >= 1 })
	waitCond(t, "Status connected again", connected)
}

// TestObserverCountsWaitsAnd429s: a request held back by the adapter's own
// global limit is a wait; a 429 from Discord (a server stricter than the
// adapter's limit) is counted.
func TestObserverCountsWaitsAnd429s(t *testing.T) {
	for _, tc := range []struct {
		name        string
		server      discordtest.Config
		adapterRate int
		wantWaits   bool
		want429s    bool
	}{
		{"adapter limit waits", discordtest.Config{NoRateLimits: true}, 1, true, false},
		{"server answers 429", discordtest.Config{GlobalLimit: 1}, 48, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, tc.server)
			a := newAdapter(t, srv, nil, func(o *Options) { o.GlobalLimit = tc.adapterRate })
			obs := &countObserver{}
			a.Observe(obs)
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			for range 3 {
				if _, err := a.sess.User("@me", discordgo.WithContext(ctx)); err != nil {
					t.Fatalf("GET /users/@me: %v", err)
				}
			}
			if got := obs.waits.Load() > 0; got != tc.wantWaits {
				t.Errorf("rate-limit waits counted: got %d, want some: %v", obs.waits.Load(), tc.wantWaits)
			}
			if got := obs.tooMany.Load() > 0; got != tc.want429s {
				t.Errorf("429s counted: got %d, want some: %v", obs.tooMany.Load(), tc.want429s)
			}
		})
	}
}
