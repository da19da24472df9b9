package bot_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
)

// TestRunLeasesAgainWhenMoreAreDue: when more feeds are due than one lease
// takes (2×Workers), the poller leases the next ones as polls finish, not
// at its next tick; with a tick of an hour every feed is still polled now.
// (Before, an instance polled at most 2×Workers feeds per tick: 16/s.)
func TestRunLeasesAgainWhenMoreAreDue(t *testing.T) {
	const feedsN = 20
	e := newEnv(t, bot.PollerOptions{Workers: 2, PerHost: 2, Tick: time.Hour})
	e.clock.Set(time.Now())
	var ids []int64
	for i := range feedsN {
		path := fmt.Sprintf("/due%d", i)
		e.srv.set(path, rssDoc(t, items(1)...))
		ids = append(ids, e.addFeed(path, nil, route(chanA, nil)).ID)
	}
	stop := runPoller(t, e.poller)
	defer stop()
	waitFor(t, "every due feed polled within one tick", func() bool {
		for _, id := range ids {
			f, err := e.store.Feed(e.ctx, id)
			if err != nil || !f.Primed {
				return false
			}
		}
		return true
	})
}
