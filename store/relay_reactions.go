package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/heraldchat/herald/bot"
)

// React is ReactAt for a reaction made in no place Herald mirrors to (an
// import, a test): a 0→1 change is mirrored on every copy.
func (d *DB) React(ctx context.Context, commentID int64, by bot.Author, emoji string, add bool) error {
	return d.ReactAt(ctx, commentID, by, emoji, add, bot.Place{})
}

// ReactAt adds or removes one person's reaction to a comment and, when the
// emoji's total goes 0→1 or 1→0, queues the bot's reaction on the comment's
// other copies (see bot.RelayStore.ReactAt), in one transaction.
func (d *DB) ReactAt(ctx context.Context, commentID int64, by bot.Author, emoji string, add bool, at bot.Place) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		// Two reactions of the same emoji counted at once by two instances
		// would each see the other's row missing and both queue (or neither).
		if err := d.lockOrigin(ctx, tx, "reactions", bot.RemoteID(strconv.FormatInt(commentID, 10))); err != nil {
			return err
		}
		var res sql.Result
		var err error
		if add {
			res, err = tx.ExecContext(ctx, `INSERT INTO reactions (comment_id, platform, author_id, emoji, created)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (comment_id, platform, author_id, emoji) DO NOTHING`,
				commentID, string(by.Platform), string(by.ID), emoji, nowMS())
		} else {
			res, err = tx.ExecContext(ctx, `DELETE FROM reactions
WHERE comment_id = $1 AND platform = $2 AND author_id = $3 AND emoji = $4`, commentID, string(by.Platform), string(by.ID), emoji)
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // a replay: the count did not change
		}
		var total int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM reactions WHERE comment_id = $1 AND emoji = $2`,
			commentID, emoji).Scan(&total); err != nil {
			return fmt.Errorf("count: %w", err)
		}
		switch {
		case add && total == 1:
			return enqueueReaction(ctx, tx, commentID, emoji, bot.ReactAdd, at)
		case !add && total == 0:
			return enqueueReaction(ctx, tx, commentID, emoji, bot.ReactRemove, bot.Place{})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reaction %q of %s:%s to comment %d: %w", emoji, by.Platform, by.ID, commentID, err)
	}
	return nil
}

// enqueueReaction queues kind for every copy of a comment but the one in
// except: its original (unless a news site's, which Herald cannot react on)
// and its mirrors, sent or on their way.
func enqueueReaction(ctx context.Context, tx *sql.Tx, commentID int64, emoji string, kind bot.OutboxKind, except bot.Place) error {
	c, err := commentWhere(ctx, tx, `id = $1`, commentID)
	if err != nil {
		return fmt.Errorf("load comment: %w", err)
	}
	places, err := mirroredTo(ctx, tx, commentID)
	if err != nil {
		return err
	}
	if c.Origin.Place.Platform != bot.Source {
		places = append(places, c.Origin.Place)
	}
	// The same emoji may come and go many times: each transition is a new
	// row, so the key carries the time it was counted. A replayed event
	// changes no count and queues nothing, so the key needs no more.
	rev := strconv.FormatInt(time.Now().UnixNano(), 10)
	seen := map[bot.Place]bool{except: true}
	for _, p := range places {
		if seen[p] {
			continue
		}
		seen[p] = true
		row := bot.OutboxRow{Kind: kind, Target: p, ArticleID: c.ArticleID, CommentID: c.ID, Emoji: emoji,
			Key: bot.OutboxKey(string(kind), strconv.FormatInt(c.ID, 10), emoji, rev, string(p.Platform), string(p.Channel))}
		if err := enqueue(ctx, tx, row); err != nil {
			return err
		}
	}
	return nil
}
