package bot_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store/storetest"
)

// stallConn is a Matrix-like connector whose first comment send reaches
// the platform and then hangs until the deliverer gives up on it (its
// answer never arrives). It records, for every comment send, whether the
// deliverer marked it as a repeat (bot.PriorAttempt): a platform that keeps
// idempotency keys only in the connector's memory relies on that mark to
// look for the earlier message instead of posting a second one.
type stallConn struct {
	*recConn
	started chan struct{}

	mu    sync.Mutex
	prior []bool
}

func (s *stallConn) PostComment(ctx context.Context, in bot.PostRef, c bot.Comment, key string) ([]bot.RemoteID, error) {
	_, prior := bot.PriorAttempt(ctx)
	s.mu.Lock()
	s.prior = append(s.prior, prior)
	first := len(s.prior) == 1
	s.mu.Unlock()
	ids, err := s.recConn.PostComment(ctx, in, c, key)
	if first {
		close(s.started)
		<-ctx.Done() // the platform has it; the answer is lost to shutdown
		return nil, ctx.Err()
	}
	return ids, err
}

// A send cut off by shutdown may have reached the platform, so the next
// attempt (after a restart, by this or another instance) must be marked as
// a repeat. Releasing the row as if it had never been tried loses that.
func TestDeliverShutdownMidSendMarksResendAsRepeat(t *testing.T) {
	db := storetest.Open(t)
	r := newRelayRig(t, db)
	r.stop()
	mx := &stallConn{recConn: r.mx, started: make(chan struct{})}
	conns := map[bot.Platform]bot.Connector{bot.Discord: r.dc, bot.Matrix: mx}

	r.say(rigD1, "in flight at shutdown", "")
	first := bot.NewDeliverer(db, conns, rigOptions("first"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- first.Run(ctx) }()
	first.Kick()
	<-mx.started
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("first deliverer Run: %v", err)
	}

	second := bot.NewDeliverer(db, conns, rigOptions("second"))
	ctx2, cancel2 := context.WithCancel(context.Background())
	done2 := make(chan error, 1)
	go func() { done2 <- second.Run(ctx2) }()
	second.Kick()
	r.waitIdle()
	cancel2()
	if err := <-done2; err != nil {
		t.Fatalf("second deliverer Run: %v", err)
	}

	mx.mu.Lock()
	defer mx.mu.Unlock()
	if len(mx.prior) != 2 {
		t.Fatalf("matrix got %d comment sends, want 2 (the cut-off one and its resend)", len(mx.prior))
	}
	if got, want := mx.prior[1], true; got != want {
		t.Errorf("resend after a send cut off by shutdown: PriorAttempt = %v, want %v", got, want)
	}
	if got := r.mx.threadTexts(r.thread(rigMX)); len(got) != 1 {
		t.Errorf("matrix thread holds %q, want the comment once", got)
	}
}

// gatedConn holds the first comment send of any gatedConn sharing its gate
// until the test lets it go.
type gatedConn struct {
	*recConn
	gate *sendGate
}

type sendGate struct {
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func (g *gatedConn) PostComment(ctx context.Context, in bot.PostRef, c bot.Comment, key string) ([]bot.RemoteID, error) {
	first := false
	g.gate.once.Do(func() { first = true })
	if first {
		close(g.gate.entered)
		<-g.gate.release
	}
	return g.recConn.PostComment(ctx, in, c, key)
}

// A lane that waited in the deliverer's queue while a slow send held the
// only worker may have too little of its lease left to send. It must be
// given back untried, not sent with a deadline already past: that failed
// at once, counted an attempt that never reached the platform, and under
// sustained slowness parked rows that were never tried.
func TestDeliverLaneQueuedPastItsLeaseIsNotCountedAsFailed(t *testing.T) {
	db := storetest.Open(t)
	r := newRelayRig(t, db)
	r.stop()
	gate := &sendGate{entered: make(chan struct{}), release: make(chan struct{})}
	conns := map[bot.Platform]bot.Connector{
		bot.Discord: &gatedConn{recConn: r.dc, gate: gate},
		bot.Matrix:  &gatedConn{recConn: r.mx, gate: gate},
	}
	var offset atomic.Int64
	opt := rigOptions("slow")
	opt.Workers = 1 // the second lane waits in the queue behind the first
	opt.Lease = time.Minute
	opt.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }

	id := r.say(rigD1, "queued behind a slow send", "") // one row to rigD2, one to rigMX: two lanes
	d := bot.NewDeliverer(db, conns, opt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	d.Kick()
	<-gate.entered
	// The slow send takes 4/5 of the lease: more than the 3/4 a send may
	// use, less than the lease, so no other claim takes the waiting lane.
	offset.Add(int64(opt.Lease * 4 / 5))
	close(gate.release)
	r.waitIdle()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}

	c := r.comment(rigD1, id)
	rows, err := db.OutboxRows(context.Background(), bot.OutboxDone, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, row := range rows {
		if row.CommentID != c.ID {
			continue
		}
		n++
		if row.Attempts != 0 || row.LastError != "" {
			t.Errorf("row %d to %s done after %d failed attempts (last error %q), want 0: it was never tried before",
				row.ID, row.Target, row.Attempts, row.LastError)
		}
	}
	if n != 2 {
		t.Errorf("%d rows of the comment done, want 2", n)
	}
}
