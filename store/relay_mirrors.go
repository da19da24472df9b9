package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/heraldchat/herald/bot"
)

// ArticleByThread finds the article whose post opened a thread.
func (d *DB) ArticleByThread(ctx context.Context, place bot.Place, thread bot.RemoteID) (int64, error) {
	var id int64
	err := d.read.QueryRowContext(ctx, `SELECT article_id FROM posts
WHERE platform = $1 AND thread = $2 AND ($3 = '' OR channel = $3) ORDER BY id LIMIT 1`,
		string(place.Platform), string(thread), string(place.Channel)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("article of thread %s in %s: %w", thread, place, bot.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("article of thread %s in %s: %w", thread, place, err)
	}
	return id, nil
}

// MirrorOwner says whether Herald wrote a message: a comment's mirror (its
// id) or an article post (0).
func (d *DB) MirrorOwner(ctx context.Context, platform bot.Platform, id bot.RemoteID) (int64, error) {
	var commentID int64
	err := d.read.QueryRowContext(ctx, `SELECT comment_id FROM mirrors WHERE platform = $1 AND remote_id = $2`,
		string(platform), string(id)).Scan(&commentID)
	if err == nil {
		return commentID, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("owner of %s message %s: %w", platform, id, err)
	}
	var n int
	if err := d.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM posts WHERE platform = $1 AND message = $2`,
		string(platform), string(id)).Scan(&n); err != nil {
		return 0, fmt.Errorf("owner of %s message %s: %w", platform, id, err)
	}
	if n > 0 {
		return 0, nil
	}
	return 0, fmt.Errorf("owner of %s message %s: %w", platform, id, bot.ErrNotFound)
}

// CompleteMirror records the messages a comment's mirror took in a place and
// marks its outbox row done, in one transaction. Recording the same ids
// again (a resend after a crash got the same messages back) is not an error.
func (d *DB) CompleteMirror(ctx context.Context, rowID, commentID int64, place bot.Place, ids []bot.RemoteID) error {
	if place.Platform == "" {
		return fmt.Errorf("complete outbox row %d: mirror of comment %d has no place", rowID, commentID)
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		now := nowMS()
		for part, id := range ids {
			if id == "" {
				return fmt.Errorf("part %d of the mirror has no message id", part)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO mirrors (comment_id, platform, channel, remote_id, part, created)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (platform, remote_id) DO NOTHING`,
				commentID, string(place.Platform), string(place.Channel), string(id), part, now)
			if err != nil {
				return fmt.Errorf("record mirror %s of comment %d in %s: %w", id, commentID, place, err)
			}
		}
		return markDone(ctx, tx, rowID)
	})
	if err != nil {
		return fmt.Errorf("complete outbox row %d: %w", rowID, err)
	}
	return nil
}

// Mirrors lists a comment's mirrors, one per place, parts in order.
func (d *DB) Mirrors(ctx context.Context, commentID int64) ([]bot.Mirror, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT platform, channel, remote_id FROM mirrors
WHERE comment_id = $1 ORDER BY platform, channel, part, id`, commentID)
	if err != nil {
		return nil, fmt.Errorf("mirrors of comment %d: %w", commentID, err)
	}
	defer rows.Close()
	var out []bot.Mirror
	for rows.Next() {
		var p bot.Place
		var id bot.RemoteID
		if err := rows.Scan(&p.Platform, &p.Channel, &id); err != nil {
			return nil, fmt.Errorf("mirrors of comment %d: %w", commentID, err)
		}
		if n := len(out); n == 0 || out[n-1].Place != p {
			out = append(out, bot.Mirror{CommentID: commentID, Place: p})
		}
		out[len(out)-1].IDs = append(out[len(out)-1].IDs, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mirrors of comment %d: %w", commentID, err)
	}
	return out, nil
}

// Reactions counts a comment's reactions by emoji.
func (d *DB) Reactions(ctx context.Context, commentID int64) (map[string]int, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT emoji, COUNT(*) FROM reactions WHERE comment_id = $1 GROUP BY emoji`, commentID)
	if err != nil {
		return nil, fmt.Errorf("reactions to comment %d: %w", commentID, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var emoji string
		var n int
		if err := rows.Scan(&emoji, &n); err != nil {
			return nil, fmt.Errorf("reactions to comment %d: %w", commentID, err)
		}
		out[emoji] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reactions to comment %d: %w", commentID, err)
	}
	return out, nil
}
