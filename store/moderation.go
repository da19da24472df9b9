package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/heraldchat/herald/bot"
)

var _ bot.ModerationStore = (*DB)(nil)

// addModLog writes a log entry inside tx. An entry whose Ref is already
// logged is skipped: a rule's decision about one message is logged once
// however often its event is replayed.
func addModLog(ctx context.Context, q queryer, e bot.ModLogEntry) error {
	if e.Action == "" {
		return errors.New("moderation log entry without an action")
	}
	var ref any
	if e.Ref != "" {
		ref = e.Ref
	}
	at := ms(e.At)
	if at == 0 {
		at = nowMS()
	}
	_, err := q.ExecContext(ctx, `INSERT INTO mod_log (at, actor_platform, actor_id, actor_name, action, target, detail, ref)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (ref) DO NOTHING`,
		at, string(e.Actor.Platform), string(e.Actor.ID), e.Actor.Name, string(e.Action), e.Target, e.Reason, ref)
	if err != nil {
		return fmt.Errorf("log %s of %s: %w", e.Action, e.Target, err)
	}
	return nil
}

// AddModLog writes one moderation log entry.
func (d *DB) AddModLog(ctx context.Context, e bot.ModLogEntry) error {
	return addModLog(ctx, d.write, e)
}

// ModLog lists the latest entries, newest first.
func (d *DB) ModLog(ctx context.Context, limit int) ([]bot.ModLogEntry, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	rows, err := d.read.QueryContext(ctx, `SELECT id, at, actor_platform, actor_id, actor_name, action, target, detail, COALESCE(ref, '')
FROM mod_log ORDER BY at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("read moderation log: %w", err)
	}
	defer rows.Close()
	var out []bot.ModLogEntry
	for rows.Next() {
		var e bot.ModLogEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor.Platform, &e.Actor.ID, &e.Actor.Name, &e.Action, &e.Target, &e.Reason, &e.Ref); err != nil {
			return nil, fmt.Errorf("read moderation log: %w", err)
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read moderation log: %w", err)
	}
	return out, nil
}

// Ban returns an author's ban, expired or not.
func (d *DB) Ban(ctx context.Context, platform bot.Platform, id bot.RemoteID) (bot.Ban, error) {
	b := bot.Ban{Author: bot.Author{Platform: platform, ID: id}}
	var created, expires int64
	err := d.read.QueryRowContext(ctx, `SELECT reason, by_platform, by_user, created, expires FROM bans
WHERE platform = $1 AND user_id = $2`, string(platform), string(id)).Scan(&b.Reason, &b.By.Platform, &b.By.ID, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Ban{}, fmt.Errorf("ban of %s:%s: %w", platform, id, bot.ErrNotFound)
	}
	if err != nil {
		return bot.Ban{}, fmt.Errorf("ban of %s:%s: %w", platform, id, err)
	}
	b.Created, b.Expires = fromMS(created), fromMS(expires)
	return b, nil
}

// SetBan bans an author, replacing an earlier ban, and logs it.
func (d *DB) SetBan(ctx context.Context, b bot.Ban, entry bot.ModLogEntry) error {
	if b.Author.Platform == "" || b.Author.ID == "" {
		return errors.New("ban: no author platform or id")
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO bans (platform, user_id, reason, by_platform, by_user, created, expires)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (platform, user_id) DO UPDATE SET reason = excluded.reason, by_platform = excluded.by_platform,
	by_user = excluded.by_user, created = excluded.created, expires = excluded.expires`,
			string(b.Author.Platform), string(b.Author.ID), b.Reason, string(b.By.Platform), string(b.By.ID),
			ms(b.Created), ms(b.Expires))
		if err != nil {
			return err
		}
		return addModLog(ctx, tx, entry)
	})
	if err != nil {
		return fmt.Errorf("ban %s:%s: %w", b.Author.Platform, b.Author.ID, err)
	}
	return nil
}

