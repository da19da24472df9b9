package store

import (
	"context"
	"database/sql"
	"fmt"
)

// ExpireLeases ends every feed and outbox lease now. Only a process that
// knows no other instance is alive may call it: on SQLite, where the data
// dir lock makes this process the database's only user, the leases it finds
// at start were left by a process that died (kill -9, power loss), and
// waiting them out would only delay its work by minutes.
//
// The outbox rows keep their owner's name, so the next claim still counts
// the takeover as an attempt and the deliverer looks for the earlier send
// before sending again (see takeoverSet).
func (d *DB) ExpireLeases(ctx context.Context) (feeds, rows int64, err error) {
	err = d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE feeds SET lease_until = 0 WHERE lease_until > 0`)
		if err != nil {
			return err
		}
		if feeds, err = res.RowsAffected(); err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `UPDATE outbox SET lease_until = 0 WHERE state = 'pending' AND lease_until > 0`)
		if err != nil {
			return err
		}
		rows, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("expire the leases of a dead process: %w", err)
	}
	return feeds, rows, nil
}
