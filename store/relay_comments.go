package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
)

var _ bot.RelayStore = (*DB)(nil)

const commentCols = `id, article_id, COALESCE(parent_id, 0), origin_platform, origin_channel, origin_message, origin_thread,
	author_platform, author_id, author_name, author_avatar, body, created, edited, deleted`

func scanComment(s scanner) (bot.Comment, error) {
	var c bot.Comment
	var body string
	var created, edited, deleted int64
	err := s.Scan(&c.ID, &c.ArticleID, &c.ParentID, &c.Origin.Place.Platform, &c.Origin.Place.Channel, &c.Origin.Message,
		&c.Origin.Thread, &c.Author.Platform, &c.Author.ID, &c.Author.Name, &c.Author.AvatarURL, &body,
		&created, &edited, &deleted)
	if err != nil {
		return bot.Comment{}, err
	}
	c.Created, c.Edited, c.Deleted = fromMS(created), fromMS(edited), fromMS(deleted)
	if err := unmarshalText(body, &c.Body); err != nil {
		return bot.Comment{}, fmt.Errorf("comment %d body: %w", c.ID, err)
	}
	return c, nil
}

// queryComments reads every comment a query for commentCols returns.
func (d *DB) queryComments(ctx context.Context, query string, args ...any) ([]bot.Comment, error) {
	rows, err := d.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []bot.Comment
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// commentWhere reads one comment matching a WHERE clause.
func commentWhere(ctx context.Context, q queryer, where string, args ...any) (bot.Comment, error) {
	c, err := scanComment(q.QueryRowContext(ctx, `SELECT `+commentCols+` FROM comments WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Comment{}, bot.ErrNotFound
	}
	return c, err
}

// Comment returns one comment.
func (d *DB) Comment(ctx context.Context, id int64) (bot.Comment, error) {
	c, err := commentWhere(ctx, d.read, `id = $1`, id)
	if err != nil {
		return bot.Comment{}, fmt.Errorf("comment %d: %w", id, err)
	}
	return c, nil
}

// CommentByOrigin finds a comment by the message it was written as.
func (d *DB) CommentByOrigin(ctx context.Context, platform bot.Platform, message bot.RemoteID) (bot.Comment, error) {
	c, err := commentWhere(ctx, d.read, `origin_platform = $1 AND origin_message = $2`, string(platform), string(message))
	if err != nil {
		return bot.Comment{}, fmt.Errorf("comment written as %s message %s: %w", platform, message, err)
	}
	return c, nil
}

// Comments lists an article's comments, deleted ones included, in the order
// they were written.
func (d *DB) Comments(ctx context.Context, articleID int64) ([]bot.Comment, error) {
	out, err := d.queryComments(ctx, `SELECT `+commentCols+` FROM comments WHERE article_id = $1 ORDER BY created, id`, articleID)
	if err != nil {
		return nil, fmt.Errorf("comments of article %d: %w", articleID, err)
	}
	return out, nil
}

// SaveComment inserts a comment unless its origin is known or tombstoned,
// and queues its mirrors in the same transaction.
func (d *DB) SaveComment(ctx context.Context, c bot.Comment) (bot.Comment, bool, error) {
	switch {
	case c.ArticleID == 0:
		return bot.Comment{}, false, errors.New("save comment: no article")
	case c.Origin.Place.Platform == "" || c.Origin.Message == "":
		return bot.Comment{}, false, fmt.Errorf("save comment of article %d: no origin platform or message", c.ArticleID)
	}
	body, err := json.Marshal(c.Body)
	if err != nil {
		return bot.Comment{}, false, fmt.Errorf("save comment %s/%s: encode body: %w", c.Origin.Place, c.Origin.Message, err)
	}
	var saved bot.Comment
	isNew := false
	err = d.inTx(ctx, func(tx *sql.Tx) error {
		if err := d.lockOrigin(ctx, tx, c.Origin.Place.Platform, c.Origin.Message); err != nil {
			return err
		}
		var deleted int64
		err := tx.QueryRowContext(ctx, `SELECT deleted FROM comment_tombstones WHERE platform = $1 AND message = $2`,
			string(c.Origin.Place.Platform), string(c.Origin.Message)).Scan(&deleted)
		if err == nil {
			saved = bot.Comment{ArticleID: c.ArticleID, Origin: c.Origin, Deleted: fromMS(deleted)}
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("check tombstone: %w", err)
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO comments (article_id, parent_id, origin_platform, origin_channel,
	origin_message, origin_thread, author_platform, author_id, author_name, author_avatar, body, created, edited)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (origin_platform, origin_message) DO NOTHING RETURNING id`,
			c.ArticleID, nullID(c.ParentID), string(c.Origin.Place.Platform), string(c.Origin.Place.Channel),
			string(c.Origin.Message), string(c.Origin.Thread), string(c.Author.Platform), string(c.Author.ID),
			c.Author.Name, c.Author.AvatarURL, string(body), ms(c.Created), ms(c.Edited)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			// A replay: the comment and its outbox rows are already there.
			saved, err = commentWhere(ctx, tx, `origin_platform = $1 AND origin_message = $2`,
				string(c.Origin.Place.Platform), string(c.Origin.Message))
			return err
		}
		if err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		targets, err := mirrorTargets(ctx, tx, c.ArticleID, c.Origin)
		if err != nil {
			return err
		}
		for _, t := range targets {
			row := bot.OutboxRow{Kind: bot.PostComment, Target: t, ArticleID: c.ArticleID, CommentID: id,
				Key: bot.OutboxKey(string(bot.PostComment), strconv.FormatInt(id, 10), string(t.Platform), string(t.Channel))}
			if err := enqueue(ctx, tx, row); err != nil {
				return err
			}
		}
		saved, isNew = c, true
		saved.ID = id
		return nil
	})
	if err != nil {
		return bot.Comment{}, false, fmt.Errorf("save comment %s/%s: %w", c.Origin.Place, c.Origin.Message, err)
	}
	return saved, isNew, nil
}

