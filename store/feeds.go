package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/heraldchat/herald/bot"
)

// feedCols are the columns scanFeed reads, in its order.
const feedCols = `id, url, name, schedule, origin, options, etag, last_modified, next_check,
	last_check, last_success, failures, last_error, paused, paused_reason, primed`

type scanner interface{ Scan(dest ...any) error }

func scanFeed(s scanner) (bot.Feed, error) {
	var f bot.Feed
	var origin, options string
	var next, last, success int64
	err := s.Scan(&f.ID, &f.URL, &f.Name, &f.Schedule, &origin, &options, &f.ETag, &f.LastModified,
		&next, &last, &success, &f.Failures, &f.LastError, &f.Paused, &f.PausedReason, &f.Primed)
	if err != nil {
		return bot.Feed{}, err
	}
	f.Origin = bot.FeedOrigin(origin)
	f.Options = []byte(options)
	f.NextCheck, f.LastCheck, f.LastSuccess = fromMS(next), fromMS(last), fromMS(success)
	return f, nil
}

func scanFeeds(rows *sql.Rows) ([]bot.Feed, error) {
	defer rows.Close()
	var out []bot.Feed
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// jsonOrEmpty checks caller-supplied JSON options; empty means "{}".
func jsonOrEmpty(b []byte) (string, error) {
	if len(strings.TrimSpace(string(b))) == 0 {
		return "{}", nil
	}
	if !json.Valid(b) {
		return "", errors.New("options are not valid JSON")
	}
	return string(b), nil
}

// SyncConfigFeeds makes the config's feeds match specs, in one transaction.
// A spec whose URL belongs to a feed added by command adopts that feed:
// the config is the declared truth, and its routes must not be ignored.
func (d *DB) SyncConfigFeeds(ctx context.Context, specs []bot.FeedSpec) error {
	seen := map[string]int{}
	for i, s := range specs {
		if s.URL == "" {
			return fmt.Errorf("sync config feeds: feed %d has no URL", i)
		}
		if j, dup := seen[s.URL]; dup {
			return fmt.Errorf("sync config feeds: feeds %d and %d share the URL %s", j, i, s.URL)
		}
		seen[s.URL] = i
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		if err := d.lockConfigSync(ctx, tx); err != nil {
			return err
		}
		for _, s := range specs {
			if _, err := upsertFeed(ctx, tx, s, bot.FromConfig, true); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, url FROM feeds WHERE origin = 'config' AND removed = 0`)
		if err != nil {
			return fmt.Errorf("list config feeds: %w", err)
		}
		var gone []int64
		for rows.Next() {
			var id int64
			var url string
			if err := rows.Scan(&id, &url); err != nil {
				rows.Close()
				return fmt.Errorf("list config feeds: %w", err)
			}
			if _, keep := seen[url]; !keep {
				gone = append(gone, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("list config feeds: %w", err)
		}
		for _, id := range gone {
			if err := removeFeed(ctx, tx, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sync config feeds: %w", err)
	}
	return nil
}

// AddFeed adds a feed; ErrExists when its URL is already there. A feed
// removed earlier comes back with its articles and tombstones.
func (d *DB) AddFeed(ctx context.Context, spec bot.FeedSpec, origin bot.FeedOrigin) (bot.Feed, error) {
	if spec.URL == "" {
		return bot.Feed{}, errors.New("add feed: no URL")
	}
	if origin != bot.FromConfig && origin != bot.FromCommand {
		return bot.Feed{}, fmt.Errorf("add feed %s: unknown origin %q", spec.URL, origin)
	}
	var f bot.Feed
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		id, err := upsertFeed(ctx, tx, spec, origin, false)
		if err != nil {
			return err
		}
		f, err = scanFeed(tx.QueryRowContext(ctx, `SELECT `+feedCols+` FROM feeds WHERE id = $1`, id))
		return err
	})
	if err != nil {
		return bot.Feed{}, fmt.Errorf("add feed %s: %w", spec.URL, err)
	}
	return f, nil
}

// upsertFeed inserts or revives a feed, or (when update is set) updates a
// live one, then replaces its routes. It returns the feed's id.
func upsertFeed(ctx context.Context, tx *sql.Tx, s bot.FeedSpec, origin bot.FeedOrigin, update bool) (int64, error) {
	opts, err := jsonOrEmpty(s.Options)
	if err != nil {
		return 0, fmt.Errorf("feed %s: %w", s.URL, err)
	}
	var id, removed int64
	var schedule string
	err = tx.QueryRowContext(ctx, `SELECT id, removed, schedule FROM feeds WHERE url = $1`, s.URL).Scan(&id, &removed, &schedule)
	now := nowMS()
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = tx.QueryRowContext(ctx, `INSERT INTO feeds (url, name, schedule, origin, options, created)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, s.URL, s.Name, s.Schedule, string(origin), opts, now).Scan(&id)
		if err != nil {
			return 0, fmt.Errorf("insert feed %s: %w", s.URL, err)
		}
	case err != nil:
		return 0, fmt.Errorf("look up feed %s: %w", s.URL, err)
	case removed != 0:
		// Revived: polled afresh from now on, and primed again so the
		// first poll does not post everything that came out meanwhile.
		_, err = tx.ExecContext(ctx, `UPDATE feeds SET name = $2, schedule = $3, origin = $4, options = $5,
	removed = 0, paused = FALSE, paused_reason = '', failures = 0, last_error = '', primed = FALSE,
	next_check = 0, lease_owner = '', lease_until = 0
WHERE id = $1`, id, s.Name, s.Schedule, string(origin), opts)
		if err != nil {
			return 0, fmt.Errorf("revive feed %d (%s): %w", id, s.URL, err)
		}
	case !update:
		return 0, fmt.Errorf("feed %d has this URL: %w", id, bot.ErrExists)
	default:
		// A changed schedule makes the feed due now, so the poller computes
		// the next check from the new schedule instead of the old one.
		_, err = tx.ExecContext(ctx, `UPDATE feeds SET name = $2, schedule = $3, origin = $4, options = $5,
	next_check = CASE WHEN schedule = $3 THEN next_check ELSE 0 END
WHERE id = $1`, id, s.Name, s.Schedule, string(origin), opts)
		if err != nil {
			return 0, fmt.Errorf("update feed %d (%s): %w", id, s.URL, err)
		}
	}
	if err := replaceRoutes(ctx, tx, id, s.Routes); err != nil {
		return 0, fmt.Errorf("feed %d (%s): %w", id, s.URL, err)
	}
	return id, nil
}

// replaceRoutes makes a feed's routes exactly specs, keeping the ids of
// routes that stay.
func replaceRoutes(ctx context.Context, tx *sql.Tx, feedID int64, specs []bot.RouteSpec) error {
	want := map[bot.Place]bool{}
	for _, r := range specs {
		if r.Place.Platform == "" || r.Place.Channel == "" {
			return fmt.Errorf("route %q: platform and channel are required", r.Place)
		}
		want[r.Place] = true
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, platform, channel FROM routes WHERE feed_id = $1`, feedID)
	if err != nil {
		return fmt.Errorf("list routes: %w", err)
	}
	var drop []int64
	for rows.Next() {
		var id int64
		var p bot.Place
		if err := rows.Scan(&id, &p.Platform, &p.Channel); err != nil {
			rows.Close()
			return fmt.Errorf("list routes: %w", err)
		}
		if !want[p] {
			drop = append(drop, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list routes: %w", err)
	}
	for _, id := range drop {
		if _, err := tx.ExecContext(ctx, `DELETE FROM routes WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete route %d: %w", id, err)
		}
	}
	for _, r := range specs {
		opts, err := jsonOrEmpty(r.Options)
		if err != nil {
			return fmt.Errorf("route %s: %w", r.Place, err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO routes (feed_id, platform, channel, options) VALUES ($1, $2, $3, $4)
ON CONFLICT (feed_id, platform, channel) DO UPDATE SET options = excluded.options`,
			feedID, string(r.Place.Platform), string(r.Place.Channel), opts)
		if err != nil {
			return fmt.Errorf("save route %s: %w", r.Place, err)
		}
	}
	return nil
}

// RemoveFeed removes a feed: it is no longer listed or polled, its routes
// go, and its articles not yet posted are not posted. The row stays (see
// the feeds table) so its articles keep their feed.
func (d *DB) RemoveFeed(ctx context.Context, id int64) error {
	if err := d.inTx(ctx, func(tx *sql.Tx) error { return removeFeed(ctx, tx, id) }); err != nil {
		return fmt.Errorf("remove feed %d: %w", id, err)
	}
	return nil
}

func removeFeed(ctx context.Context, tx *sql.Tx, id int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE feeds SET removed = $2, lease_owner = '', lease_until = 0
WHERE id = $1 AND removed = 0`, id, nowMS())
	if err != nil {
		return fmt.Errorf("mark feed %d removed: %w", id, err)
	}
	if err := affected(res, fmt.Sprintf("feed %d", id)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM routes WHERE feed_id = $1`, id); err != nil {
		return fmt.Errorf("delete routes of feed %d: %w", id, err)
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM outbox WHERE state = 'pending' AND kind IN ($2, $3)
	AND article_id IN (SELECT id FROM articles WHERE feed_id = $1)`,
		id, string(bot.PostArticle), string(bot.DigestEntry))
	if err != nil {
		return fmt.Errorf("drop pending posts of feed %d: %w", id, err)
	}
	return nil
}

// SetFeedPaused pauses or resumes a feed. Resuming clears the failure count
// so the feed is not paused again by its old failures.
func (d *DB) SetFeedPaused(ctx context.Context, id int64, paused bool, reason string) error {
	q := `UPDATE feeds SET paused = TRUE, paused_reason = $2 WHERE id = $1 AND removed = 0`
	args := []any{id, reason}
	if !paused {
		q = `UPDATE feeds SET paused = FALSE, paused_reason = '', failures = 0 WHERE id = $1 AND removed = 0`
		args = args[:1]
	}
	res, err := d.write.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("set feed %d paused=%t: %w", id, paused, err)
	}
	return affected(res, fmt.Sprintf("set feed %d paused=%t", id, paused))
}

// Feed returns a feed that has not been removed.
func (d *DB) Feed(ctx context.Context, id int64) (bot.Feed, error) {
	f, err := scanFeed(d.read.QueryRowContext(ctx, `SELECT `+feedCols+` FROM feeds WHERE id = $1 AND removed = 0`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Feed{}, fmt.Errorf("feed %d: %w", id, bot.ErrNotFound)
	}
	if err != nil {
		return bot.Feed{}, fmt.Errorf("feed %d: %w", id, err)
	}
	return f, nil
}

// FeedByURL returns the feed with this URL, unless it has been removed.
func (d *DB) FeedByURL(ctx context.Context, url string) (bot.Feed, error) {
	f, err := scanFeed(d.read.QueryRowContext(ctx, `SELECT `+feedCols+` FROM feeds WHERE url = $1 AND removed = 0`, url))
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Feed{}, fmt.Errorf("feed %s: %w", url, bot.ErrNotFound)
	}
	if err != nil {
		return bot.Feed{}, fmt.Errorf("feed %s: %w", url, err)
	}
	return f, nil
}

// ListFeeds returns every feed not removed, by id.
func (d *DB) ListFeeds(ctx context.Context) ([]bot.Feed, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT `+feedCols+` FROM feeds WHERE removed = 0 ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	out, err := scanFeeds(rows)
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	return out, nil
}

// Routes returns a feed's routes, by id.
func (d *DB) Routes(ctx context.Context, feedID int64) ([]bot.Route, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT id, feed_id, platform, channel, options FROM routes WHERE feed_id = $1 ORDER BY id`, feedID)
	if err != nil {
		return nil, fmt.Errorf("routes of feed %d: %w", feedID, err)
	}
	defer rows.Close()
	var out []bot.Route
	for rows.Next() {
		var r bot.Route
		var opts string
		if err := rows.Scan(&r.ID, &r.FeedID, &r.Place.Platform, &r.Place.Channel, &opts); err != nil {
			return nil, fmt.Errorf("routes of feed %d: %w", feedID, err)
		}
		r.Options = []byte(opts)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("routes of feed %d: %w", feedID, err)
	}
	return out, nil
}

// LeaseDueFeeds claims up to limit due feeds whose lease has expired (a
// feed leased by this same owner is not handed out twice), earliest due
// first. It is one UPDATE … RETURNING: on PostgreSQL the inner SELECT locks
// the rows it picks and skips rows another instance is claiming, so two
// instances never get the same feed.
func (d *DB) LeaseDueFeeds(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]bot.Feed, error) {
	if owner == "" {
		return nil, errors.New("lease due feeds: empty owner")
	}
	if limit <= 0 {
		return nil, nil
	}
	q := `UPDATE feeds SET lease_owner = $1, lease_until = $2
WHERE id IN (SELECT id FROM feeds
	WHERE removed = 0 AND NOT paused AND next_check <= $3 AND lease_until <= $3
	ORDER BY next_check, id LIMIT $4 ` + d.lockRows + `)
RETURNING ` + feedCols
	rows, err := d.write.QueryContext(ctx, q, owner, ms(now.Add(lease)), ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("lease due feeds for %s: %w", owner, err)
	}
	out, err := scanFeeds(rows)
	if err != nil {
		return nil, fmt.Errorf("lease due feeds for %s: %w", owner, err)
	}
	// RETURNING promises no order.
	sort.Slice(out, func(i, j int) bool {
		if !out[i].NextCheck.Equal(out[j].NextCheck) {
			return out[i].NextCheck.Before(out[j].NextCheck)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// RecordPoll writes a poll's outcome and releases the lease. The validators
// and last success change only on a successful poll, so a failure keeps the
// ETag for the next try; Primed only ever turns on.
func (d *DB) RecordPoll(ctx context.Context, feedID int64, r bot.PollRecord) error {
	set := []string{"last_check = $2", "next_check = $3", "failures = $4", "lease_owner = ''", "lease_until = 0"}
	args := []any{feedID, ms(r.CheckedAt), ms(r.NextCheck), r.Failures}
	arg := func(col string, v any) {
		args = append(args, v)
		set = append(set, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	if r.OK {
		arg("etag", r.ETag)
		arg("last_modified", r.LastModified)
		arg("last_success", ms(r.CheckedAt))
		set = append(set, "last_error = ''")
	} else {
		arg("last_error", r.Error)
	}
	if r.Pause {
		set = append(set, "paused = TRUE")
		arg("paused_reason", r.PauseReason)
	}
	if r.Primed {
		set = append(set, "primed = TRUE")
	}
	res, err := d.write.ExecContext(ctx, `UPDATE feeds SET `+strings.Join(set, ", ")+` WHERE id = $1`, args...)
	if err != nil {
		return fmt.Errorf("record poll of feed %d: %w", feedID, err)
	}
	return affected(res, fmt.Sprintf("record poll of feed %d", feedID))
}
