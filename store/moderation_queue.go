package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
)

const heldCols = `id, article_id, parent_id, origin_platform, origin_channel, origin_message, origin_thread,
	author_platform, author_id, author_name, author_avatar, body, created, edited, reason, state, decided, decided_by`

func scanHeld(s scanner) (bot.HeldComment, error) {
	var h bot.HeldComment
	c := &h.Comment
	var body string
	var created, edited, decided int64
	err := s.Scan(&h.ID, &c.ArticleID, &c.ParentID, &c.Origin.Place.Platform, &c.Origin.Place.Channel, &c.Origin.Message,
		&c.Origin.Thread, &c.Author.Platform, &c.Author.ID, &c.Author.Name, &c.Author.AvatarURL, &body,
		&created, &edited, &h.Reason, &h.State, &decided, &h.DecidedBy)
	if err != nil {
		return bot.HeldComment{}, err
	}
	c.Created, c.Edited, h.Decided = fromMS(created), fromMS(edited), fromMS(decided)
	if err := unmarshalText(body, &c.Body); err != nil {
		return bot.HeldComment{}, fmt.Errorf("held comment %d body: %w", h.ID, err)
	}
	return h, nil
}

func heldWhere(ctx context.Context, q queryer, where string, args ...any) (bot.HeldComment, error) {
	h, err := scanHeld(q.QueryRowContext(ctx, `SELECT `+heldCols+` FROM mod_queue WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return bot.HeldComment{}, bot.ErrNotFound
	}
	return h, err
}

func sortComments(cs []bot.Comment) {
	slices.SortStableFunc(cs, func(a, b bot.Comment) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
}

// Hold queues a comment for review and logs why; a comment queued already
// is returned as it stands.
func (d *DB) Hold(ctx context.Context, c bot.Comment, reason string, entry bot.ModLogEntry) (bot.HeldComment, error) {
	if c.ArticleID == 0 || c.Origin.Place.Platform == "" || c.Origin.Message == "" {
		return bot.HeldComment{}, fmt.Errorf("hold comment %s/%s: no article or origin", c.Origin.Place, c.Origin.Message)
	}
	body, err := json.Marshal(c.Body)
	if err != nil {
		return bot.HeldComment{}, fmt.Errorf("hold comment %s/%s: encode body: %w", c.Origin.Place, c.Origin.Message, err)
	}
	var h bot.HeldComment
	err = d.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO mod_queue (article_id, parent_id, origin_platform, origin_channel,
	origin_message, origin_thread, author_platform, author_id, author_name, author_avatar, body, created, edited, reason)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
ON CONFLICT (origin_platform, origin_message) DO NOTHING`,
			c.ArticleID, c.ParentID, string(c.Origin.Place.Platform), string(c.Origin.Place.Channel),
			string(c.Origin.Message), string(c.Origin.Thread), string(c.Author.Platform), string(c.Author.ID),
			c.Author.Name, c.Author.AvatarURL, string(body), ms(c.Created), ms(c.Edited), reason)
		if err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		h, err = heldWhere(ctx, tx, `origin_platform = $1 AND origin_message = $2`,
			string(c.Origin.Place.Platform), string(c.Origin.Message))
		if err != nil {
			return err
		}
		if entry.Target == "" {
			entry.Target = "held " + strconv.FormatInt(h.ID, 10)
		}
		return addModLog(ctx, tx, entry)
	})
	if err != nil {
		return bot.HeldComment{}, fmt.Errorf("hold comment %s/%s: %w", c.Origin.Place, c.Origin.Message, err)
	}
	return h, nil
}

// HeldByOrigin finds a queued comment by the message it was written as.
func (d *DB) HeldByOrigin(ctx context.Context, platform bot.Platform, message bot.RemoteID) (bot.HeldComment, error) {
	h, err := heldWhere(ctx, d.read, `origin_platform = $1 AND origin_message = $2`, string(platform), string(message))
	if err != nil {
		return bot.HeldComment{}, fmt.Errorf("held comment %s/%s: %w", platform, message, err)
	}
	return h, nil
}

// Held returns one queued comment.
func (d *DB) Held(ctx context.Context, id int64) (bot.HeldComment, error) {
	h, err := heldWhere(ctx, d.read, `id = $1`, id)
	if err != nil {
		return bot.HeldComment{}, fmt.Errorf("held comment %d: %w", id, err)
	}
	return h, nil
}