// LiftBan removes a ban and logs it.
func (d *DB) LiftBan(ctx context.Context, platform bot.Platform, id bot.RemoteID, entry bot.ModLogEntry) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM bans WHERE platform = $1 AND user_id = $2`, string(platform), string(id))
		if err != nil {
			return err
		}
		if err := affected(res, "delete ban"); err != nil {
			return err
		}
		return addModLog(ctx, tx, entry)
	})
	if err != nil {
		return fmt.Errorf("lift the ban of %s:%s: %w", platform, id, err)
	}
	return nil
}

// Bans lists every ban, newest first.
func (d *DB) Bans(ctx context.Context) ([]bot.Ban, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT platform, user_id, reason, by_platform, by_user, created, expires
FROM bans ORDER BY created DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list bans: %w", err)
	}
	defer rows.Close()
	var out []bot.Ban
	for rows.Next() {
		var b bot.Ban
		var created, expires int64
		if err := rows.Scan(&b.Author.Platform, &b.Author.ID, &b.Reason, &b.By.Platform, &b.By.ID, &created, &expires); err != nil {
			return nil, fmt.Errorf("list bans: %w", err)
		}
		b.Created, b.Expires = fromMS(created), fromMS(expires)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list bans: %w", err)
	}
	return out, nil
}

// AuthorActivity reads an author's recent comments, saved and held, and
// whether they wrote anything before. Rate limits and duplicate windows are
// computed from these rows, so they hold across restarts and instances.
func (d *DB) AuthorActivity(ctx context.Context, platform bot.Platform, id bot.RemoteID, since time.Time, exclude bot.RemoteID) (bot.AuthorActivity, error) {
	var act bot.AuthorActivity
	fail := func(err error) (bot.AuthorActivity, error) {
		return bot.AuthorActivity{}, fmt.Errorf("activity of %s:%s: %w", platform, id, err)
	}
	rows, err := d.read.QueryContext(ctx, `SELECT `+commentCols+` FROM comments
WHERE author_platform = $1 AND author_id = $2 AND created >= $3 AND deleted = 0 AND origin_message <> $4`,
		string(platform), string(id), ms(since), string(exclude))
	if err != nil {
		return fail(err)
	}
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			rows.Close()
			return fail(err)
		}
		act.Recent = append(act.Recent, c)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fail(err)
	}
	rows, err = d.read.QueryContext(ctx, `SELECT `+heldCols+` FROM mod_queue
WHERE author_platform = $1 AND author_id = $2 AND created >= $3 AND state = 'held' AND origin_message <> $4`,
		string(platform), string(id), ms(since), string(exclude))
	if err != nil {
		return fail(err)
	}
	for rows.Next() {
		h, err := scanHeld(rows)
		if err != nil {
			rows.Close()
			return fail(err)
		}
		act.Recent = append(act.Recent, h.Comment)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fail(err)
	}
	sortComments(act.Recent)
	if err := d.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM comments
WHERE author_platform = $1 AND author_id = $2 AND origin_message <> $3`,
		string(platform), string(id), string(exclude)).Scan(&act.Seen); err != nil {
		return fail(err)
	}
	return act, nil
}

// AuthorsNamed finds who wrote under a display name, most recent first.
func (d *DB) AuthorsNamed(ctx context.Context, name string) ([]bot.Author, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT author_platform, author_id, MAX(author_name), MAX(created) AS last FROM comments
WHERE LOWER(author_name) = LOWER($1) AND author_id <> '' GROUP BY author_platform, author_id ORDER BY last DESC LIMIT 10`,
		// Both sides through the database's LOWER: SQLite's folds only
		// ASCII, so a name lowered by Go ("ève") would never equal it ("Ève").
		strings.TrimSpace(name))
	if err != nil {
		return nil, fmt.Errorf("authors named %q: %w", name, err)
	}
	defer rows.Close()
	var out []bot.Author
	for rows.Next() {
		var a bot.Author
		var last int64
		if err := rows.Scan(&a.Platform, &a.ID, &a.Name, &last); err != nil {
			return nil, fmt.Errorf("authors named %q: %w", name, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("authors named %q: %w", name, err)
	}
	return out, nil
}

// CommentsBy lists an author's comments that are not deleted, oldest first.
func (d *DB) CommentsBy(ctx context.Context, platform bot.Platform, id bot.RemoteID) ([]bot.Comment, error) {
	out, err := d.queryComments(ctx, `SELECT `+commentCols+` FROM comments
WHERE author_platform = $1 AND author_id = $2 AND deleted = 0 ORDER BY created, id`, string(platform), string(id))
	if err != nil {
		return nil, fmt.Errorf("comments by %s:%s: %w", platform, id, err)
	}
	return out, nil
}
