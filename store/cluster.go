package store

import (
	"context"
	"database/sql"
	"fmt"
)

// lockConfigSync makes instances that apply their config at the same time
// (several `herald run` starting together on one PostgreSQL) take turns
// until the transaction ends: SyncConfigFeeds looks a feed up and then
// inserts it, and two instances doing that at once would both insert, and
// the second would fail on the unique URL. The key is scoped to the schema
// like the leadership locks. SQLite's BEGIN IMMEDIATE already serializes.
func (d *DB) lockConfigSync(ctx context.Context, tx *sql.Tx) error {
	if d.driver != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('herald.config_feeds/' || current_schema(), 0))`); err != nil {
		return fmt.Errorf("lock the config's feeds: %w", err)
	}
	return nil
}
