package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/heraldchat/herald/bot"
)

// lookupChunk bounds the keys looked up in one statement, well under both
// databases' parameter limits.
const lookupChunk = 500

// known is what Ingest needs of an article already stored.
type known struct {
	id   int64
	hash string
	rev  int
}

// Ingest stores the articles of one feed in one transaction. Each item is
// looked up by (feed, key): a tombstoned key is skipped; a new one is
// inserted with one outbox row per delivery; a known one with another hash
// is updated and gets an EditArticle row per post already made; otherwise
// it is unchanged. Outbox keys are derived from what they deliver, so
// running the same ingest twice queues nothing twice.
//
// Lookups go by the batch, not by the item: a poll of an unchanged feed of
// 500 items costs two queries, not a thousand.
func (d *DB) Ingest(ctx context.Context, feedID int64, items []bot.Incoming) ([]bot.IngestResult, error) {
	keys := make([]string, 0, len(items))
	for i, in := range items {
		if in.Article.Key == "" {
			return nil, fmt.Errorf("ingest into feed %d: item %d (%q) has no key", feedID, i, in.Article.Title)
		}
		keys = append(keys, in.Article.Key)
	}
	var out []bot.IngestResult
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		links := &linkIndex{}
		dead, have, err := lookupKeys(ctx, tx, feedID, keys)
		if err != nil {
			return err
		}
		for _, in := range items {
			key := in.Article.Key
			if dead[key] {
				out = append(out, bot.IngestResult{Outcome: bot.ArticleRemoved})
				continue
			}
			k, ok := have[key]
			r, now, err := ingestOne(ctx, tx, links, feedID, in, k, ok)
			if err != nil {
				return fmt.Errorf("article %q: %w", key, err)
			}
			// A key twice in one batch: the second sees the first.
			have[key] = now
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ingest into feed %d: %w", feedID, err)
	}
	return out, nil
}

// lookupKeys finds which keys of a feed are tombstoned and which are stored.
func lookupKeys(ctx context.Context, tx *sql.Tx, feedID int64, keys []string) (map[string]bool, map[string]known, error) {
	dead := map[string]bool{}
	have := map[string]known{}
	for start := 0; start < len(keys); start += lookupChunk {
		chunk := keys[start:min(start+lookupChunk, len(keys))]
		args := []any{feedID}
		for _, k := range chunk {
			args = append(args, k)
		}
		in := placeholders(2, len(chunk))
		rows, err := tx.QueryContext(ctx, `SELECT key FROM tombstones WHERE feed_id = $1 AND key IN (`+in+`)`, args...)
		if err != nil {
			return nil, nil, fmt.Errorf("look up tombstones: %w", err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("look up tombstones: %w", err)
			}
			dead[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, fmt.Errorf("look up tombstones: %w", err)
		}
		rows, err = tx.QueryContext(ctx, `SELECT key, id, hash, revision FROM articles WHERE feed_id = $1 AND key IN (`+in+`)`, args...)
		if err != nil {
			return nil, nil, fmt.Errorf("look up articles: %w", err)
		}
		for rows.Next() {
			var k string
			var a known
			if err := rows.Scan(&k, &a.id, &a.hash, &a.rev); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("look up articles: %w", err)
			}
			have[k] = a
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, fmt.Errorf("look up articles: %w", err)
		}
	}
	return dead, have, nil
}

// ingestOne stores one item that is not tombstoned; k is the stored
// article when found. It returns the outcome and the article as stored now.
func ingestOne(ctx context.Context, tx *sql.Tx, links *linkIndex, feedID int64, in bot.Incoming, k known, found bool) (bot.IngestResult, known, error) {
	a := in.Article
	if found && k.hash == a.Hash {
		return bot.IngestResult{ArticleID: k.id, Outcome: bot.ArticleUnchanged}, k, nil
	}
	v, err := encodeArticle(a)
	if err != nil {
		return bot.IngestResult{}, k, err
	}
	if !found {
		// ON CONFLICT DO NOTHING: should an expired lease let a second
		// instance ingest the same item at once, the loser sees no row here
		// and treats the item as known instead of failing the whole batch.
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO articles (feed_id, key, guid, url, title, summary, body, image,
	author, categories, published, updated, lang, comments_feed, comment_count, hash, created)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
ON CONFLICT (feed_id, key) DO NOTHING RETURNING id`,
			feedID, a.Key, a.GUID, a.URL, a.Title, v.summary, v.body, a.Image, a.Author, v.categories,
			ms(a.Published), ms(a.Updated), a.Lang, a.CommentsFeed, a.CommentCount, a.Hash, nowMS()).Scan(&id)
		switch {
		case err == nil:
			rows := make([]bot.OutboxRow, 0, len(in.Deliveries))
			for _, dl := range in.Deliveries {
				kind := dl.Kind
				if kind == "" {
					kind = bot.PostArticle
				}
				rows = append(rows, bot.OutboxRow{Kind: kind, Target: dl.Place, ArticleID: id, NotBefore: dl.NotBefore,
					Key: bot.OutboxKey(string(kind), strconv.FormatInt(id, 10), string(dl.Place.Platform), string(dl.Place.Channel))})
			}
			if err := enqueueLinked(ctx, tx, links, rows); err != nil {
				return bot.IngestResult{}, k, err
			}
			return bot.IngestResult{ArticleID: id, Outcome: bot.ArticleNew}, known{id: id, hash: a.Hash}, nil
		case !errors.Is(err, sql.ErrNoRows):
			return bot.IngestResult{}, k, fmt.Errorf("insert: %w", err)
		}
		err = tx.QueryRowContext(ctx, `SELECT id, hash, revision FROM articles WHERE feed_id = $1 AND key = $2`,
			feedID, a.Key).Scan(&k.id, &k.hash, &k.rev)
		if err != nil {
			return bot.IngestResult{}, k, fmt.Errorf("look up after a concurrent insert: %w", err)
		}
	}
	if k.hash == a.Hash {
		return bot.IngestResult{ArticleID: k.id, Outcome: bot.ArticleUnchanged}, k, nil
	}
	k.rev++
	k.hash = a.Hash
	_, err = tx.ExecContext(ctx, `UPDATE articles SET guid = $2, url = $3, title = $4, summary = $5, body = $6,
	image = $7, author = $8, categories = $9, published = $10, updated = $11, lang = $12, comments_feed = $13,
	comment_count = $14, hash = $15, revision = $16
WHERE id = $1`, k.id, a.GUID, a.URL, a.Title, v.summary, v.body, a.Image, a.Author, v.categories,
		ms(a.Published), ms(a.Updated), a.Lang, a.CommentsFeed, a.CommentCount, a.Hash, k.rev)
	if err != nil {
		return bot.IngestResult{}, k, fmt.Errorf("update article %d: %w", k.id, err)
	}
	posts, err := postsOf(ctx, tx, k.id)
	if err != nil {
		return bot.IngestResult{}, k, err
	}
	for _, p := range posts {
		// The revision is in the key: each update is its own edit, even if
		// the content goes back to an earlier hash.
		row := bot.OutboxRow{Kind: bot.EditArticle, Target: p.Place, ArticleID: k.id,
			Key: bot.OutboxKey(string(bot.EditArticle), strconv.FormatInt(k.id, 10), strconv.Itoa(k.rev),
				string(p.Place.Platform), string(p.Place.Channel), string(p.Message))}
		if err := enqueue(ctx, tx, row); err != nil {
			return bot.IngestResult{}, k, err
		}
	}
	return bot.IngestResult{ArticleID: k.id, Outcome: bot.ArticleUpdated}, k, nil
}
