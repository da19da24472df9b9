package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store"
)

// The places of the rig's article: two Discord channels and a Matrix room.
var (
	rigD1 = bot.Place{Platform: bot.Discord, Channel: "100"}
	rigD2 = bot.Place{Platform: bot.Discord, Channel: "200"}
	rigMX = bot.Place{Platform: bot.Matrix, Channel: "!room:test"}
)

// relayRig is a real store with an article posted to three places through
// two recording connectors, a relay and a running deliverer.
type relayRig struct {
	t       testing.TB
	db      *store.DB
	dc, mx  *recConn
	relay   *bot.Relay
	feedID  int64
	article int64
	posts   map[bot.Place]bot.PostRef
	stop    func() // stops the deliverer; safe to call twice
	msgSeq  atomic.Int64
}

// rigOptions are the deliverer options tests use: quick polls and retries.
func rigOptions(owner string) bot.DeliverOptions {
	return bot.DeliverOptions{
		Owner:       owner,
		Workers:     4,
		Lease:       5 * time.Second,
		Poll:        20 * time.Millisecond,
		BackoffBase: 5 * time.Millisecond,
		BackoffCap:  40 * time.Millisecond,
		MaxAttempts: 8,
		Logger:      relayLogger(),
	}
}

// testLogger discards logs unless HERALD_TEST_LOG is set.
func relayLogger() *slog.Logger {
	if os.Getenv("HERALD_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func newRelayRig(t testing.TB, db *store.DB) *relayRig {
	t.Helper()
	r := &relayRig{t: t, db: db, dc: newRecConn(bot.Discord), mx: newRecConn(bot.Matrix)}
	ctx := context.Background()
	f, err := db.AddFeed(ctx, bot.FeedSpec{URL: "https://news.test/feed.xml", Name: "news"}, bot.FromCommand)
	if err != nil {
		t.Fatalf("add feed: %v", err)
	}
	r.feedID = f.ID
	r.article = r.ingest("a1", "First article", "h1")
	r.startDeliverer(rigOptions("rig"))
	r.waitIdle()
	r.posts = map[bot.Place]bot.PostRef{}
	refs, err := db.Posts(ctx, r.article)
	if err != nil {
		t.Fatalf("posts of article: %v", err)
	}
	for _, p := range refs {
		r.posts[p.Place] = p
	}
	if len(r.posts) != 3 {
		t.Fatalf("article posted to %d places (%v), want 3", len(r.posts), refs)
	}
	return r
}

// ingest stores an article for the three places and returns its id.
func (r *relayRig) ingest(key, title, hash string) int64 {
	r.t.Helper()
	var dl []bot.Delivery
	for _, p := range []bot.Place{rigD1, rigD2, rigMX} {
		dl = append(dl, bot.Delivery{Place: p, Kind: bot.PostArticle})
	}
	res, err := r.db.Ingest(context.Background(), r.feedID, []bot.Incoming{{
		Article:    bot.Article{Key: key, GUID: key, Title: title, URL: "https://news.test/" + key, Hash: hash},
		Deliveries: dl,
	}})
	if err != nil {
		r.t.Fatalf("ingest %s: %v", key, err)
	}
	return res[0].ArticleID
}

// startDeliverer runs a deliverer (and a relay kicking it) until the test
// ends or stop is called.
func (r *relayRig) startDeliverer(opt bot.DeliverOptions) *bot.Deliverer {
	if r.stop != nil {
		r.stop()
	}
	d := bot.NewDeliverer(r.db, map[bot.Platform]bot.Connector{bot.Discord: r.dc, bot.Matrix: r.mx}, opt)
	r.relay = bot.NewRelay(r.db, bot.RelayOptions{Notify: d.Kick, Logger: opt.Logger})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var stopped atomic.Bool
	r.stop = func() {
		if stopped.Swap(true) {
			return
		}
		cancel()
		if err := <-done; err != nil {
			r.t.Errorf("deliverer Run: %v", err)
		}
	}
	r.t.Cleanup(r.stop)
	d.Kick()
	return d
}

// waitIdle waits until no outbox row is pending.
func (r *relayRig) waitIdle() {
	r.t.Helper()
	var pending []bot.OutboxRow
	deadline := time.Now().Add(2 * time.Minute) // generous: -race on a busy 2-core machine is slow
	for {
		var err error
		pending, err = r.db.OutboxRows(context.Background(), bot.OutboxPending, 0)
		if err != nil {
			r.t.Fatalf("list pending rows: %v", err)
		}
		if len(pending) == 0 {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	for _, row := range pending {
		r.t.Logf("still pending: row %d %s to %s, comment %d, attempts %d, not before %s, last error %q",
			row.ID, row.Kind, row.Target, row.CommentID, row.Attempts, row.NotBefore.Format(time.RFC3339Nano), row.LastError)
	}
	r.t.Fatalf("gave up waiting for the outbox to drain: %d rows pending", len(pending))
}

// waitFor polls cond until it holds; it fails the test after a generous
// deadline instead of hanging (a liveness guard, not a timing assertion).
func relayWaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute) // generous: -race on a busy 2-core machine is slow
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// thread returns the thread id of the article's post in place.
func (r *relayRig) thread(p bot.Place) bot.RemoteID { return r.posts[p].Thread }

// conn returns the connector of a place.
func (r *relayRig) conn(p bot.Place) *recConn {
	if p.Platform == bot.Matrix {
		return r.mx
	}
	return r.dc
}

// say makes a person write text in the article's thread in place; it
// returns the new message id.
func (r *relayRig) say(p bot.Place, text string, replyTo bot.RemoteID) bot.RemoteID {
	r.t.Helper()
	id := bot.RemoteID(fmt.Sprintf("human-%d", r.msgSeq.Add(1)))
	r.receive(r.event(bot.MessageCreated, p, id, text, replyTo))
	return id
}

func (r *relayRig) event(kind bot.EventKind, p bot.Place, id bot.RemoteID, text string, replyTo bot.RemoteID) bot.Event {
	return bot.Event{
		Kind: kind, Place: p, Thread: r.thread(p), Message: id, ReplyTo: replyTo,
		Author: bot.Author{Platform: p.Platform, ID: "u-" + bot.RemoteID(p.Platform), Name: "Person on " + string(p.Platform)},
		Body:   richtext.FromPlain(text), Time: time.Now(),
	}
}

func (r *relayRig) receive(ev bot.Event) {
	r.t.Helper()
	if err := r.relay.Receive(context.Background(), ev); err != nil {
		r.t.Fatalf("receive %s %s: %v", ev.Kind, ev.Message, err)
	}
}

// comment returns the comment written as message id on p's platform.
func (r *relayRig) comment(p bot.Place, id bot.RemoteID) bot.Comment {
	r.t.Helper()
	c, err := r.db.CommentByOrigin(context.Background(), p.Platform, id)
	if err != nil {
		r.t.Fatalf("comment %s: %v", id, err)
	}
	return c
}

// mirrorIn returns the message ids mirroring comment id in place.
func (r *relayRig) mirrorIn(id int64, p bot.Place) []bot.RemoteID {
	r.t.Helper()
	ms, err := r.db.Mirrors(context.Background(), id)
	if err != nil {
		r.t.Fatalf("mirrors of %d: %v", id, err)
	}
	for _, m := range ms {
		if m.Place == p {
			return m.IDs
		}
	}
	return nil
}
