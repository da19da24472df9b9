package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/heraldchat/herald/config"
	"github.com/heraldchat/herald/richtext"
)

// DigestStore turns a digest route's collected entries into one post.
// Ingest queues a DigestEntry row (instead of a PostArticle row) for each
// new article of a digest route; ClaimOutbox must never hand those rows to
// a deliverer: they wait here until the route's digest schedule fires.
//
// It lives here, beside its only user, until the store implements it; then
// it may join Store.
type DigestStore interface {
	// DigestEntries lists up to limit pending DigestEntry rows for place
	// whose articles belong to feedID, oldest first.
	DigestEntries(ctx context.Context, feedID int64, place Place, limit int) ([]OutboxRow, error)
	// ComposeDigest, in one transaction: stores digest as an article of
	// digest.FeedID (its Key starts with "digest:"), marks the entry rows
	// done, and enqueues one PostArticle row for place for the new
	// article. It returns the new article's id. When an article with that
	// key exists already (another instance composed this digest) or any
	// entry row is no longer pending, it writes nothing and returns
	// ErrExists.
	ComposeDigest(ctx context.Context, place Place, digest Article, entryIDs []int64) (int64, error)
}

// DigesterStore is what the digest job reads and writes.
type DigesterStore interface {
	ListFeeds(ctx context.Context) ([]Feed, error)
	Routes(ctx context.Context, feedID int64) ([]Route, error)
	Article(ctx context.Context, id int64) (Article, error)
	State(ctx context.Context, key string) (string, error)
	SetState(ctx context.Context, key, value string) error
	DigestStore
}

// defaultDigestMax is how many articles one digest lists.
const defaultDigestMax = 10

// Digester posts each digest route's collected articles as one post on the
// route's own schedule. A digest lists at most Digest.Max articles (10 by
// default), oldest first; the rest wait for the next one. Quiet hours do
// not apply: the digest's schedule is its own.
type Digester struct {
	store DigesterStore
	now   func() time.Time
	log   *slog.Logger
	loc   *time.Location
	tick  time.Duration
	// Notify, when set, is called after a digest post was queued
	// (Deliverer.Kick).
	Notify func()
}

// NewDigester builds the digest job. loc is the zone digest schedules run
// in (nil = UTC); tick how often it looks for due digests (0 = 1 minute).
func NewDigester(store DigesterStore, now func() time.Time, log *slog.Logger, loc *time.Location, tick time.Duration) *Digester {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if loc == nil {
		loc = time.UTC
	}
	return &Digester{store: store, now: now, log: log, loc: loc, tick: cmp.Or(tick, time.Minute)}
}

