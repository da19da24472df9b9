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

// takeoverSet ends the SET of a claim: claiming a row whose previous lease
// expired with its owner still named (that instance died or hung while
// sending; a release or a recorded outcome clears the owner) counts as a
// failed attempt, because that send may have reached the platform. The
// deliverer then tells the connector to look for it before sending again
// (bot.PriorAttempt), and a row that keeps killing its sender is parked
// like any other failing row. SET expressions read the old values.
const takeoverSet = `, attempts = attempts + CASE WHEN lease_owner <> '' THEN 1 ELSE 0 END,
	last_error = CASE WHEN lease_owner <> '' THEN 'the lease of ' || lease_owner || ' expired before it recorded an outcome' ELSE last_error END`

// Why RecordPoll, CompletePost/Outbox/Mirror, RetryOutbox and ParkOutbox
// do not check the lease owner: a holder stops working well before its
// lease ends (the poller drops feeds queued past 3/4 of the lease, the
// deliverer cuts a send at 3/4), so a late write needs a process stalled
// past its lease. Then both holders did the same idempotent work: the
// second send carries the same key and, after a takeover, looks for the
// first (bot.PriorAttempt); posts and mirrors are unique per message, and
// Retry/Park touch only pending rows. An owner check would not undo a send
// that happened, and would need the owner in every call of the core's
// interfaces.
