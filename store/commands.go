package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/heraldchat/herald/bot"
)

// Queries the admin commands need (bot.CommandStore).

var _ bot.CommandStore = (*DB)(nil)

// ArticleByURL returns the newest article with this link among feeds that
// are not removed; ErrNotFound when there is none.
func (d *DB) ArticleByURL(ctx context.Context, url string) (bot.Article, error) {
	a, err := scanArticle(d.read.QueryRowContext(ctx, `SELECT `+articleCols+` FROM articles
WHERE url = $1 AND feed_id IN (SELECT id FROM feeds WHERE removed = 0) ORDER BY id DESC LIMIT 1`, url))
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Article{}, fmt.Errorf("article %s: %w", url, bot.ErrNotFound)
	}
	if err != nil {
		return bot.Article{}, fmt.Errorf("article %s: %w", url, err)
	}
	return a, nil
}

// OutboxCounts counts pending and parked outbox rows per platform.
func (d *DB) OutboxCounts(ctx context.Context) ([]bot.OutboxCount, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT platform, state, COUNT(*) FROM outbox
WHERE state IN ('pending', 'parked') GROUP BY platform, state ORDER BY platform, state`)
	if err != nil {
		return nil, fmt.Errorf("count outbox rows: %w", err)
	}
	defer rows.Close()
	var out []bot.OutboxCount
	for rows.Next() {
		var c bot.OutboxCount
		if err := rows.Scan(&c.Platform, &c.State, &c.Rows); err != nil {
			return nil, fmt.Errorf("count outbox rows: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count outbox rows: %w", err)
	}
	return out, nil
}
