package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// DeliveryStore is what the deliverer needs of the store.
type DeliveryStore interface {
	ClaimOutboxOrdered(ctx context.Context, owner string, platforms []Platform, kinds []OutboxKind, now time.Time, lease time.Duration, limit int) ([]OutboxRow, error)
	ReleaseOutbox(ctx context.Context, rowID int64, owner string) error
	CompletePost(ctx context.Context, rowID int64, ref PostRef) error
	CompleteOutbox(ctx context.Context, rowID int64) error
	CompleteMirror(ctx context.Context, rowID, commentID int64, place Place, ids []RemoteID) error
	RetryOutbox(ctx context.Context, rowID int64, errMsg string, at time.Time) error
	ParkOutbox(ctx context.Context, rowID int64, errMsg string) error
	Article(ctx context.Context, id int64) (Article, error)
	Posts(ctx context.Context, articleID int64) ([]PostRef, error)
	Comment(ctx context.Context, id int64) (Comment, error)
	Mirrors(ctx context.Context, commentID int64) ([]Mirror, error)
}

// DeliverOptions tune a Deliverer. Zero values take the defaults in brackets.
type DeliverOptions struct {
	Owner       string        // lease owner; unique per running instance ["deliverer"]
	Workers     int           // rows sent at once [4]
	Lease       time.Duration // how long a claimed row is ours [2m]
	Poll        time.Duration // how often to look for due rows without a Kick [2s]
	BackoffBase time.Duration // delay before the first retry [2s]
	BackoffCap  time.Duration // longest delay between retries [10m]
	MaxAttempts int           // failures before a row is parked [8]
	Now         func() time.Time
	Logger      *slog.Logger
	Observer    DeliveryObserver // told how each attempt settled (metrics) [nobody]
}

func (o DeliverOptions) withDefaults() DeliverOptions {
	o.Owner = cmp.Or(o.Owner, "deliverer")
	o.Workers = cmp.Or(max(o.Workers, 0), 4)
	o.Lease = cmp.Or(o.Lease, 2*time.Minute)
	o.Poll = cmp.Or(o.Poll, 2*time.Second)
	o.BackoffBase = cmp.Or(o.BackoffBase, 2*time.Second)
	o.BackoffCap = cmp.Or(o.BackoffCap, 10*time.Minute)
	o.MaxAttempts = cmp.Or(max(o.MaxAttempts, 0), 8)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Observer == nil {
		o.Observer = noObserver{}
	}
	return o
}

// deliverKinds are the outbox rows the deliverer sends; digest entries
// belong to the digest builder.
var deliverKinds = []OutboxKind{PostArticle, EditArticle, PostComment, EditComment, DeleteComment, ReactAdd, ReactRemove}

// Deliverer sends outbox rows through the connectors and records what they
// created. Several deliverers (one per instance) may share a store: rows are
// leased, and a row whose deliverer died is taken over once its lease ends.
//
// Order: rows are claimed with ClaimOutboxOrdered, which hands out a row only
// when no earlier row of its lane (target place + article) is pending, so
// the comments of one thread reach each target in the order they were
// written, whatever the number of workers or instances, and a row backing off
// after a failure holds its lane until it is sent or parked.
type Deliverer struct {
	store     DeliveryStore
	conns     map[Platform]Connector
	platforms []Platform
	opt       DeliverOptions
	rnd       func(n int64) int64
	kick      chan struct{}
}

// NewDeliverer returns a deliverer for the platforms conns has connectors for.
func NewDeliverer(store DeliveryStore, conns map[Platform]Connector, opt DeliverOptions) *Deliverer {
	d := &Deliverer{
		store: store,
		conns: conns,
		opt:   opt.withDefaults(),
		rnd:   defaultRand,
		kick:  make(chan struct{}, 1),
	}
	for p := range conns {
		d.platforms = append(d.platforms, p)
	}
	slices.Sort(d.platforms)
	return d
}