// UpdateHeld replaces the body of a comment still waiting for review.
func (d *DB) UpdateHeld(ctx context.Context, id int64, c bot.Comment) error {
	body, err := json.Marshal(c.Body)
	if err != nil {
		return fmt.Errorf("update held comment %d: encode body: %w", id, err)
	}
	res, err := d.write.ExecContext(ctx, `UPDATE mod_queue SET body = $2, edited = $3 WHERE id = $1 AND state = 'held'`,
		id, string(body), ms(c.Edited))
	if err != nil {
		return fmt.Errorf("update held comment %d: %w", id, err)
	}
	return affected(res, fmt.Sprintf("update held comment %d", id))
}

// HeldComments lists the comments waiting for review, oldest first.
func (d *DB) HeldComments(ctx context.Context, limit int) ([]bot.HeldComment, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	// A held comment its author deleted meanwhile (tombstoned) waits for
	// nothing: it is not listed.
	rows, err := d.read.QueryContext(ctx, `SELECT `+heldCols+` FROM mod_queue q WHERE state = 'held'
AND NOT EXISTS (SELECT 1 FROM comment_tombstones t WHERE t.platform = q.origin_platform AND t.message = q.origin_message)
ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list held comments: %w", err)
	}
	defer rows.Close()
	var out []bot.HeldComment
	for rows.Next() {
		h, err := scanHeld(rows)
		if err != nil {
			return nil, fmt.Errorf("list held comments: %w", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list held comments: %w", err)
	}
	return out, nil
}

// DecideHeld settles a queued comment. Rejecting stores it as a deleted
// comment and queues the removal of its origin message.
func (d *DB) DecideHeld(ctx context.Context, id int64, state bot.HeldState, at time.Time, entry bot.ModLogEntry) (bot.HeldComment, error) {
	if state != bot.HeldApproved && state != bot.HeldRejected {
		return bot.HeldComment{}, fmt.Errorf("decide held comment %d: %q is not a decision", id, state)
	}
	var h bot.HeldComment
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		h, err = heldWhere(ctx, tx, `id = $1`, id)
		if err != nil {
			return err
		}
		if h.State != bot.HeldPending {
			return fmt.Errorf("it was %s already: %w", h.State, bot.ErrExists)
		}
		by := string(entry.Actor.Platform) + ":" + string(entry.Actor.ID)
		// Conditional on the state, so two admins deciding at once (two
		// instances on PostgreSQL) cannot both win.
		res, err := tx.ExecContext(ctx, `UPDATE mod_queue SET state = $2, decided = $3, decided_by = $4 WHERE id = $1 AND state = 'held'`,
			id, string(state), ms(at), by)
		if err != nil {
			return fmt.Errorf("mark %s: %w", state, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("it was decided meanwhile: %w", bot.ErrExists)
		}
		h.State, h.Decided, h.DecidedBy = state, fromMS(ms(at)), by
		if state == bot.HeldRejected {
			if _, err := removeOrigin(ctx, tx, h.Comment, at); err != nil {
				return err
			}
		}
		return addModLog(ctx, tx, entry)
	})
	if err != nil {
		return bot.HeldComment{}, fmt.Errorf("decide held comment %d: %w", id, err)
	}
	return h, nil
}

// Drop records that a rule kept a comment off every platform.
func (d *DB) Drop(ctx context.Context, c bot.Comment, remove bool, at time.Time, entry bot.ModLogEntry) error {
	platform, message := string(c.Origin.Place.Platform), string(c.Origin.Message)
	if platform == "" || message == "" {
		return errors.New("drop comment: no origin platform or message")
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		if remove {
			if _, err := removeOrigin(ctx, tx, c, at); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `INSERT INTO comment_tombstones (platform, message, article_id, deleted)
VALUES ($1, $2, $3, $4) ON CONFLICT (platform, message) DO NOTHING`, platform, message, c.ArticleID, ms(at)); err != nil {
			return fmt.Errorf("record tombstone: %w", err)
		}
		return addModLog(ctx, tx, entry)
	})
	if err != nil {
		return fmt.Errorf("drop comment %s/%s: %w", platform, message, err)
	}
	return nil
}

// RemoveComment deletes a comment everywhere, as a moderator.
func (d *DB) RemoveComment(ctx context.Context, commentID int64, at time.Time, entry bot.ModLogEntry) (bot.Comment, bool, error) {
	var c bot.Comment
	changed := false
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = commentWhere(ctx, tx, `id = $1`, commentID)
		if err != nil {
			return err
		}
		if !c.Deleted.IsZero() {
			return nil
		}
		if changed, err = removeSaved(ctx, tx, &c, at); err != nil || !changed {
			return err
		}
		return addModLog(ctx, tx, entry)
	})
	if err != nil {
		return bot.Comment{}, false, fmt.Errorf("remove comment %d: %w", commentID, err)
	}
	return c, changed, nil
}

// removeSaved marks a saved comment deleted, clears its body and queues the
// deletion of its mirrors and of its origin message. The mirror rows have
// the keys an author's own delete would give them, so the two never both
// go out.
//
// The update is conditional on the comment not being deleted yet, so of two
// removals at once (two instances on PostgreSQL) only one reports a change.
func removeSaved(ctx context.Context, tx *sql.Tx, c *bot.Comment, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE comments SET deleted = $2, body = '{}' WHERE id = $1 AND deleted = 0`, c.ID, ms(at))
	if err != nil {
		return false, fmt.Errorf("mark comment %d deleted: %w", c.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	c.Deleted, c.Body = fromMS(ms(at)), richtext.Text{}
	places, err := mirroredTo(ctx, tx, c.ID)
	if err != nil {
		return false, err
	}
	for _, t := range places {
		row := bot.OutboxRow{Kind: bot.DeleteComment, Target: t, ArticleID: c.ArticleID, CommentID: c.ID,
			Key: bot.OutboxKey(string(bot.DeleteComment), strconv.FormatInt(c.ID, 10), string(t.Platform), string(t.Channel))}
		if err := enqueue(ctx, tx, row); err != nil {
			return false, err
		}
	}
	return true, enqueueOriginDelete(ctx, tx, *c)
}

// removeOrigin stores a comment that was never relayed (held or dropped) as
// deleted, with no body, and queues the removal of its origin message. A
// comment saved already under that origin is removed like a moderator's
// delete. It returns the comment's id.
func removeOrigin(ctx context.Context, tx *sql.Tx, c bot.Comment, at time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO comments (article_id, parent_id, origin_platform, origin_channel,
	origin_message, origin_thread, author_platform, author_id, author_name, author_avatar, body, created, edited, deleted)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '{}', $11, $12, $13)
ON CONFLICT (origin_platform, origin_message) DO NOTHING RETURNING id`,
		c.ArticleID, nullID(c.ParentID), string(c.Origin.Place.Platform), string(c.Origin.Place.Channel),
		string(c.Origin.Message), string(c.Origin.Thread), string(c.Author.Platform), string(c.Author.ID),
		c.Author.Name, c.Author.AvatarURL, ms(c.Created), ms(c.Edited), ms(at)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		saved, err := commentWhere(ctx, tx, `origin_platform = $1 AND origin_message = $2`,
			string(c.Origin.Place.Platform), string(c.Origin.Message))
		if err != nil {
			return 0, fmt.Errorf("find comment %s/%s: %w", c.Origin.Place, c.Origin.Message, err)
		}
		_, err = removeSaved(ctx, tx, &saved, at)
		return saved.ID, err
	}
	if err != nil {
		return 0, fmt.Errorf("store removed comment %s/%s: %w", c.Origin.Place, c.Origin.Message, err)
	}
	c.ID = id
	return id, enqueueOriginDelete(ctx, tx, c)
}

// enqueueOriginDelete queues the removal of a comment's own message on the
// platform it was written on: a DeleteComment row whose target is the
// comment's origin place (mirrors never go there, so the deliverer can tell
// the two apart). Only chat platforms have a connector that can do it.
func enqueueOriginDelete(ctx context.Context, tx *sql.Tx, c bot.Comment) error {
	switch c.Origin.Place.Platform {
	case bot.Discord, bot.Matrix:
	default:
		return nil
	}
	if c.Origin.Place.Channel == "" {
		return nil
	}
	return enqueue(ctx, tx, bot.OutboxRow{Kind: bot.DeleteComment, Target: c.Origin.Place, ArticleID: c.ArticleID,
		CommentID: c.ID, Key: bot.OutboxKey("delete_origin", strconv.FormatInt(c.ID, 10))})
}
