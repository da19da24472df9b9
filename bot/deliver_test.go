package bot_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

var errFlaky = errors.New("502 bad gateway")

func TestDeliverRetriesTransientFailureOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		var mu sync.Mutex
		failures := map[string]int{}
		r.mx.setFail(func(op, key string) error {
			mu.Lock()
			defer mu.Unlock()
			if op == "post_comment" && failures[key] < 2 {
				failures[key]++
				return errFlaky
			}
			return nil
		})
		id := r.say(rigD1, "try again", "")
		r.waitIdle()
		if got := r.mx.threadTexts(r.thread(rigMX)); len(got) != 1 || got[0] != "try again" {
			t.Errorf("matrix thread holds %q, want the comment once", got)
		}
		done, err := db.OutboxRows(context.Background(), bot.OutboxDone, 0)
		if err != nil {
			t.Fatal(err)
		}
		c := r.comment(rigD1, id)
		for _, row := range done {
			if row.CommentID == c.ID && row.Target == rigMX && row.Attempts != 2 {
				t.Errorf("row to matrix done after %d failed attempts, want 2", row.Attempts)
			}
		}
	})
}

func TestDeliverParksPermanentFailureAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		r.mx.setFail(func(op, key string) error {
			if op == "post_comment" {
				return fmt.Errorf("M_FORBIDDEN: not allowed to send in this room: %w", bot.ErrPermanent)
			}
			return nil
		})
		r.say(rigD1, "refused", "")
		r.waitIdle()
		parked, err := db.OutboxRows(context.Background(), bot.OutboxParked, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(parked) != 1 || parked[0].Target != rigMX || parked[0].Attempts != 1 ||
			!strings.Contains(parked[0].LastError, "M_FORBIDDEN") {
			t.Fatalf("parked rows = %+v, want the matrix row after 1 attempt with its error", parked)
		}
		// A parked row does not hold up its lane.
		r.mx.setFail(nil)
		r.say(rigD1, "next one", "")
		r.waitIdle()
		if got := r.mx.threadTexts(r.thread(rigMX)); len(got) != 1 || got[0] != "next one" {
			t.Errorf("matrix thread holds %q, want [next one]", got)
		}
	})
}

func TestDeliverParksAfterMaxAttempts(t *testing.T) {
	db := storetest.Open(t)
	r := newRelayRig(t, db)
	opt := rigOptions("max-attempts")
	opt.MaxAttempts = 3
	r.startDeliverer(opt)
	r.dc.setFail(func(op, _ string) error {
		if op == "post_comment" {
			return errFlaky
		}
		return nil
	})
	r.say(rigMX, "doomed", "")
	r.waitIdle()
	parked, err := db.OutboxRows(context.Background(), bot.OutboxParked, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(parked) != 2 {
		t.Fatalf("%d rows parked, want the 2 discord rows: %+v", len(parked), parked)
	}
	for _, row := range parked {
		if row.Attempts != 3 || !strings.Contains(row.LastError, "bad gateway") {
			t.Errorf("parked row %d: attempts %d, error %q; want 3 and the platform's error", row.ID, row.Attempts, row.LastError)
		}
	}
}

func TestDeliverEditsUpdatedArticle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		if again := r.ingest("a1", "First article, corrected", "h2"); again != r.article {
			t.Fatalf("update ingested as article %d, want %d", again, r.article)
		}
		r.waitIdle()
		for _, p := range []bot.Place{rigD1, rigD2, rigMX} {
			c := r.conn(p)
			c.mu.Lock()
			m := c.msgs[r.posts[p].Message]
			c.mu.Unlock()
			if m.Text != "First article, corrected" || m.Edited != 1 {
				t.Errorf("post in %s: %q edited %d times; want the new title, edited once", p, m.Text, m.Edited)
			}
		}
		if keys, _ := r.dc.counts(); keys != 2 {
			t.Errorf("discord has %d posts, want 2 (edited, not posted again)", keys)
		}
	})
}

