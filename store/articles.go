package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

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