// lockOrigin makes transactions about one message take turns until they
// end. On PostgreSQL a create and a delete of the same message handled at
// once (by two instances) would otherwise each miss the other — the create
// sees no tombstone, the delete no comment — and the deleted comment would
// stay. The key is scoped to the schema like the store's other locks.
// SQLite's single writer already serializes.
func (d *DB) lockOrigin(ctx context.Context, tx *sql.Tx, platform bot.Platform, message bot.RemoteID) error {
	if d.driver != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('herald.comment/' || current_schema() || '/' || $1 || '/' || $2, 0))`,
		string(platform), string(message))
	if err != nil {
		return fmt.Errorf("lock message %s/%s: %w", platform, message, err)
	}
	return nil
}

// mirrorTargets lists the places a new comment goes to: every place its
// article is posted in or still being posted to, except the one it was
// written in (matched by channel, or by thread should an adapter name the
// thread as the channel). A news site's own comments go only where the
// route says so (see sourceMirrorTargets).
func mirrorTargets(ctx context.Context, tx *sql.Tx, articleID int64, origin bot.PostRef) ([]bot.Place, error) {
	rows, err := tx.QueryContext(ctx, `SELECT platform, channel FROM posts
	WHERE article_id = $1 AND NOT (platform = $2 AND (channel = $3 OR (thread <> '' AND thread = $4)))
UNION
SELECT platform, channel FROM outbox
	WHERE article_id = $1 AND kind = $5 AND state = 'pending' AND NOT (platform = $2 AND channel = $3)
ORDER BY 1, 2`,
		articleID, string(origin.Place.Platform), string(origin.Place.Channel), string(origin.Thread), string(bot.PostArticle))
	if err != nil {
		return nil, fmt.Errorf("find mirror targets of article %d: %w", articleID, err)
	}
	targets, err := scanPlaces(rows)
	if err != nil || origin.Place.Platform != bot.Source {
		return targets, err
	}
	return sourceMirrorTargets(ctx, tx, articleID, targets)
}

// mirroredTo lists the places a comment is mirrored to or queued for:
// edits and deletes follow it there. Parked mirrors never reached the place.
func mirroredTo(ctx context.Context, tx *sql.Tx, commentID int64) ([]bot.Place, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT platform, channel FROM outbox
	WHERE comment_id = $1 AND kind = $2 AND state <> 'parked' ORDER BY 1, 2`, commentID, string(bot.PostComment))
	if err != nil {
		return nil, fmt.Errorf("find mirrors of comment %d: %w", commentID, err)
	}
	return scanPlaces(rows)
}

