package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/heraldchat/herald/bot"
)

var _ bot.DigestStore = (*DB)(nil)

// DigestEntries lists up to limit pending DigestEntry rows for place whose
// articles belong to feedID, oldest first; limit <= 0 means all.
func (d *DB) DigestEntries(ctx context.Context, feedID int64, place bot.Place, limit int) ([]bot.OutboxRow, error) {
	q := `SELECT ` + outboxCols + ` FROM outbox
WHERE state = 'pending' AND kind = $1 AND platform = $2 AND channel = $3
	AND article_id IN (SELECT id FROM articles WHERE feed_id = $4)
ORDER BY id`
	args := []any{string(bot.DigestEntry), string(place.Platform), string(place.Channel), feedID}
	if limit > 0 {
		q += ` LIMIT $5`
		args = append(args, limit)
	}
	rows, err := d.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("digest entries of feed %d for %s: %w", feedID, place, err)
	}
	out, err := scanOutboxRows(rows)
	if err != nil {
		return nil, fmt.Errorf("digest entries of feed %d for %s: %w", feedID, place, err)
	}
	return out, nil
}

// ComposeDigest, in one transaction, marks the entry rows done, stores the
// digest as an article and queues its post to place. When another instance
// got there first (an entry is no longer pending, or the digest's key is
// taken) it writes nothing and returns ErrExists. The entries are claimed
// first: on PostgreSQL a second composer blocks on their row locks, then
// finds them done.
func (d *DB) ComposeDigest(ctx context.Context, place bot.Place, digest bot.Article, entryIDs []int64) (int64, error) {
	if digest.Key == "" || digest.FeedID == 0 {
		return 0, fmt.Errorf("compose digest for %s: the digest article needs a key and a feed", place)
	}
	if place.Platform == "" || place.Channel == "" {
		return 0, fmt.Errorf("compose digest %s: no place", digest.Key)
	}
	v, err := encodeArticle(digest)
	if err != nil {
		return 0, fmt.Errorf("compose digest %s: %w", digest.Key, err)
	}
	var id int64
	err = d.inTx(ctx, func(tx *sql.Tx) error {
		if len(entryIDs) > 0 {
			args := []any{nowMS(), string(bot.DigestEntry)}
			for _, e := range entryIDs {
				args = append(args, e)
			}
			res, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'done', lease_owner = '', lease_until = 0, updated = $1
WHERE state = 'pending' AND kind = $2 AND id IN (`+placeholders(3, len(entryIDs))+`)`, args...)
			if err != nil {
				return fmt.Errorf("mark entries done: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("mark entries done: %w", err)
			}
			if n != int64(len(entryIDs)) {
				return fmt.Errorf("%d of %d entries are no longer pending: %w", int64(len(entryIDs))-n, len(entryIDs), bot.ErrExists)
			}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO articles (feed_id, key, guid, url, title, summary, body, image,
	author, categories, published, updated, lang, comments_feed, comment_count, hash, created)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
ON CONFLICT (feed_id, key) DO NOTHING RETURNING id`,
			digest.FeedID, digest.Key, digest.GUID, digest.URL, digest.Title, v.summary, v.body, digest.Image, digest.Author,
			v.categories, ms(digest.Published), ms(digest.Updated), digest.Lang, digest.CommentsFeed, digest.CommentCount,
			digest.Hash, nowMS()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("digest article: %w", bot.ErrExists)
		}
		if err != nil {
			return fmt.Errorf("insert digest article: %w", err)
		}
		return enqueueLinked(ctx, tx, &linkIndex{}, []bot.OutboxRow{{Kind: bot.PostArticle, Target: place, ArticleID: id,
			Key: bot.OutboxKey(string(bot.PostArticle), strconv.FormatInt(id, 10), string(place.Platform), string(place.Channel))}})
	})
	if err != nil {
		return 0, fmt.Errorf("compose digest %s for %s: %w", digest.Key, place, err)
	}
	return id, nil
}
