package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// LeaderOptions tune Lead.
type LeaderOptions struct {
	// Retry is how often a follower tries to become leader and how often
	// the leader checks that it still holds the lock; 5s when zero. A dead
	// leader's lock is freed as soon as PostgreSQL sees its session end, so
	// a follower takes over within about one Retry.
	Retry time.Duration
	// OnChange is told when this process becomes leader (true) or stops
	// being one (false); may be nil.
	OnChange func(leader bool)
	Logger   *slog.Logger
}

// Lead runs lead only while this process is the one leader named name
// among all processes on the database, and returns when ctx ends (nil) or
// when lead fails while leading (its error).
//
// On PostgreSQL leadership is a session-level advisory lock held on a
// dedicated connection: it needs no table, no clock agreement and no lease
// renewal, and it is released by PostgreSQL itself when the leader's
// process or connection dies. Followers retry every Retry. The lock key is
// the name within the current schema, so test schemas do not compete.
//
// On SQLite only one process can use the database (see internal/datadir),
// so it always leads.
func (d *DB) Lead(ctx context.Context, name string, o LeaderOptions, lead func(ctx context.Context) error) error {
	if o.Retry <= 0 {
		o.Retry = 5 * time.Second
	}
	if o.OnChange == nil {
		o.OnChange = func(bool) {}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	log := o.Logger.With(slog.String("leadership", name))
	if d.driver != Postgres {
		o.OnChange(true)
		defer o.OnChange(false)
		return lead(ctx)
	}
	for {
		led, err := d.leadOnce(ctx, name, o.Retry, log, o.OnChange, lead)
		if ctx.Err() != nil {
			return nil
		}
		if led && err != nil {
			return err
		}
		if err != nil {
			log.Warn("leadership: cannot reach the database; retrying", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(o.Retry):
		}
	}
}

// leadOnce tries the lock once; when it gets it, it runs lead until lead
// returns or the lock's connection fails. led says whether it led; err is
// lead's error, or why the lock could not be tried or was lost.
func (d *DB) leadOnce(ctx context.Context, name string, retry time.Duration, log *slog.Logger,
	onChange func(bool), lead func(ctx context.Context) error) (led bool, err error) {
	conn, err := d.write.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("leadership %s: get a connection: %w", name, err)
	}
	// The connection is never handed back to the pool: returning
	// ErrBadConn from Raw makes database/sql close it, which ends the
	// session and so frees the lock even if an unlock would have failed.
	defer conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // closing is the point
	var got bool
	err = conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtextextended($1 || '/' || current_schema(), 0))`, name).Scan(&got)
	if err != nil {
		return false, fmt.Errorf("leadership %s: try the advisory lock: %w", name, err)
	}
	if !got {
		return false, nil
	}
	log.Info("leadership taken")
	onChange(true)
	defer onChange(false)

	leadCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- lead(leadCtx) }()
	tick := time.NewTicker(retry)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if ctx.Err() == nil && err == nil {
				err = errors.New("stopped while leading")
			}
			return true, err
		case <-tick.C:
			pingCtx, cancelPing := context.WithTimeout(ctx, retry)
			err := conn.PingContext(pingCtx)
			cancelPing()
			if err != nil && ctx.Err() == nil {
				// The session may be gone and with it the lock: another
				// process may lead already. Stop at once.
				log.Warn("leadership lost: its database connection failed", slog.String("error", err.Error()))
				cancel()
				<-done
				return false, nil
			}
		}
	}
}
