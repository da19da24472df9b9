package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/heraldchat/herald/bot"
)

// State returns a named value; ErrNotFound when it was never set.
func (d *DB) State(ctx context.Context, key string) (string, error) {
	var v string
	err := d.read.QueryRowContext(ctx, `SELECT value FROM state WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("state %q: %w", key, bot.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("state %q: %w", key, err)
	}
	return v, nil
}

// SetState sets a named value, replacing the old one.
func (d *DB) SetState(ctx context.Context, key, value string) error {
	_, err := d.write.ExecContext(ctx, `INSERT INTO state (key, value, updated) VALUES ($1, $2, $3)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated = excluded.updated`, key, value, nowMS())
	if err != nil {
		return fmt.Errorf("set state %q: %w", key, err)
	}
	return nil
}
