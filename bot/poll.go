package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/heraldchat/herald/feeds"
)

// FeedFetcher gets a feed document; feeds.Fetcher is the real one.
type FeedFetcher interface {
	Fetch(ctx context.Context, url string, cond feeds.Conditional) (*feeds.Response, error)
}

// PollerOptions tune the poller. Zero values take the defaults noted,
// except Jitter and MaxFailures, where zero means off, as in the config
// file (fetch.jitter, fetch.max_failures), which supplies their defaults.
type PollerOptions struct {
	Owner           string         // lease owner, unique per instance; "herald"
	DefaultSchedule string         // for feeds without one; "*/10 * * * *"
	Location        *time.Location // cron and quiet-hours zone; UTC
	Workers         int            // polls at once; 8
	PerHost         int            // polls at once per host; 2
	Jitter          time.Duration  // spread of each feed's fixed offset (config: 30s); 0 = none
	MinInterval     time.Duration  // floor between two checks of a feed; 1m
	MaxAge          time.Duration  // items older are never posted; 3 days
	FirstPost       *int           // newest items posted on a feed's first poll; nil = 1
	MaxFailures     int            // consecutive failures before a feed is paused (config: 10); 0 = never
	Lease           time.Duration  // how long a leased feed is ours; 5m
	Tick            time.Duration  // how often due feeds are looked for; 1s
	Notices         NoticeSink     // told when a feed is paused; may be nil
	Notify          func()         // called after a poll queued outbox rows (Deliverer.Kick); may be nil
	// CommandFetch fetches the feeds that chat admins added by command,
	// when set; it should refuse local files, which only the operator's
	// config may name. Nil = the same fetcher as config feeds.
	CommandFetch FeedFetcher
	// Observer is told how each poll ended (metrics); nil = nobody.
	Observer PollObserver
}

func (o PollerOptions) withDefaults() PollerOptions {
	o.Owner = cmp.Or(o.Owner, "herald")
	o.DefaultSchedule = cmp.Or(o.DefaultSchedule, "*/10 * * * *")
	if o.Location == nil {
		o.Location = time.UTC
	}
	o.Workers = cmp.Or(o.Workers, 8)
	o.PerHost = cmp.Or(o.PerHost, 2)
	o.MinInterval = cmp.Or(o.MinInterval, time.Minute)
	o.MaxAge = cmp.Or(o.MaxAge, defaultMaxAge)
	o.Lease = cmp.Or(o.Lease, 5*time.Minute)
	o.Tick = cmp.Or(o.Tick, time.Second)
	if o.Observer == nil {
		o.Observer = noObserver{}
	}
	return o
}

// Poller checks feeds when they are due and ingests what they hold.
type Poller struct {
	store    Store
	fetch    FeedFetcher
	now      func() time.Time
	log      *slog.Logger
	opt      PollerOptions
	fallback cron.Schedule // the default schedule, parsed once
	notices  noticeLog
}

