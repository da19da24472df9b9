package store

import (
	"context"
	"fmt"
	"time"
)

// OutboxDepth is the pending work for one platform: how many rows wait
// and since when the oldest has waited.
type OutboxDepth struct {
	Platform string
	Pending  int
	Oldest   time.Time // zero when nothing is pending
}

// OutboxDepths counts pending outbox rows per platform, for metrics at
// scrape time. Digest entries are counted too: they are pending work.
// One grouped query over the state index; cheap enough to run per scrape.
func (d *DB) OutboxDepths(ctx context.Context) ([]OutboxDepth, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT platform, COUNT(*), MIN(created) FROM outbox
WHERE state = 'pending' GROUP BY platform ORDER BY platform`)
	if err != nil {
		return nil, fmt.Errorf("count pending outbox rows: %w", err)
	}
	defer rows.Close()
	var out []OutboxDepth
	for rows.Next() {
		var o OutboxDepth
		var oldest int64
		if err := rows.Scan(&o.Platform, &o.Pending, &oldest); err != nil {
			return nil, fmt.Errorf("count pending outbox rows: %w", err)
		}
		o.Oldest = fromMS(oldest)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count pending outbox rows: %w", err)
	}
	return out, nil
}