// Kick wakes the deliverer to look for due rows now; call it after enqueuing.
// It never blocks.
func (d *Deliverer) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends, then waits for its workers and returns nil.
// A row being sent when ctx ends is given back (released) unless its outcome
// is known; if even that fails, its lease expires and it is sent again with
// the same key, which the platform dedups.
//
// Workers goroutines send; Run claims. Up to twice Workers lanes are claimed
// at a time, so a worker that finishes finds the next lane waiting instead
// of waiting for a claim, and claims come in batches of at least Workers
// lanes rather than one per delivery (a claim is a write transaction).
func (d *Deliverer) Run(ctx context.Context) error {
	if len(d.platforms) == 0 {
		<-ctx.Done()
		return nil
	}
	type job struct {
		lane     []OutboxRow
		leaseEnd time.Time
	}
	limit := 2 * d.opt.Workers
	// Both buffers hold limit: at most limit lanes are outstanding, each
	// queued once and reporting once, so no send on them ever blocks.
	queue := make(chan job, limit)
	done := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for range d.opt.Workers {
		wg.Go(func() {
			// After ctx ends, queued lanes still pass through runLane,
			// which gives their rows back.
			for j := range queue {
				d.runLane(ctx, j.lane, j.leaseEnd)
				done <- struct{}{}
			}
		})
	}
	defer wg.Wait()
	defer close(queue)
	outstanding := 0 // lanes claimed and not yet finished
	timer := time.NewTimer(d.opt.Poll)
	defer timer.Stop()
	for {
		// Claim when at least Workers slots are free: the batch keeps every
		// worker busy until the next claim.
		if outstanding <= limit-d.opt.Workers && ctx.Err() == nil {
			now := d.opt.Now()
			rows, err := d.store.ClaimOutboxOrdered(ctx, d.opt.Owner, d.platforms, deliverKinds, now, d.opt.Lease, limit-outstanding)
			if err != nil && ctx.Err() == nil {
				d.opt.Logger.Warn("claim outbox rows", slog.String("owner", d.opt.Owner), slog.Any("error", err))
			}
			for _, lane := range lanes(rows) {
				outstanding++
				queue <- job{lane: lane, leaseEnd: now.Add(d.opt.Lease)}
			}
			if len(rows) > 0 && outstanding <= limit-d.opt.Workers {
				continue
			}
		}
		timer.Reset(d.opt.Poll)
		select {
		case <-ctx.Done():
			return nil
		case <-done:
			outstanding--
		case <-d.kick:
		case <-timer.C:
		}
	}
}

// lanes groups rows by target place and article, each lane in row order.
// ClaimOutboxOrdered hands out one row per lane, so lanes are usually of
// one; grouping keeps the order even if a store hands out more.
func lanes(rows []OutboxRow) [][]OutboxRow {
	type laneKey struct {
		target  Place
		article int64
	}
	var out [][]OutboxRow
	index := map[laneKey]int{}
	for _, r := range rows {
		k := laneKey{r.Target, r.ArticleID}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], r)
	}
	for _, l := range out {
		slices.SortFunc(l, func(a, b OutboxRow) int { return cmp.Compare(a.ID, b.ID) })
	}
	return out
}

// outcome says what deliver did with a row, and so what runLane does next.
type outcome int

const (
	rowSettled   outcome = iota // done or parked: the lane goes on
	rowHeld                     // scheduled for a retry: the rest waits behind it
	rowUnsettled                // outcome unknown or unrecorded: give it back
)

// runLane sends one lane's rows in order. It stops at the first row that is
// not settled, giving back the rest (and that row, when its fate is unknown)
// so they wait behind it.
func (d *Deliverer) runLane(ctx context.Context, lane []OutboxRow, leaseEnd time.Time) {
	for i, row := range lane {
		o := rowUnsettled
		if ctx.Err() == nil {
			o = d.deliver(ctx, row, leaseEnd)
		}
		switch o {
		case rowSettled:
			continue
		case rowHeld:
			i++
		}
		for _, rest := range lane[i:] {
			d.release(ctx, rest)
		}
		return
	}
}

