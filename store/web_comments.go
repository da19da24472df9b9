package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/heraldchat/herald/bot"
)

// WebComments lists up to limit of an article's comments in the order they
// were written (deleted ones included: they show as "comment removed"),
// starting after the comment with id after (0 for the first page).
// ErrNotFound when after is not a comment of that article.
func (d *DB) WebComments(ctx context.Context, articleID, after int64, limit int) ([]bot.Comment, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("comments of article %d: limit %d must be positive", articleID, limit)
	}
	q := `SELECT ` + commentCols + ` FROM comments WHERE article_id = $1`
	args := []any{articleID, limit}
	if after != 0 {
		var created int64
		err := d.read.QueryRowContext(ctx, `SELECT created FROM comments WHERE id = $1 AND article_id = $2`, after, articleID).Scan(&created)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("comments of article %d after %d: %w", articleID, after, bot.ErrNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("comments of article %d after %d: %w", articleID, after, err)
		}
		q += ` AND (created > $3 OR (created = $3 AND id > $4))`
		args = append(args, created, after)
	}
	q += ` ORDER BY created, id LIMIT $2`
	out, err := d.queryComments(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("comments of article %d: %w", articleID, err)
	}
	return out, nil
}

// WebReactions counts the reactions to every comment of an article, by
// comment and emoji, in one query.
func (d *DB) WebReactions(ctx context.Context, articleID int64) (map[int64]map[string]int, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT r.comment_id, r.emoji, COUNT(*) FROM reactions r
JOIN comments c ON c.id = r.comment_id WHERE c.article_id = $1 GROUP BY r.comment_id, r.emoji`, articleID)
	if err != nil {
		return nil, fmt.Errorf("reactions in article %d: %w", articleID, err)
	}
	defer rows.Close()
	out := map[int64]map[string]int{}
	for rows.Next() {
		var id int64
		var emoji string
		var n int
		if err := rows.Scan(&id, &emoji, &n); err != nil {
			return nil, fmt.Errorf("reactions in article %d: %w", articleID, err)
		}
		if out[id] == nil {
			out[id] = map[string]int{}
		}
		out[id][emoji] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reactions in article %d: %w", articleID, err)
	}
	return out, nil
}

// WebVersion fingerprints what the pages of one article show (articleID > 0)
// or what the article lists show (articleID == 0): every aggregate below
// moves when a row is added, edited, deleted, parked or delivered. Sums of
// edit and delete times change on every edit or delete because those times
// only ever grow; they are summed modulo 2^32 because the times come from
// the platforms (a homeserver sets its events' timestamps), and a few dated
// near the end of int64 would overflow the sum and fail every request. An
// edit then goes unnoticed only if it lands a multiple of 2^32 ms (49.7
// days) to the millisecond after the previous one. Reading it costs a few
// index range scans for one article; for the lists it scans the tables,
// which is still far cheaper than rendering.
func (d *DB) WebVersion(ctx context.Context, articleID int64) (bot.DataVersion, error) {
	filter, artFilter := "", ""
	var args []any
	if articleID > 0 {
		filter, artFilter = " WHERE article_id = $1", " WHERE id = $1"
		args = []any{articleID}
	}
	q := `SELECT
	(SELECT COUNT(*) FROM articles` + artFilter + `),
	(SELECT COALESCE(MAX(id), 0) FROM articles` + artFilter + `),
	(SELECT CAST(COALESCE(SUM(revision), 0) AS BIGINT) FROM articles` + artFilter + `),
	(SELECT COALESCE(MAX(created), 0) FROM articles` + artFilter + `),
	(SELECT COUNT(*) FROM comments` + filter + `),
	(SELECT COALESCE(MAX(id), 0) FROM comments` + filter + `),
	(SELECT CAST(COALESCE(SUM(edited % 4294967296), 0) AS BIGINT) FROM comments` + filter + `),
	(SELECT CAST(COALESCE(SUM(deleted % 4294967296), 0) AS BIGINT) FROM comments` + filter + `),
	(SELECT COALESCE(MAX(created), 0) FROM comments` + filter + `),
	(SELECT COALESCE(MAX(edited), 0) FROM comments` + filter + `),
	(SELECT COALESCE(MAX(deleted), 0) FROM comments` + filter + `),
	(SELECT COUNT(*) FROM posts` + filter + `),
	(SELECT COALESCE(MAX(created), 0) FROM posts` + filter + `),
	(SELECT COUNT(*) FROM outbox` + and(filter, "state = 'pending'") + `),
	(SELECT COUNT(*) FROM outbox` + and(filter, "state = 'parked'") + `),
	(SELECT COALESCE(MAX(updated), 0) FROM outbox` + and(filter, "state = 'parked'") + `)`
	if articleID > 0 {
		q += `,
	(SELECT COUNT(*) FROM reactions WHERE comment_id IN (SELECT id FROM comments WHERE article_id = $1)),
	(SELECT COALESCE(MAX(created), 0) FROM reactions WHERE comment_id IN (SELECT id FROM comments WHERE article_id = $1))`
	}
	n := 16
	if articleID > 0 {
		n = 18
	}
	vals := make([]int64, n)
	dest := make([]any, n)
	for i := range vals {
		dest[i] = &vals[i]
	}
	if err := d.read.QueryRowContext(ctx, q, args...).Scan(dest...); err != nil {
		return bot.DataVersion{}, fmt.Errorf("data version of article %d: %w", articleID, err)
	}
	parts := make([]string, n)
	for i, v := range vals {
		parts[i] = strconv.FormatInt(v, 36)
	}
	return bot.DataVersion{Tag: strings.Join(parts, ".")}, nil
}

// and adds a condition to a WHERE clause that may be empty.
func and(where, cond string) string {
	if where == "" {
		return " WHERE " + cond
	}
	return where + " AND " + cond
}

// CommentImportArticles lists the articles of a feed published since since,
// newest first, at most limit: the ones whose comment feeds are still read.
func (d *DB) CommentImportArticles(ctx context.Context, feedID int64, since time.Time, limit int) ([]bot.Article, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT `+articleCols+` FROM articles
WHERE feed_id = $1 AND published >= $2 ORDER BY published DESC, id DESC LIMIT $3`, feedID, ms(since), limit)
	if err != nil {
		return nil, fmt.Errorf("articles of feed %d for comment import: %w", feedID, err)
	}
	defer rows.Close()
	var out []bot.Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("articles of feed %d for comment import: %w", feedID, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("articles of feed %d for comment import: %w", feedID, err)
	}
	return out, nil
}