// Run composes due digests until ctx ends.
func (d *Digester) Run(ctx context.Context) error {
	t := time.NewTicker(d.tick)
	defer t.Stop()
	for {
		if _, err := d.RunDue(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("digests", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RunDue composes every digest whose slot has come and returns how many
// posts it queued. One route's failure does not stop the others.
func (d *Digester) RunDue(ctx context.Context) (int, error) {
	fs, err := d.store.ListFeeds(ctx)
	if err != nil {
		return 0, fmt.Errorf("list feeds: %w", err)
	}
	var posted int
	var errs []error
	for _, f := range fs {
		routes, err := d.store.Routes(ctx, f.ID)
		if err != nil {
			errs = append(errs, fmt.Errorf("routes of feed %d: %w", f.ID, err))
			continue
		}
		for _, r := range routes {
			var ro config.RouteOptions
			if len(r.Options) > 0 {
				if err := json.Unmarshal(r.Options, &ro); err != nil {
					errs = append(errs, fmt.Errorf("feed %d route to %s: options: %w", f.ID, r.Place, err))
					continue
				}
			}
			if ro.Digest == nil {
				continue
			}
			ok, err := d.route(ctx, f, r.Place, *ro.Digest)
			if err != nil {
				errs = append(errs, fmt.Errorf("digest of feed %d for %s: %w", f.ID, r.Place, err))
			}
			if ok {
				posted++
			}
		}
	}
	return posted, errors.Join(errs...)
}

// route composes one route's digest if its slot has come. The next slot is
// kept in the state store, so a restart neither skips nor repeats one; the
// slot is part of the digest's key, so two instances cannot both post it.
func (d *Digester) route(ctx context.Context, f Feed, place Place, dg config.Digest) (bool, error) {
	sched, err := ParseSchedule(dg.Schedule, d.loc)
	if err != nil {
		return false, err
	}
	now := d.now()
	key := "digest_next:" + strconv.FormatInt(f.ID, 10) + ":" + place.String()
	due, err := d.nextSlot(ctx, key)
	if errors.Is(err, ErrNotFound) {
		// A new digest route: its first digest is at its next slot.
		return false, d.store.SetState(ctx, key, sched.Next(now).UTC().Format(time.RFC3339))
	}
	if err != nil {
		return false, err
	}
	if now.Before(due) {
		// The stored slot came from the schedule in force then. One that
		// fires sooner (a config reload) applies from its next slot; with
		// the schedule unchanged this is never earlier than due.
		if next := sched.Next(now); next.Before(due) {
			return false, d.store.SetState(ctx, key, next.UTC().Format(time.RFC3339))
		}
		return false, nil
	}
	entries, err := d.store.DigestEntries(ctx, f.ID, place, cmp.Or(dg.Max, defaultDigestMax))
	if err != nil {
		return false, fmt.Errorf("collect entries: %w", err)
	}
	var posted bool
	if len(entries) > 0 {
		arts := make([]Article, 0, len(entries))
		ids := make([]int64, 0, len(entries))
		for _, e := range entries {
			a, err := d.store.Article(ctx, e.ArticleID)
			if errors.Is(err, ErrNotFound) {
				continue // tombstoned since: its row goes with it
			}
			if err != nil {
				return false, fmt.Errorf("load article %d: %w", e.ArticleID, err)
			}
			arts = append(arts, a)
			ids = append(ids, e.ID)
		}
		if len(arts) > 0 {
			_, err = d.store.ComposeDigest(ctx, place, composeDigest(f, place, due, arts), ids)
			switch {
			case err == nil:
				posted = true
				if d.Notify != nil {
					d.Notify()
				}
			case errors.Is(err, ErrExists):
				// Another instance composed this slot first.
			default:
				return false, fmt.Errorf("compose: %w", err)
			}
		}
	}
	return posted, d.store.SetState(ctx, key, sched.Next(now).UTC().Format(time.RFC3339))
}

func (d *Digester) nextSlot(ctx context.Context, key string) (time.Time, error) {
	v, err := d.store.State(ctx, key)
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		// A damaged value: start over from the next slot.
		return time.Time{}, fmt.Errorf("state %s: %w", key, ErrNotFound)
	}
	return t, nil
}

// composeDigest is the one post that lists a digest's articles: a title
// saying how many, and a list of linked titles. Its key names the feed,
// the place and the slot, so composing the same slot twice dedups.
func composeDigest(f Feed, place Place, slot time.Time, arts []Article) Article {
	name := cmp.Or(f.Name, f.URL)
	noun := "articles"
	if len(arts) == 1 {
		noun = "article"
	}
	var items []richtext.Node
	for _, a := range arts {
		label := richtext.Str(cmp.Or(a.Title, a.URL, "(untitled)"))
		if a.URL != "" {
			label = richtext.A(a.URL, label)
		}
		items = append(items, richtext.Li(richtext.Para(label)))
	}
	key := fmt.Sprintf("digest:%s:%d", place, slot.Unix())
	return Article{
		FeedID:    f.ID,
		Key:       key,
		Title:     fmt.Sprintf("Digest: %s — %d %s", name, len(arts), noun),
		Summary:   richtext.Doc(richtext.UL(items...)),
		Published: slot,
		Updated:   slot,
		Hash:      key,
	}
}