// TestDeliverKeepsThreadOrder has three threads of one article written in
// at once, each by its own goroutine in order, while the connectors fail at
// random and two deliverers (two instances) share the store: every target
// must show each thread's comments in written order.
func TestDeliverKeepsThreadOrder(t *testing.T) {
	const perThread = 50
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		flaky := func(op, _ string) error {
			if rand.IntN(100) < 15 {
				return errFlaky
			}
			if rand.IntN(4) == 0 {
				time.Sleep(time.Duration(rand.IntN(500)) * time.Microsecond)
			}
			return nil
		}
		r.dc.setFail(flaky)
		r.mx.setFail(flaky)
		// A second instance on the same store competes for the rows.
		other := bot.NewDeliverer(db, map[bot.Platform]bot.Connector{bot.Discord: r.dc, bot.Matrix: r.mx}, rigOptions("second-instance"))
		ctx, cancel := context.WithCancel(context.Background())
		otherDone := make(chan error, 1)
		go func() { otherDone <- other.Run(ctx) }()
		defer func() {
			cancel()
			if err := <-otherDone; err != nil {
				t.Errorf("second deliverer: %v", err)
			}
		}()
		sources := []bot.Place{rigD1, rigD2, rigMX}
		var wg sync.WaitGroup
		for _, src := range sources {
			wg.Go(func() {
				for i := range perThread {
					ev := r.event(bot.MessageCreated, src, bot.RemoteID(fmt.Sprintf("%s-%02d", src, i)), fmt.Sprintf("%s #%02d", src, i), "")
					if err := r.relay.Receive(context.Background(), ev); err != nil {
						t.Errorf("receive: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
		r.waitIdle()
		for _, target := range sources {
			texts := r.conn(target).threadTexts(r.thread(target))
			for _, src := range sources {
				if src == target {
					continue
				}
				var got []string
				for _, s := range texts {
					if strings.HasPrefix(s, src.String()+" #") {
						got = append(got, s)
					}
				}
				var want []string
				for i := range perThread {
					want = append(want, fmt.Sprintf("%s #%02d", src, i))
				}
				if strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("thread in %s shows the comments from %s as\n%q\nwant\n%q", target, src, got, want)
				}
			}
		}
	})
}

// TestDeliverShutdownGivesBackRowInFlight stops a deliverer while a send
// hangs: Run returns, and the row is given back rather than left leased, so
// the next instance sends it at once (the lease here is an hour) with the
// same key.
func TestDeliverShutdownGivesBackRowInFlight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		opt := rigOptions("first")
		opt.Lease = time.Hour
		r.startDeliverer(opt)
		hanging := make(chan string, 4)
		r.mx.setAfter(func(ctx context.Context) error {
			hanging <- "hung"
			<-ctx.Done() // the platform took it; the answer never comes
			return ctx.Err()
		})
		r.say(rigD1, "in flight", "")
		<-hanging
		r.stop() // returns only once the deliverer's goroutines are done
		r.mx.setAfter(nil)

		opt.Owner = "second"
		r.startDeliverer(opt)
		r.waitIdle()
		keys, sends := r.mx.counts()
		if got := r.mx.threadTexts(r.thread(rigMX)); len(got) != 1 {
			t.Errorf("matrix thread holds %q, want the comment once", got)
		}
		if keys != 2 || sends != 3 {
			t.Errorf("matrix: %d keys, %d sends; want 2 keys (post, comment) and the comment sent twice", keys, sends)
		}
	})
}

// blankConn posts but answers without a message id: a connector bug the
// store refuses to record.
type blankConn struct{ *recConn }

func (b blankConn) PostArticle(ctx context.Context, to bot.Place, a bot.Article, key string) (bot.PostRef, error) {
	if _, err := b.recConn.PostArticle(ctx, to, a, key); err != nil {
		return bot.PostRef{}, err
	}
	return bot.PostRef{Place: to}, nil
}

// TestDeliverUnrecordableOutcomeIsParked: when the store cannot record
// what a send returned, the row is retried with backoff and then parked
// with the reason, not resent in a loop.
func TestDeliverUnrecordableOutcomeIsParked(t *testing.T) {
	db := storetest.Open(t)
	r := newRelayRig(t, db)
	r.stop()
	opt := rigOptions("blank")
	opt.MaxAttempts = 3
	d := bot.NewDeliverer(db, map[bot.Platform]bot.Connector{bot.Discord: blankConn{r.dc}, bot.Matrix: r.mx}, opt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	_, sendsBefore := r.dc.counts()
	r.ingest("a2", "Second article", "h1")
	r.waitIdle()
	parked, err := db.OutboxRows(context.Background(), bot.OutboxParked, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(parked) != 2 {
		t.Fatalf("%d rows parked, want the 2 discord posts: %+v", len(parked), parked)
	}
	for _, row := range parked {
		if row.Attempts != 3 || !strings.Contains(row.LastError, "record delivery") {
			t.Errorf("parked row %d: attempts %d, error %q; want 3 attempts and the recording error", row.ID, row.Attempts, row.LastError)
		}
	}
	if keys, sends := r.dc.counts(); sends-sendsBefore != 6 || keys != 4 {
		t.Errorf("discord: %d sends for 2 rows, %d keys; want 6 sends (3 attempts each) and 4 keys in all", sends-sendsBefore, keys)
	}
}

// TestDeliverDeletedAfterAmbiguousSendLeavesNoOrphan: a mirror whose answer
// was lost (the platform has it, Herald does not know its id) and whose
// comment is deleted before the retry must still be removed from the
// platform: the retry recovers the message by its key, then deletes it.
func TestDeliverDeletedAfterAmbiguousSendLeavesNoOrphan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		var offset atomic.Int64
		opt := rigOptions("ambiguous")
		opt.BackoffBase, opt.BackoffCap = time.Hour, time.Hour // no retry until the clock jumps
		opt.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
		r.startDeliverer(opt)
		r.mx.setAfter(func(context.Context) error { return errors.New("connection reset by peer") })
		id := r.say(rigD1, "regretted", "")
		c := r.comment(rigD1, id)
		relayWaitFor(t, "the lost answer to be counted", func() bool {
			rows, err := db.OutboxRows(context.Background(), bot.OutboxPending, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range rows {
				if row.CommentID == c.ID && row.Target == rigMX && row.Attempts == 1 {
					return true
				}
			}
			return false
		})
		r.stop()
		r.mx.setAfter(nil)
		r.receive(r.event(bot.MessageDeleted, rigD1, id, "", ""))

		offset.Add(int64(2 * time.Hour))
		opt.Owner = "after"
		r.startDeliverer(opt)
		r.waitIdle()
		msgs := r.mx.threadMsgs(r.thread(rigMX))
		if len(msgs) != 1 || !msgs[0].Deleted {
			t.Errorf("matrix thread holds %+v, want the one message of the lost answer, deleted", msgs)
		}
	})
}
