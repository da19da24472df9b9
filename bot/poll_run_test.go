package bot_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// waitFor polls cond until it holds; the deadline only catches a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// runPoller starts Run and returns a stop func that cancels it and waits
// for it to return.
func runPoller(t *testing.T, p *bot.Poller) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v, want nil on cancel", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
	}
}

func TestRunHonoursPerHostLimit(t *testing.T) {
	const feedsN = 12
	e := newEnv(t, bot.PollerOptions{Workers: 8, PerHost: 2, Tick: 5 * time.Millisecond})
	e.clock.Set(time.Now())
	e.srv.setDelay(40 * time.Millisecond)
	var ids []int64
	for i := range feedsN {
		path := fmt.Sprintf("/f%d", i)
		e.srv.set(path, rssDoc(t, items(2)...))
		ids = append(ids, e.addFeed(path, nil, route(chanA, nil)).ID)
	}
	stop := runPoller(t, e.poller)
	waitFor(t, "every feed polled", func() bool {
		for _, id := range ids {
			f, err := e.store.Feed(e.ctx, id)
			if err != nil || !f.Primed {
				return false
			}
		}
		return true
	})
	stop()

	e.srv.mu.Lock()
	defer e.srv.mu.Unlock()
	var total int
	for i := range feedsN {
		n := e.srv.requests[fmt.Sprintf("/f%d", i)]
		total += n
		if n != 1 {
			t.Errorf("/f%d fetched %d times, want once (the clock stands still, so no feed is due twice)", i, n)
		}
	}
	for host, peak := range e.srv.peak {
		if peak > 2 {
			t.Errorf("host %s had %d requests at once, want at most 2", host, peak)
		}
	}
	if total != feedsN {
		t.Errorf("%d requests, want %d", total, feedsN)
	}
}

func TestRunStopsPromptlyWithoutLeaks(t *testing.T) {
	e := newEnv(t, bot.PollerOptions{Workers: 4, Tick: 5 * time.Millisecond})
	e.clock.Set(time.Now())
	e.srv.setDelay(200 * time.Millisecond) // polls are in flight when Run is cancelled
	for i := range 6 {
		path := fmt.Sprintf("/f%d", i)
		e.srv.set(path, rssDoc(t, items(2)...))
		e.addFeed(path, nil, route(chanA, nil))
	}
	before := runtime.NumGoroutine()
	stop := runPoller(t, e.poller)
	waitFor(t, "a request in flight", func() bool {
		e.srv.mu.Lock()
		defer e.srv.mu.Unlock()
		for _, n := range e.srv.active {
			if n > 0 {
				return true
			}
		}
		return false
	})
	stop()
	// Idle HTTP connections and the server's handlers wind down on their
	// own; the poller's goroutines must be gone once Run has returned.
	e.srv.CloseClientConnections()
	waitFor(t, "goroutines back to the count before Run", func() bool {
		return runtime.NumGoroutine() <= before
	})
	// A cancelled poll records nothing: the feed's lease lapses instead.
	fs, err := e.store.ListFeeds(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Failures != 0 {
			t.Errorf("feed %d has %d failures after shutdown, want 0: a cancelled poll is not the feed's fault", f.ID, f.Failures)
		}
	}
}

// Two instances sharing one store split the due feeds between them through
// leases: every feed is fetched once, by one of them. On both backends.
func TestTwoInstancesPollEachFeedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const feedsN = 10
		e := newEnvOn(t, db, bot.PollerOptions{Owner: "a", Workers: 3, Tick: 5 * time.Millisecond})
		e.clock.Set(time.Now())
		e.srv.setDelay(20 * time.Millisecond)
		other, err := bot.NewPoller(db, e.fetcher, e.clock.Now, nil, bot.PollerOptions{Owner: "b", Workers: 3, Tick: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		fresh := items(2)
		for i := range fresh {
			fresh[i].Published = fresh[i].Published.Add(e.clock.Now().Sub(t0)) // within the max age
		}
		var ids []int64
		for i := range feedsN {
			path := fmt.Sprintf("/f%d", i)
			e.srv.set(path, rssDoc(t, fresh...))
			ids = append(ids, e.addFeed(path, nil, route(chanA, nil)).ID)
		}
		stopA, stopB := runPoller(t, e.poller), runPoller(t, other)
		waitFor(t, "every feed polled", func() bool {
			for _, id := range ids {
				f, err := e.store.Feed(e.ctx, id)
				if err != nil || !f.Primed {
					return false
				}
			}
			return true
		})
		stopA()
		stopB()
		for i := range feedsN {
			if n, _ := e.srv.counts(fmt.Sprintf("/f%d", i)); n != 1 {
				t.Errorf("/f%d fetched %d times, want once", i, n)
			}
		}
		if rows := e.pending(); len(rows) != feedsN {
			t.Errorf("%d pending posts, want %d (one per feed's first poll)", len(rows), feedsN)
		}
	})
}
