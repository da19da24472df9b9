package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/heraldchat/herald/bot"
)

// The web's read queries: lists of articles with their comment counts and
// posts, the delivery state of one article, and the counts a news site asks
// for. They run on the read pool and never change anything.

// aliased prefixes every column of a column list with a table alias, so a
// query that joins or nests selects stays unambiguous.
func aliased(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if strings.HasPrefix(p, "COALESCE(") {
			parts[i] = "COALESCE(" + alias + "." + strings.TrimPrefix(p, "COALESCE(")
			continue
		}
		parts[i] = alias + "." + p
	}
	return strings.Join(parts, ", ")
}

// visibleCount is a correlated subquery counting an article's comments that
// are not deleted.
const visibleCount = `(SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id AND c.deleted = 0)`

// WebArticles lists articles newest first (by publication time, then id),
// each with its visible comment count and its posts. after is the id of the
// last article of the previous page, 0 for the first page; ErrNotFound when
// that article does not exist.
func (d *DB) WebArticles(ctx context.Context, after int64, limit int) ([]bot.ArticleView, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("list articles: limit %d must be positive", limit)
	}
	q := `SELECT ` + aliased("a", articleCols) + `, ` + visibleCount + ` FROM articles a`
	args := []any{limit}
	if after != 0 {
		var published int64
		err := d.read.QueryRowContext(ctx, `SELECT published FROM articles WHERE id = $1`, after).Scan(&published)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("list articles after %d: %w", after, bot.ErrNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("list articles after %d: %w", after, err)
		}
		q += ` WHERE a.published < $2 OR (a.published = $2 AND a.id < $3)`
		args = append(args, published, after)
	}
	q += ` ORDER BY a.published DESC, a.id DESC LIMIT $1`
	rows, err := d.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	out, err := scanArticleViews(rows)
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	if err := d.attachPosts(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// WebArticle returns one article with its visible comment count and posts.
func (d *DB) WebArticle(ctx context.Context, id int64) (bot.ArticleView, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT `+aliased("a", articleCols)+`, `+visibleCount+` FROM articles a WHERE a.id = $1`, id)
	if err != nil {
		return bot.ArticleView{}, fmt.Errorf("article %d: %w", id, err)
	}
	views, err := scanArticleViews(rows)
	if err != nil {
		return bot.ArticleView{}, fmt.Errorf("article %d: %w", id, err)
	}
	if len(views) == 0 {
		return bot.ArticleView{}, fmt.Errorf("article %d: %w", id, bot.ErrNotFound)
	}
	if err := d.attachPosts(ctx, views); err != nil {
		return bot.ArticleView{}, err
	}
	return views[0], nil
}

func scanArticleViews(rows *sql.Rows) ([]bot.ArticleView, error) {
	defer rows.Close()
	var out []bot.ArticleView
	for rows.Next() {
		var v bot.ArticleView
		a, err := scanArticle(scannerFunc(func(dest ...any) error {
			return rows.Scan(append(dest, &v.Comments)...)
		}))
		if err != nil {
			return nil, err
		}
		v.Article = a
		out = append(out, v)
	}
	return out, rows.Err()
}

// scannerFunc adapts a function to the scanner interface, so scanArticle
// can read rows that carry extra columns after the article's.
type scannerFunc func(dest ...any) error

func (f scannerFunc) Scan(dest ...any) error { return f(dest...) }

// attachPosts fills the posts of each view with one query.
func (d *DB) attachPosts(ctx context.Context, views []bot.ArticleView) error {
	if len(views) == 0 {
		return nil
	}
	ids := make([]any, len(views))
	at := make(map[int64]int, len(views))
	for i, v := range views {
		ids[i] = v.Article.ID
		at[v.Article.ID] = i
	}
	rows, err := d.read.QueryContext(ctx, `SELECT article_id, platform, channel, message, thread, created FROM posts
WHERE article_id IN (`+placeholders(1, len(ids))+`) ORDER BY id`, ids...)
	if err != nil {
		return fmt.Errorf("posts of %d articles: %w", len(ids), err)
	}
	defer rows.Close()
	for rows.Next() {
		var articleID, created int64
		var p bot.PostView
		if err := rows.Scan(&articleID, &p.Ref.Place.Platform, &p.Ref.Place.Channel, &p.Ref.Message, &p.Ref.Thread, &created); err != nil {
			return fmt.Errorf("posts of %d articles: %w", len(ids), err)
		}
		p.At = fromMS(created)
		i := at[articleID]
		views[i].Posts = append(views[i].Posts, p)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("posts of %d articles: %w", len(ids), err)
	}
	return nil
}

// WebDelivery reports an article's deliveries that are not done: how many
// rows are still queued, and the parked ones with their errors.
func (d *DB) WebDelivery(ctx context.Context, articleID int64) (bot.DeliveryView, error) {
	var v bot.DeliveryView
	err := d.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE article_id = $1 AND state = 'pending'`, articleID).Scan(&v.Pending)
	if err != nil {
		return bot.DeliveryView{}, fmt.Errorf("delivery of article %d: %w", articleID, err)
	}
	rows, err := d.read.QueryContext(ctx, `SELECT `+outboxCols+` FROM outbox WHERE article_id = $1 AND state = 'parked' ORDER BY id`, articleID)
	if err != nil {
		return bot.DeliveryView{}, fmt.Errorf("delivery of article %d: %w", articleID, err)
	}
	if v.Parked, err = scanOutboxRows(rows); err != nil {
		return bot.DeliveryView{}, fmt.Errorf("delivery of article %d: %w", articleID, err)
	}
	return v, nil
}

// WebCountByURL counts the visible comments of the articles whose canonical
// URL is url (one story may come from several feeds: their discussions
// add up). found is false when no article has that URL.
func (d *DB) WebCountByURL(ctx context.Context, url string) (comments int, found bool, err error) {
	var articles int
	err = d.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM articles WHERE url = $1`, url).Scan(&articles)
	if err == nil && articles > 0 {
		err = d.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM comments c JOIN articles a ON a.id = c.article_id
WHERE a.url = $1 AND c.deleted = 0`, url).Scan(&comments)
	}
	if err != nil {
		return 0, false, fmt.Errorf("count comments of %q: %w", url, err)
	}
	return comments, articles > 0, nil
}