func scanPlaces(rows *sql.Rows) ([]bot.Place, error) {
	defer rows.Close()
	var out []bot.Place
	for rows.Next() {
		var p bot.Place
		if err := rows.Scan(&p.Platform, &p.Channel); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// EditComment replaces a comment's body and queues the edit of every mirror.
func (d *DB) EditComment(ctx context.Context, platform bot.Platform, message bot.RemoteID, body richtext.Text, at time.Time) (bot.Comment, bool, error) {
	enc, err := json.Marshal(body)
	if err != nil {
		return bot.Comment{}, false, fmt.Errorf("edit comment %s/%s: encode body: %w", platform, message, err)
	}
	var c bot.Comment
	changed := false
	err = d.inTx(ctx, func(tx *sql.Tx) error {
		if err := d.lockOrigin(ctx, tx, platform, message); err != nil {
			return err
		}
		var err error
		c, err = commentWhere(ctx, tx, `origin_platform = $1 AND origin_message = $2`, string(platform), string(message))
		if err != nil {
			return err
		}
		old, err := json.Marshal(c.Body)
		if err != nil {
			return fmt.Errorf("encode old body: %w", err)
		}
		// Deleted stays deleted; an older or replayed edit, or one that
		// changes nothing (an embed resolved, say), is not applied.
		if !c.Deleted.IsZero() || ms(at) <= ms(c.Edited) || string(old) == string(enc) {
			return nil
		}
		// Conditional: a moderator's removal takes no origin lock, and on
		// PostgreSQL one committed since the read above must not get the
		// text back.
		res, err := tx.ExecContext(ctx, `UPDATE comments SET body = $2, edited = $3 WHERE id = $1 AND deleted = 0`, c.ID, string(enc), ms(at))
		if err != nil {
			return fmt.Errorf("update comment %d: %w", c.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		c.Body, c.Edited, changed = body, fromMS(ms(at)), true
		places, err := mirroredTo(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		for _, t := range places {
			row := bot.OutboxRow{Kind: bot.EditComment, Target: t, ArticleID: c.ArticleID, CommentID: c.ID,
				Key: bot.OutboxKey(string(bot.EditComment), strconv.FormatInt(c.ID, 10), strconv.FormatInt(ms(at), 10),
					string(t.Platform), string(t.Channel))}
			if err := enqueue(ctx, tx, row); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return bot.Comment{}, false, fmt.Errorf("edit comment %s/%s: %w", platform, message, err)
	}
	return c, changed, nil
}

// DeleteComment marks a comment deleted (or tombstones an unknown origin)
// and queues the deletion of every mirror.
func (d *DB) DeleteComment(ctx context.Context, articleID int64, origin bot.PostRef, at time.Time) (bot.Comment, bool, error) {
	platform, message := string(origin.Place.Platform), string(origin.Message)
	var c bot.Comment
	changed := false
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		if err := d.lockOrigin(ctx, tx, origin.Place.Platform, origin.Message); err != nil {
			return err
		}
		var err error
		c, err = commentWhere(ctx, tx, `origin_platform = $1 AND origin_message = $2`, platform, message)
		if errors.Is(err, bot.ErrNotFound) {
			_, err = tx.ExecContext(ctx, `INSERT INTO comment_tombstones (platform, message, article_id, deleted)
VALUES ($1, $2, $3, $4) ON CONFLICT (platform, message) DO NOTHING`, platform, message, articleID, ms(at))
			if err != nil {
				return fmt.Errorf("record tombstone: %w", err)
			}
			c = bot.Comment{ArticleID: articleID, Origin: origin, Deleted: at}
			return nil
		}
		if err != nil || !c.Deleted.IsZero() {
			return err
		}
		// The body goes: its author took it back, and nothing may show it again.
		if _, err := tx.ExecContext(ctx, `UPDATE comments SET deleted = $2, body = '{}' WHERE id = $1`, c.ID, ms(at)); err != nil {
			return fmt.Errorf("mark comment %d deleted: %w", c.ID, err)
		}
		c.Deleted, c.Body, changed = fromMS(ms(at)), richtext.Text{}, true
		places, err := mirroredTo(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		for _, t := range places {
			row := bot.OutboxRow{Kind: bot.DeleteComment, Target: t, ArticleID: c.ArticleID, CommentID: c.ID,
				Key: bot.OutboxKey(string(bot.DeleteComment), strconv.FormatInt(c.ID, 10), string(t.Platform), string(t.Channel))}
			if err := enqueue(ctx, tx, row); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return bot.Comment{}, false, fmt.Errorf("delete comment %s/%s: %w", platform, message, err)
	}
	return c, changed, nil
}