// deliver sends one row and records the outcome.
func (d *Deliverer) deliver(ctx context.Context, row OutboxRow, leaseEnd time.Time) outcome {
	log := d.opt.Logger.With(slog.Int64("row_id", row.ID), slog.String("kind", string(row.Kind)),
		slog.String("target", row.Target.String()), slog.String("key", row.Key))
	// Stop sending well before the lease ends, so another instance never
	// takes over a row this one is still sending.
	// (A timeout, not a deadline: the lease is on the injected clock.)
	budget := leaseEnd.Sub(d.opt.Now()) - d.opt.Lease/4
	if budget <= 0 {
		// The lane waited (queued behind slow sends) until too little of
		// its lease was left. Nothing was tried: give it back rather than
		// send with a deadline already past, which would count a failed
		// attempt (and park the row in the end) for a send never made.
		log.Debug("lease too short to send, giving the row back")
		return rowUnsettled
	}
	sendCtx, cancel := context.WithTimeout(ctx, budget)
	if row.Attempts > 0 {
		sendCtx = WithPriorAttempt(sendCtx, row.Created)
	}
	record, err := d.send(sendCtx, row)
	cancel()
	// Record what happened even if shutdown began meanwhile: a finished
	// send that is not recorded would only be sent again.
	recCtx, cancelRec := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancelRec()
	if err == nil {
		if err = record(recCtx); err == nil {
			log.Debug("delivered")
			d.opt.Observer.Delivered(row, DeliveryDone, d.opt.Now())
			return rowSettled
		}
		// The platform has it but the store did not take the outcome. The
		// row goes the way of a failed send: retried later with the same
		// key, which the platform dedups, or parked if recording keeps
		// failing (a connector that returns no message id, say) — never
		// resent in a tight loop.
		err = fmt.Errorf("record delivery: %w", err)
	} else if ctx.Err() != nil {
		// Cut off by shutdown: the send may have reached the platform.
		// The next send must be marked a repeat (PriorAttempt), so that a
		// connector whose keys lived in this process's memory looks for
		// the earlier message first; that mark is Attempts > 0. So a
		// first attempt is counted (due again at once); a row counted
		// already is just given back, so restarts alone never park it.
		if row.Attempts > 0 {
			return rowUnsettled
		}
		msg := fmt.Sprintf("attempt %d: cut off by shutdown, outcome unknown: %v", row.Attempts+1, err)
		if err := d.store.RetryOutbox(recCtx, row.ID, msg, d.opt.Now()); err != nil {
			log.Warn("record send cut off by shutdown", slog.Any("error", err))
		}
		return rowHeld
	}
	switch {
	case errors.Is(err, ErrPermanent) || row.Attempts+1 >= d.opt.MaxAttempts:
		msg := fmt.Sprintf("attempt %d: %v", row.Attempts+1, err)
		if err := d.store.ParkOutbox(recCtx, row.ID, msg); err != nil {
			log.Error("park outbox row", slog.Any("error", err))
			return rowUnsettled
		}
		log.Warn("delivery parked", slog.Int("attempt", row.Attempts+1), slog.Any("error", err))
		d.opt.Observer.Delivered(row, DeliveryParked, d.opt.Now())
		return rowSettled
	default:
		delay := retryDelay(err, row.Attempts+1, d.opt.BackoffBase, d.opt.BackoffCap, d.rnd)
		at := d.opt.Now().Add(delay)
		if err := d.store.RetryOutbox(recCtx, row.ID, fmt.Sprintf("attempt %d: %v", row.Attempts+1, err), at); err != nil {
			log.Error("schedule outbox retry", slog.Any("error", err))
			return rowUnsettled
		}
		log.Info("delivery failed, will retry", slog.Int("attempt", row.Attempts+1),
			slog.Duration("delay", delay), slog.Any("error", err))
		d.opt.Observer.Delivered(row, DeliveryRetry, d.opt.Now())
		return rowHeld
	}
}

// release gives a row back so another deliverer need not wait for its lease.
func (d *Deliverer) release(ctx context.Context, row OutboxRow) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := d.store.ReleaseOutbox(ctx, row.ID, d.opt.Owner); err != nil {
		d.opt.Logger.Warn("release outbox row", slog.Int64("row_id", row.ID), slog.Any("error", err))
	}
}
