package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
)

const articleCols = `id, feed_id, key, guid, url, title, summary, body, image, author, categories,
	published, updated, lang, comments_feed, comment_count, hash`

// articleValues encodes the JSON columns of an article.
type articleValues struct {
	summary, body, categories string
}

func encodeArticle(a bot.Article) (articleValues, error) {
	s, err := json.Marshal(a.Summary)
	if err != nil {
		return articleValues{}, fmt.Errorf("encode summary: %w", err)
	}
	b, err := json.Marshal(a.Body)
	if err != nil {
		return articleValues{}, fmt.Errorf("encode body: %w", err)
	}
	cats := a.Categories
	if cats == nil {
		cats = []string{}
	}
	c, err := json.Marshal(cats)
	if err != nil {
		return articleValues{}, fmt.Errorf("encode categories: %w", err)
	}
	return articleValues{summary: string(s), body: string(b), categories: string(c)}, nil
}

func scanArticle(s scanner) (bot.Article, error) {
	var a bot.Article
	var summary, body, cats string
	var published, updated int64
	err := s.Scan(&a.ID, &a.FeedID, &a.Key, &a.GUID, &a.URL, &a.Title, &summary, &body, &a.Image, &a.Author, &cats,
		&published, &updated, &a.Lang, &a.CommentsFeed, &a.CommentCount, &a.Hash)
	if err != nil {
		return bot.Article{}, err
	}
	a.Published, a.Updated = fromMS(published), fromMS(updated)
	if err := unmarshalText(summary, &a.Summary); err != nil {
		return bot.Article{}, fmt.Errorf("article %d summary: %w", a.ID, err)
	}
	if err := unmarshalText(body, &a.Body); err != nil {
		return bot.Article{}, fmt.Errorf("article %d body: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(cats), &a.Categories); err != nil {
		return bot.Article{}, fmt.Errorf("article %d categories: %w", a.ID, err)
	}
	if len(a.Categories) == 0 {
		a.Categories = nil
	}
	return a, nil
}

func unmarshalText(s string, t *richtext.Text) error {
	if s == "" {
		return nil
	}
	return json.Unmarshal([]byte(s), t)
}

// Ingest stores the articles of one feed in one transaction. Each item is
// looked up by (feed, key): a tombstoned key is skipped; a new one is
// inserted with one outbox row per delivery; a known one with another hash
// is updated and gets an EditArticle row per post already made; otherwise
// it is unchanged. Outbox keys are derived from what they deliver, so
// running the same ingest twice queues nothing twice.
func (d *DB) Ingest(ctx context.Context, feedID int64, items []bot.Incoming) ([]bot.IngestResult, error) {
	for i, in := range items {
		if in.Article.Key == "" {
			return nil, fmt.Errorf("ingest into feed %d: item %d (%q) has no key", feedID, i, in.Article.Title)
		}
	}
	var out []bot.IngestResult
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		for _, in := range items {
			r, err := ingestOne(ctx, tx, feedID, in)
			if err != nil {
				return fmt.Errorf("article %q: %w", in.Article.Key, err)
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ingest into feed %d: %w", feedID, err)
	}
	return out, nil
}

func ingestOne(ctx context.Context, tx *sql.Tx, feedID int64, in bot.Incoming) (bot.IngestResult, error) {
	a := in.Article
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tombstones WHERE feed_id = $1 AND key = $2`, feedID, a.Key).Scan(&n); err != nil {
		return bot.IngestResult{}, fmt.Errorf("check tombstone: %w", err)
	}
	if n > 0 {
		return bot.IngestResult{Outcome: bot.ArticleRemoved}, nil
	}
	v, err := encodeArticle(a)
	if err != nil {
		return bot.IngestResult{}, err
	}
	var id int64
	var hash string
	var rev int
	err = tx.QueryRowContext(ctx, `SELECT id, hash, revision FROM articles WHERE feed_id = $1 AND key = $2`, feedID, a.Key).Scan(&id, &hash, &rev)
	if errors.Is(err, sql.ErrNoRows) {
		// ON CONFLICT DO NOTHING: should an expired lease let a second
		// instance ingest the same item at once, the loser sees no row here
		// and treats the item as known instead of failing the whole batch.
		err = tx.QueryRowContext(ctx, `INSERT INTO articles (feed_id, key, guid, url, title, summary, body, image,
	author, categories, published, updated, lang, comments_feed, comment_count, hash, created)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
ON CONFLICT (feed_id, key) DO NOTHING RETURNING id`,
			feedID, a.Key, a.GUID, a.URL, a.Title, v.summary, v.body, a.Image, a.Author, v.categories,
			ms(a.Published), ms(a.Updated), a.Lang, a.CommentsFeed, a.CommentCount, a.Hash, nowMS()).Scan(&id)
		if err == nil {
			for _, dl := range in.Deliveries {
				kind := dl.Kind
				if kind == "" {
					kind = bot.PostArticle
				}
				row := bot.OutboxRow{Kind: kind, Target: dl.Place, ArticleID: id, NotBefore: dl.NotBefore,
					Key: bot.OutboxKey(string(kind), strconv.FormatInt(id, 10), string(dl.Place.Platform), string(dl.Place.Channel))}
				if err := enqueue(ctx, tx, row); err != nil {
					return bot.IngestResult{}, err
				}
			}
			return bot.IngestResult{ArticleID: id, Outcome: bot.ArticleNew}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return bot.IngestResult{}, fmt.Errorf("insert: %w", err)
		}
		err = tx.QueryRowContext(ctx, `SELECT id, hash, revision FROM articles WHERE feed_id = $1 AND key = $2`, feedID, a.Key).Scan(&id, &hash, &rev)
	}
	if err != nil {
		return bot.IngestResult{}, fmt.Errorf("look up: %w", err)
	}
	if hash == a.Hash {
		return bot.IngestResult{ArticleID: id, Outcome: bot.ArticleUnchanged}, nil
	}
	rev++
	_, err = tx.ExecContext(ctx, `UPDATE articles SET guid = $2, url = $3, title = $4, summary = $5, body = $6,
	image = $7, author = $8, categories = $9, published = $10, updated = $11, lang = $12, comments_feed = $13,
	comment_count = $14, hash = $15, revision = $16
WHERE id = $1`, id, a.GUID, a.URL, a.Title, v.summary, v.body, a.Image, a.Author, v.categories,
		ms(a.Published), ms(a.Updated), a.Lang, a.CommentsFeed, a.CommentCount, a.Hash, rev)
	if err != nil {
		return bot.IngestResult{}, fmt.Errorf("update article %d: %w", id, err)
	}
	posts, err := postsOf(ctx, tx, id)
	if err != nil {
		return bot.IngestResult{}, err
	}
	for _, p := range posts {
		// The revision is in the key: each update is its own edit, even if
		// the content goes back to an earlier hash.
		row := bot.OutboxRow{Kind: bot.EditArticle, Target: p.Place, ArticleID: id,
			Key: bot.OutboxKey(string(bot.EditArticle), strconv.FormatInt(id, 10), strconv.Itoa(rev),
				string(p.Place.Platform), string(p.Place.Channel), string(p.Message))}
		if err := enqueue(ctx, tx, row); err != nil {
			return bot.IngestResult{}, err
		}
	}
	return bot.IngestResult{ArticleID: id, Outcome: bot.ArticleUpdated}, nil
}

// Article returns one article.
func (d *DB) Article(ctx context.Context, id int64) (bot.Article, error) {
	a, err := scanArticle(d.read.QueryRowContext(ctx, `SELECT `+articleCols+` FROM articles WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Article{}, fmt.Errorf("article %d: %w", id, bot.ErrNotFound)
	}
	if err != nil {
		return bot.Article{}, fmt.Errorf("article %d: %w", id, err)
	}
	return a, nil
}

// Tombstone removes an article for good: its key is recorded so the feed
// never brings it back, and the article goes with its outbox rows, post
// records and comments. Callers that want the platform messages deleted
// read Posts first.
func (d *DB) Tombstone(ctx context.Context, articleID int64) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		var feedID int64
		var key string
		err := tx.QueryRowContext(ctx, `SELECT feed_id, key FROM articles WHERE id = $1`, articleID).Scan(&feedID, &key)
		if errors.Is(err, sql.ErrNoRows) {
			return bot.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("look up: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tombstones (feed_id, key, created) VALUES ($1, $2, $3)
ON CONFLICT (feed_id, key) DO NOTHING`, feedID, key, nowMS()); err != nil {
			return fmt.Errorf("record tombstone: %w", err)
		}
		// The foreign keys cascade, but saying it keeps the pending rows'
		// fate visible here and independent of the schema.
		if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE article_id = $1`, articleID); err != nil {
			return fmt.Errorf("delete outbox rows: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM articles WHERE id = $1`, articleID); err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("tombstone article %d: %w", articleID, err)
	}
	return nil
}

// Posts returns where an article was posted, in the order it was.
func (d *DB) Posts(ctx context.Context, articleID int64) ([]bot.PostRef, error) {
	out, err := postsOf(ctx, d.read, articleID)
	if err != nil {
		return nil, err
	}
	return refs(out), nil
}

type post struct {
	id int64
	bot.PostRef
}

func refs(ps []post) []bot.PostRef {
	out := make([]bot.PostRef, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.PostRef)
	}
	return out
}

func postsOf(ctx context.Context, q queryer, articleID int64) ([]post, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, platform, channel, message, thread FROM posts WHERE article_id = $1 ORDER BY id`, articleID)
	if err != nil {
		return nil, fmt.Errorf("posts of article %d: %w", articleID, err)
	}
	defer rows.Close()
	var out []post
	for rows.Next() {
		var p post
		if err := rows.Scan(&p.id, &p.Place.Platform, &p.Place.Channel, &p.Message, &p.Thread); err != nil {
			return nil, fmt.Errorf("posts of article %d: %w", articleID, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("posts of article %d: %w", articleID, err)
	}
	return out, nil
}
