package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/heraldchat/herald/bot"
)

// ClaimOutboxOrdered leases up to limit due rows of the given platforms and
// kinds, taking only the head of each lane: a row is skipped while an
// earlier pending row of those kinds has the same target place and article
// (leased by anyone, backing off, or due). So one thread's comments leave in
// the order their rows were written, whichever instance sends them.
//
// On PostgreSQL the head rows are locked with SKIP LOCKED while leased; the
// NOT EXISTS reads row states, not locks, so a row another instance is
// leasing right now still blocks the rows behind it.
func (d *DB) ClaimOutboxOrdered(ctx context.Context, owner string, platforms []bot.Platform, kinds []bot.OutboxKind, now time.Time, lease time.Duration, limit int) ([]bot.OutboxRow, error) {
	if owner == "" {
		return nil, errors.New("claim outbox in order: empty owner")
	}
	if limit <= 0 || len(platforms) == 0 || len(kinds) == 0 {
		return nil, nil
	}
	args := []any{owner, ms(now.Add(lease)), ms(now), limit}
	platformIn := placeholders(len(args)+1, len(platforms))
	for _, p := range platforms {
		args = append(args, string(p))
	}
	kindIn := placeholders(len(args)+1, len(kinds))
	for _, k := range kinds {
		args = append(args, string(k))
	}
	q := `UPDATE outbox SET lease_owner = $1, lease_until = $2, updated = $3` + takeoverSet + `
WHERE id IN (SELECT o.id FROM outbox o
	WHERE o.state = 'pending' AND o.not_before <= $3 AND o.lease_until <= $3
	AND o.platform IN (` + platformIn + `) AND o.kind IN (` + kindIn + `)
	AND NOT EXISTS (SELECT 1 FROM outbox e
		WHERE e.state = 'pending' AND e.platform = o.platform AND e.channel = o.channel
		AND e.article_id = o.article_id AND e.id < o.id AND e.kind IN (` + kindIn + `))
	ORDER BY o.id LIMIT $4 ` + d.lockRows + `)
RETURNING ` + outboxCols
	rows, err := d.write.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("claim outbox in order for %s: %w", owner, err)
	}
	out, err := scanOutboxRows(rows)
	if err != nil {
		return nil, fmt.Errorf("claim outbox in order for %s: %w", owner, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// ReleaseOutbox ends owner's lease on a pending row without counting an
// attempt, so the row is due again at once. A row leased by someone else,
// or no longer pending, is left alone.
func (d *DB) ReleaseOutbox(ctx context.Context, rowID int64, owner string) error {
	_, err := d.write.ExecContext(ctx, `UPDATE outbox SET lease_owner = '', lease_until = 0, updated = $3
WHERE id = $1 AND lease_owner = $2 AND state = 'pending'`, rowID, owner, nowMS())
	if err != nil {
		return fmt.Errorf("release outbox row %d of %s: %w", rowID, owner, err)
	}
	return nil
}