// NewPoller checks the options and builds a poller. now is the clock (nil =
// time.Now); log may be nil.
func NewPoller(store Store, fetch FeedFetcher, now func() time.Time, log *slog.Logger, o PollerOptions) (*Poller, error) {
	o = o.withDefaults()
	s, err := ParseSchedule(o.DefaultSchedule, o.Location)
	if err != nil {
		return nil, fmt.Errorf("default schedule: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Poller{store: store, fetch: fetch, now: now, log: log, opt: o, fallback: s}, nil
}

// PollResult sums up one poll.
type PollResult struct {
	NotModified bool
	Items       int // items in the feed
	New         int
	Updated     int
	Queued      int // deliveries of new articles
	NextCheck   time.Time
	Paused      bool
}

// PollOnce polls one feed now, whether due or not: fetch, parse, plan,
// ingest (one transaction) and record the outcome. A failure of the feed
// itself is recorded (and counts towards pausing it) and returned.
func (p *Poller) PollOnce(ctx context.Context, f Feed) (PollResult, error) {
	start := p.now()
	res, sched, err := p.poll(ctx, f, start)
	defer func() {
		if ctx.Err() == nil { // a poll cut short by shutdown is no outcome
			p.observe(res, err)
		}
	}()
	if (res.Queued > 0 || res.Updated > 0) && p.opt.Notify != nil {
		p.opt.Notify() // the rows are committed: the deliverer may start now
	}
	if err != nil && ctx.Err() != nil {
		// Shutting down: record nothing, the lease lapses and the next
		// owner polls the feed again.
		return res.PollResult, err
	}
	rec := PollRecord{
		CheckedAt:    start,
		ETag:         f.ETag,
		LastModified: f.LastModified,
		OK:           err == nil,
		Primed:       f.Primed,
	}
	// New validators only once the document was stored: after a parse
	// failure the old ones make the next poll fetch it again instead of
	// getting a 304 for a document never ingested.
	if r := res.resp; err == nil && r != nil {
		if !r.NotModified || r.ETag != "" {
			rec.ETag = r.ETag
		}
		if !r.NotModified || r.LastModified != "" {
			rec.LastModified = r.LastModified
		}
	}
	plan := nextPlan{Now: p.now(), Schedule: sched, Jitter: feedJitter(f.ID, max(p.opt.Jitter, 0)), MinInterval: res.minInterval}
	if res.resp != nil {
		plan.MaxAge, plan.RetryAfter = res.resp.MaxAge, res.resp.RetryAfter
	}
	if res.parsed != nil {
		plan.TTL = res.parsed.TTL
	}
	if err == nil {
		rec.Primed = true
	} else {
		rec.Failures = f.Failures + 1
		rec.Error = err.Error()
		plan.Failures = rec.Failures
		if p.opt.MaxFailures > 0 && rec.Failures >= p.opt.MaxFailures {
			rec.Pause = true
			rec.PauseReason = fmt.Sprintf("paused after %d failures in a row; last: %s", rec.Failures, rec.Error)
		}
	}
	rec.NextCheck = nextCheck(plan)
	res.NextCheck, res.Paused = rec.NextCheck, rec.Pause
	if rerr := p.store.RecordPoll(ctx, f.ID, rec); rerr != nil {
		return res.PollResult, errors.Join(err, fmt.Errorf("record poll of feed %d: %w", f.ID, rerr))
	}
	if err != nil {
		p.log.Info("feed poll failed", slog.Int64("feed_id", f.ID), slog.String("url", f.URL),
			slog.Int("failures", rec.Failures), slog.Time("next_check", rec.NextCheck), slog.String("error", rec.Error))
	}
	if rec.Pause {
		p.raise(ctx, Notice{Time: start, FeedID: f.ID, URL: f.URL, Message: rec.PauseReason})
	}
	return res.PollResult, err
}

// pollState carries what a poll learnt, for the record, even when it failed
// half way.
type pollState struct {
	PollResult
	resp        *feeds.Response
	parsed      *feeds.Feed
	minInterval time.Duration
	fetchTime   time.Duration // how long the fetch took
}

// observe tells the observer how a poll ended.
func (p *Poller) observe(st pollState, err error) {
	switch {
	case err != nil:
		p.opt.Observer.FeedPolled(PollFailed, st.fetchTime, st.PollResult)
	case st.NotModified:
		p.opt.Observer.FeedPolled(PollNotModified, st.fetchTime, st.PollResult)
	default:
		p.opt.Observer.FeedPolled(PollFetched, st.fetchTime, st.PollResult)
	}
}

func (p *Poller) poll(ctx context.Context, f Feed, now time.Time) (pollState, cron.Schedule, error) {
	st := pollState{minInterval: p.opt.MinInterval}
	sched := p.fallback
	if f.Schedule != "" {
		s, err := ParseSchedule(f.Schedule, p.opt.Location)
		if err != nil {
			return st, sched, err
		}
		sched = s
	}
	routes, err := p.store.Routes(ctx, f.ID)
	if err != nil {
		return st, sched, fmt.Errorf("load routes: %w", err)
	}
	plan, err := planFeed(f, routes, p.opt)
	if err != nil {
		return st, sched, err
	}
	st.minInterval = plan.minInterval
	fetch := p.fetch
	if f.Origin == FromCommand && p.opt.CommandFetch != nil {
		fetch = p.opt.CommandFetch
	}
	fetchStart := time.Now() // wall time, not the injected clock: this is a duration to report
	st.resp, err = fetch.Fetch(ctx, f.URL, feeds.Conditional{ETag: f.ETag, LastModified: f.LastModified})
	st.fetchTime = time.Since(fetchStart)
	if err != nil {
		return st, sched, err
	}
	if st.resp.NotModified {
		st.NotModified = true
		return st, sched, nil
	}
	st.parsed, err = feeds.Parse(st.resp.Body, cmp.Or(st.resp.FinalURL, f.URL), now)
	if err != nil {
		return st, sched, err
	}
	st.Items = len(st.parsed.Items)
	in := planIngest(plan, f.ID, f.Primed, st.parsed, now)
	results, err := p.store.Ingest(ctx, f.ID, in)
	if err != nil {
		return st, sched, fmt.Errorf("store articles: %w", err)
	}
	for i, r := range results {
		switch r.Outcome {
		case ArticleNew:
			st.New++
			if i < len(in) {
				st.Queued += len(in[i].Deliveries)
			}
		case ArticleUpdated:
			st.Updated++
		}
	}
	return st, sched, nil
}

// Run polls due feeds until ctx ends, then waits for the polls under way
// (they see ctx end and stop) and returns. Feeds leased but not started
// are left to their lease, which lapses.
func (p *Poller) Run(ctx context.Context) error {
	type leased struct {
		feed Feed
		host string
		at   time.Time
	}
	var (
		wg       sync.WaitGroup
		queue    []leased
		inflight = map[string]int{}
		active   = map[int64]bool{} // queued or polling: a re-lease of ours must not poll it twice
		running  int
		moreDue  bool // the last lease got all it asked for
		done     = make(chan leased)
		tick     = time.NewTimer(0)
	)
	defer tick.Stop()
	defer wg.Wait()
	for {
		// Start what the worker and per-host limits allow, oldest first;
		// a host at its limit does not hold up the others.
		now := p.now()
		for i := 0; i < len(queue) && running < p.opt.Workers; {
			l := queue[i]
			if now.Sub(l.at) > p.opt.Lease*3/4 {
				// Too close to losing the lease: another instance may
				// take it; let it lapse rather than poll twice.
				queue = append(queue[:i], queue[i+1:]...)
				delete(active, l.feed.ID)
				continue
			}
			if inflight[l.host] >= p.opt.PerHost {
				i++
				continue
			}
			queue = append(queue[:i], queue[i+1:]...)
			inflight[l.host]++
			running++
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := p.PollOnce(ctx, l.feed); err != nil && ctx.Err() == nil {
					p.log.Debug("poll", slog.Int64("feed_id", l.feed.ID), slog.String("error", err.Error()))
				}
				select {
				case done <- l:
				case <-ctx.Done():
				}
			}()
		}
		select {
		case <-ctx.Done():
			return nil
		case l := <-done:
			inflight[l.host]--
			running--
			delete(active, l.feed.ID)
			// The last lease was cut short by its room: more feeds are
			// due now. Lease again at once rather than at the next tick,
			// which would cap polling at 2×Workers feeds per tick (16/s).
			if moreDue && len(queue) < p.opt.Workers {
				moreDue = false
				tick.Reset(0)
			}
		case <-tick.C:
			// Lease no more than can start soon, so feeds do not sit in our
			// queue while another instance could poll them.
			if room := 2*p.opt.Workers - running - len(queue); room > 0 {
				at := p.now()
				// The store hands our own leases back (renewed) while their
				// feeds are still due, i.e. until each poll is recorded; ask
				// for that many more so other feeds are not starved.
				fs, err := p.store.LeaseDueFeeds(ctx, p.opt.Owner, at, p.opt.Lease, room+len(active))
				moreDue = len(fs) >= room+len(active)
				if err != nil && ctx.Err() == nil {
					p.log.Error("lease due feeds", slog.String("error", err.Error()))
				}
				for _, f := range fs {
					if active[f.ID] {
						for i := range queue {
							if queue[i].feed.ID == f.ID {
								queue[i].at = at
							}
						}
						continue
					}
					active[f.ID] = true
					queue = append(queue, leased{feed: f, host: feedHost(f.URL), at: at})
				}
			}
			tick.Reset(p.opt.Tick)
		}
	}
}

// feedHost is what the per-host limit counts by. Local files share one
// bucket; an unparsable URL gets its own so it fails on its own.
func feedHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		if strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "file:") || strings.HasPrefix(raw, ".") {
			return "file"
		}
		return raw
	}
	return strings.ToLower(u.Hostname())
}
