package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/heraldchat/herald/bot"
)

const outboxCols = `id, kind, platform, channel, COALESCE(article_id, 0), COALESCE(comment_id, 0), emoji, key, state,
	attempts, not_before, last_error, created`

func scanOutbox(s scanner) (bot.OutboxRow, error) {
	var r bot.OutboxRow
	var kind, state string
	var notBefore, created int64
	err := s.Scan(&r.ID, &kind, &r.Target.Platform, &r.Target.Channel, &r.ArticleID, &r.CommentID, &r.Emoji, &r.Key, &state,
		&r.Attempts, &notBefore, &r.LastError, &created)
	if err != nil {
		return bot.OutboxRow{}, err
	}
	r.Kind, r.State = bot.OutboxKind(kind), bot.OutboxState(state)
	r.NotBefore, r.Created = fromMS(notBefore), fromMS(created)
	return r, nil
}

func scanOutboxRows(rows *sql.Rows) ([]bot.OutboxRow, error) {
	defer rows.Close()
	var out []bot.OutboxRow
	for rows.Next() {
		r, err := scanOutbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Enqueue adds pending rows in one transaction. A row whose key is already
// queued is skipped, so a caller that retries after a crash queues nothing
// twice. Every row needs a key (bot.OutboxKey builds one).
func (d *DB) Enqueue(ctx context.Context, rows ...bot.OutboxRow) error {
	if len(rows) == 0 {
		return nil
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		return enqueueLinked(ctx, tx, &linkIndex{}, rows)
	})
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	return nil
}

func enqueue(ctx context.Context, tx *sql.Tx, r bot.OutboxRow) error {
	switch {
	case r.Key == "":
		return fmt.Errorf("outbox row %s to %s: no key", r.Kind, r.Target)
	case r.Kind == "":
		return fmt.Errorf("outbox row %s: no kind", r.Key)
	case r.Target.Platform == "" || r.Target.Channel == "":
		return fmt.Errorf("outbox row %s: no target place", r.Key)
	}
	now := nowMS()
	_, err := tx.ExecContext(ctx, `INSERT INTO outbox (kind, platform, channel, article_id, comment_id, emoji, key, not_before, created, updated)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
ON CONFLICT (key) DO NOTHING`,
		string(r.Kind), string(r.Target.Platform), string(r.Target.Channel), nullID(r.ArticleID), nullID(r.CommentID),
		r.Emoji, r.Key, ms(r.NotBefore), now)
	if err != nil {
		return fmt.Errorf("queue %s %s to %s: %w", r.Kind, r.Key, r.Target, err)
	}
	return nil
}

// ClaimOutbox leases up to limit pending rows for the platforms (all
// platforms when none are named) that are due by now and whose lease has
// expired, oldest first. DigestEntry rows are never claimed. Like LeaseDueFeeds it is one UPDATE … RETURNING,
// with SKIP LOCKED on PostgreSQL, so each row goes to one claimer.
func (d *DB) ClaimOutbox(ctx context.Context, owner string, platforms []bot.Platform, now time.Time, lease time.Duration, limit int) ([]bot.OutboxRow, error) {
	if owner == "" {
		return nil, errors.New("claim outbox: empty owner")
	}
	if limit <= 0 {
		return nil, nil
	}
	args := []any{owner, ms(now.Add(lease)), ms(now), limit}
	filter := ""
	if len(platforms) > 0 {
		filter = ` AND platform IN (` + placeholders(len(args)+1, len(platforms)) + `)`
		for _, p := range platforms {
			args = append(args, string(p))
		}
	}
	// Digest entries wait for their digest (see DigestEntries), never
	// for a deliverer.
	q := `UPDATE outbox SET lease_owner = $1, lease_until = $2, updated = $3` + takeoverSet + `
WHERE id IN (SELECT id FROM outbox
	WHERE state = 'pending' AND kind <> '` + string(bot.DigestEntry) + `' AND not_before <= $3 AND lease_until <= $3` + filter + `
	ORDER BY id LIMIT $4 ` + d.lockRows + `)
RETURNING ` + outboxCols
	rows, err := d.write.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("claim outbox for %s: %w", owner, err)
	}
	out, err := scanOutboxRows(rows)
	if err != nil {
		return nil, fmt.Errorf("claim outbox for %s: %w", owner, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// CompletePost records where an article went and marks the row done, in one
// transaction. The same message recorded twice (a retry after a crash
// between send and record) is not an error.
func (d *DB) CompletePost(ctx context.Context, rowID int64, ref bot.PostRef) error {
	if ref.Place.Platform == "" || ref.Place.Channel == "" || ref.Message == "" {
		return fmt.Errorf("complete outbox row %d: incomplete post reference %+v", rowID, ref)
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		var articleID sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT article_id FROM outbox WHERE id = $1`, rowID).Scan(&articleID)
		if errors.Is(err, sql.ErrNoRows) {
			return bot.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("look up: %w", err)
		}
		if !articleID.Valid {
			return errors.New("the row has no article")
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO posts (article_id, platform, channel, message, thread, created)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (platform, channel, message) DO NOTHING`,
			articleID.Int64, string(ref.Place.Platform), string(ref.Place.Channel), string(ref.Message), string(ref.Thread), nowMS())
		if err != nil {
			return fmt.Errorf("record post %s/%s of article %d: %w", ref.Place, ref.Message, articleID.Int64, err)
		}
		return markDone(ctx, tx, rowID)
	})
	if err != nil {
		return fmt.Errorf("complete outbox row %d: %w", rowID, err)
	}
	return nil
}

// CompleteOutbox marks a row done.
func (d *DB) CompleteOutbox(ctx context.Context, rowID int64) error {
	if err := markDone(ctx, d.write, rowID); err != nil {
		return fmt.Errorf("complete outbox row %d: %w", rowID, err)
	}
	return nil
}

func markDone(ctx context.Context, q queryer, rowID int64) error {
	res, err := q.ExecContext(ctx, `UPDATE outbox SET state = 'done', lease_owner = '', lease_until = 0, last_error = '', updated = $2
WHERE id = $1`, rowID, nowMS())
	if err != nil {
		return fmt.Errorf("mark done: %w", err)
	}
	return affected(res, "mark done")
}

// RetryOutbox records a failure and makes the row due again at at, with its
// lease released. A row no longer pending (done or parked meanwhile) is left
// as it is.
func (d *DB) RetryOutbox(ctx context.Context, rowID int64, errMsg string, at time.Time) error {
	res, err := d.write.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = $2, not_before = $3,
	lease_owner = '', lease_until = 0, updated = $4
WHERE id = $1 AND state = 'pending'`, rowID, errMsg, ms(at), nowMS())
	if err != nil {
		return fmt.Errorf("retry outbox row %d: %w", rowID, err)
	}
	return d.checkChanged(ctx, res, rowID, "retry")
}

// ParkOutbox stops retrying a row: it counts the failure that made the
// caller give up and keeps its error for admins.
func (d *DB) ParkOutbox(ctx context.Context, rowID int64, errMsg string) error {
	res, err := d.write.ExecContext(ctx, `UPDATE outbox SET state = 'parked', attempts = attempts + 1, last_error = $2,
	lease_owner = '', lease_until = 0, updated = $3
WHERE id = $1 AND state = 'pending'`, rowID, errMsg, nowMS())
	if err != nil {
		return fmt.Errorf("park outbox row %d: %w", rowID, err)
	}
	return d.checkChanged(ctx, res, rowID, "park")
}

// checkChanged tells "no such row" (ErrNotFound) from "row not pending" (nil)
// after an UPDATE limited to pending rows.
func (d *DB) checkChanged(ctx context.Context, res sql.Result, rowID int64, what string) error {
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("%s outbox row %d: %w", what, rowID, err)
	} else if n > 0 {
		return nil
	}
	var n int
	if err := d.write.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE id = $1`, rowID).Scan(&n); err != nil {
		return fmt.Errorf("%s outbox row %d: %w", what, rowID, err)
	}
	if n == 0 {
		return fmt.Errorf("%s outbox row %d: %w", what, rowID, bot.ErrNotFound)
	}
	return nil
}

// OutboxRows lists rows in a state, oldest first; limit <= 0 means all.
func (d *DB) OutboxRows(ctx context.Context, state bot.OutboxState, limit int) ([]bot.OutboxRow, error) {
	q := `SELECT ` + outboxCols + ` FROM outbox WHERE state = $1 ORDER BY id`
	args := []any{string(state)}
	if limit > 0 {
		q += ` LIMIT $2`
		args = append(args, limit)
	}
	rows, err := d.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s outbox rows: %w", state, err)
	}
	out, err := scanOutboxRows(rows)
	if err != nil {
		return nil, fmt.Errorf("list %s outbox rows: %w", state, err)
	}
	return out, nil
}
