package bot_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// reactConn is a recording connector that also records the bot's reactions.
type reactConn struct {
	*recConn
	mu    sync.Mutex
	calls []string
}

func (c *reactConn) React(_ context.Context, in bot.PostRef, message bot.RemoteID, emoji string, add bool, key string) error {
	if key == "" {
		return fmt.Errorf("react without key")
	}
	verb := "remove"
	if add {
		verb = "add"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if in.Thread == "" {
		return fmt.Errorf("react without the article's thread")
	}
	c.calls = append(c.calls, fmt.Sprintf("%s %s %s %s", verb, in.Place.Channel, message, emoji))
	return nil
}

// take returns the calls recorded since the last take, sorted.
func (c *reactConn) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.calls
	c.calls = nil
	slices.Sort(out)
	return out
}

func TestRelayMirrorsReactionTransitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		r.stop()
		dc, mx := &reactConn{recConn: r.dc}, &reactConn{recConn: r.mx}
		d := bot.NewDeliverer(db, map[bot.Platform]bot.Connector{bot.Discord: dc, bot.Matrix: mx}, rigOptions("react"))
		r.relay = bot.NewRelay(db, bot.RelayOptions{Notify: d.Kick, Logger: relayLogger()})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- d.Run(ctx) }()
		var stopped atomic.Bool
		t.Cleanup(func() {
			if !stopped.Swap(true) {
				cancel()
				<-done
			}
		})

		orig := r.say(rigD1, "react to me", "")
		r.waitIdle()
		c := r.comment(rigD1, orig)
		inD2, inMX := r.mirrorIn(c.ID, rigD2)[0], r.mirrorIn(c.ID, rigMX)[0]
		on := func(p bot.Place, m bot.RemoteID, verb, emoji string) string {
			return fmt.Sprintf("%s %s %s %s", verb, p.Channel, m, emoji)
		}
		steps := []struct {
			name         string
			kind         bot.EventKind
			place        bot.Place
			msg, who, em bot.RemoteID
			want         []string // calls on both platforms, any order
		}{
			{"first 👍 on the original", bot.ReactionAdded, rigD1, orig, "alice", "👍",
				[]string{on(rigD2, inD2, "add", "👍"), on(rigMX, inMX, "add", "👍")}},
			{"replayed", bot.ReactionAdded, rigD1, orig, "alice", "👍", nil},
			{"second 👍, on a mirror", bot.ReactionAdded, rigMX, inMX, "@bob:test", "👍", nil},
			{"first 🎉, on a mirror", bot.ReactionAdded, rigMX, inMX, "@bob:test", "🎉",
				[]string{on(rigD1, orig, "add", "🎉"), on(rigD2, inD2, "add", "🎉")}},
			{"last 🎉 gone", bot.ReactionGone, rigMX, inMX, "@bob:test", "🎉",
				[]string{on(rigD1, orig, "remove", "🎉"), on(rigD2, inD2, "remove", "🎉"), on(rigMX, inMX, "remove", "🎉")}},
			{"removing again", bot.ReactionGone, rigMX, inMX, "@bob:test", "🎉", nil},
			{"one of two 👍 gone", bot.ReactionGone, rigD1, orig, "alice", "👍", nil},
			{"last 👍 gone", bot.ReactionGone, rigMX, inMX, "@bob:test", "👍",
				[]string{on(rigD1, orig, "remove", "👍"), on(rigD2, inD2, "remove", "👍"), on(rigMX, inMX, "remove", "👍")}},
			{"👍 again", bot.ReactionAdded, rigD2, inD2, "carol", "👍",
				[]string{on(rigD1, orig, "add", "👍"), on(rigMX, inMX, "add", "👍")}},
		}
		for _, s := range steps {
			ev := r.event(s.kind, s.place, s.msg, "", "")
			ev.Author.ID, ev.Emoji = s.who, string(s.em)
			r.receive(ev)
			r.waitIdle()
			got := append(dc.take(), mx.take()...)
			slices.Sort(got)
			slices.Sort(s.want)
			if !slices.Equal(got, s.want) {
				t.Errorf("%s: bot reactions %q, want %q", s.name, got, s.want)
			}
		}
		counts, err := db.Reactions(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(counts) != 1 || counts["👍"] != 1 {
			t.Errorf("reaction counts = %v, want map[👍:1]", counts)
		}
	})
}
