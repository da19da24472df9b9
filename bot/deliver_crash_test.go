package bot_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

var errKilled = errors.New("process killed")

// crashStore is the store as one doomed process sees it: once dead, nothing
// it writes reaches the database, as after kill -9. Leases it held stay
// until they expire.
type crashStore struct {
	*store.DB
	dead atomic.Bool
}

func (s *crashStore) alive() error {
	if s.dead.Load() {
		return errKilled
	}
	return nil
}

func (s *crashStore) ClaimOutboxOrdered(ctx context.Context, owner string, ps []bot.Platform, ks []bot.OutboxKind, now time.Time, lease time.Duration, limit int) ([]bot.OutboxRow, error) {
	if err := s.alive(); err != nil {
		return nil, err
	}
	return s.DB.ClaimOutboxOrdered(ctx, owner, ps, ks, now, lease, limit)
}

func (s *crashStore) ReleaseOutbox(ctx context.Context, id int64, owner string) error {
	if err := s.alive(); err != nil {
		return err
	}
	return s.DB.ReleaseOutbox(ctx, id, owner)
}

func (s *crashStore) CompletePost(ctx context.Context, id int64, ref bot.PostRef) error {
	if err := s.alive(); err != nil {
		return err
	}
	return s.DB.CompletePost(ctx, id, ref)
}

func (s *crashStore) CompleteOutbox(ctx context.Context, id int64) error {
	if err := s.alive(); err != nil {
		return err
	}
	return s.DB.CompleteOutbox(ctx, id)
}

func (s *crashStore) CompleteMirror(ctx context.Context, id, comment int64, p bot.Place, ids []bot.RemoteID) error {
	if err := s.alive(); err != nil {
		return err
	}
	return s.DB.CompleteMirror(ctx, id, comment, p, ids)
}

func (s *crashStore) RetryOutbox(ctx context.Context, id int64, msg string, at time.Time) error {
	if err := s.alive(); err != nil {
		return err
	}
	return s.DB.RetryOutbox(ctx, id, msg, at)
}

func (s *crashStore) ParkOutbox(ctx context.Context, id int64, msg string) error {
	if err := s.alive(); err != nil {
		return err
	}
	return s.DB.ParkOutbox(ctx, id, msg)
}

// TestDeliverCrashRestartExactlyOnce runs deliverers that are stopped at
// random points — half of them gracefully (ctx cancelled), half as if killed
// (nothing more reaches the store, leases left to expire) — while comments,
// edits and deletes keep arriving, and the connectors sometimes lose their
// answer after the platform took the message. A last deliverer finishes.
// Every comment must then be in every other thread exactly once, and every
// creating send must have used a key the platform saw before or a new row's
// key: distinct keys equal rows, however many sends there were.
func TestDeliverCrashRestartExactlyOnce(t *testing.T) {
	rounds := 30
	if testing.Short() {
		rounds = 8
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		r.stop()
		lossy := func(ctx context.Context) error {
			switch rand.IntN(10) {
			case 0: // the answer is lost on the way back
				return errors.New("connection reset by peer")
			case 1, 2: // slow: shutdown may land while it is in flight
				time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
				return ctx.Err()
			}
			return nil
		}
		r.dc.setAfter(lossy)
		r.mx.setAfter(lossy)

		var offset atomic.Int64 // the clock jumps past leases a killed process left
		opt := rigOptions("")
		opt.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
		// Every crash that cuts a send, or leaves a lease to expire, counts
		// as an attempt (that send may have landed), and a row can meet
		// several of the 30 crashes here. This test is about exactly-once
		// delivery, not about when a failing row is parked, so give it room.
		opt.MaxAttempts = 10 * rounds
		relay := bot.NewRelay(db, bot.RelayOptions{})
		sources := []bot.Place{rigD1, rigD2, rigMX}
		var written []bot.Comment
		n := 0
		for round := range rounds {
			// People keep talking between restarts.
			for range 4 {
				n++
				src := sources[n%len(sources)]
				id := bot.RemoteID(fmt.Sprintf("crash-%d", n))
				ev := r.event(bot.MessageCreated, src, id, fmt.Sprintf("comment %d", n), "")
				if err := relay.Receive(context.Background(), ev); err != nil {
					t.Fatal(err)
				}
				written = append(written, r.comment(src, id))
			}
			if round%5 == 2 {
				c := written[rand.IntN(len(written))]
				ev := r.event(bot.MessageEdited, c.Origin.Place, c.Origin.Message, fmt.Sprintf("edited in round %d", round), "")
				if err := relay.Receive(context.Background(), ev); err != nil {
					t.Fatal(err)
				}
			}

			cs := &crashStore{DB: db}
			opt.Owner = fmt.Sprintf("instance-%d", round)
			d := bot.NewDeliverer(cs, map[bot.Platform]bot.Connector{bot.Discord: r.dc, bot.Matrix: r.mx}, opt)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- d.Run(ctx) }()
			time.Sleep(time.Duration(rand.IntN(15000)) * time.Microsecond)
			killed := round%2 == 1
			if killed {
				cs.dead.Store(true)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("round %d: Run: %v", round, err)
			}
			if killed {
				offset.Add(int64(opt.Lease + time.Millisecond))
			}
		}

		r.dc.setAfter(nil)
		r.mx.setAfter(nil)
		opt.Owner = "survivor"
		d := bot.NewDeliverer(db, map[bot.Platform]bot.Connector{bot.Discord: r.dc, bot.Matrix: r.mx}, opt)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- d.Run(ctx) }()
		r.waitIdle()
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}

		parked, err := db.OutboxRows(context.Background(), bot.OutboxParked, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(parked) != 0 {
			t.Errorf("%d rows parked, want none: %+v", len(parked), parked)
		}
		for _, c := range written {
			for _, p := range sources {
				if p == c.Origin.Place {
					continue
				}
				copies := 0
				for _, m := range r.conn(p).threadMsgs(r.thread(p)) {
					if m.CommentID == c.ID {
						copies++
					}
				}
				if copies != 1 {
					t.Errorf("comment %d from %s is in %s %d times, want once", c.ID, c.Origin.Place, p, copies)
				}
				if got := r.mirrorIn(c.ID, p); len(got) != 1 {
					t.Errorf("comment %d: %d mirror ids recorded for %s, want 1", c.ID, len(got), p)
				}
			}
		}
		// One key per row: the rig's article made 2 Discord posts and 1
		// Matrix post, and each comment one mirror in each other place.
		wantKeys := map[*recConn]int{r.dc: 2, r.mx: 1}
		for _, c := range written {
			for _, p := range sources {
				if p != c.Origin.Place {
					wantKeys[r.conn(p)]++
				}
			}
		}
		for conn, want := range wantKeys {
			keys, sends := conn.counts()
			if keys != want {
				t.Errorf("%s: %d distinct keys, want %d (one per row)", conn.name, keys, want)
			}
			t.Logf("%s: %d rows delivered with %d sends (%d resends deduplicated by key)", conn.name, keys, sends, sends-keys)
		}
	})
}
