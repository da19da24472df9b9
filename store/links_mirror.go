package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/heraldchat/herald/bot"
)

// withLinked adds, for every PostArticle row of a batch, a PostArticle row
// for each other place of the target's mirror group, so an article posted to
// a linked channel is posted to its linked rooms too. Those posts join the
// article's discussion like any route's, so comments then mirror between
// them on the normal relay path and article edits reach them.
//
// A place the batch already targets for the same article (by another route,
// or as a digest entry) gets nothing more. A linked row's key is derived
// from its source row's key, so replaying the same batch queues nothing
// twice, and the linked copy waits as long as its source (quiet hours).
//
// Links tie article threads only: a top-level message in a linked channel
// is not relayed (the relay ignores events outside article threads).
func withLinked(ctx context.Context, tx *sql.Tx, rows []bot.OutboxRow) ([]bot.OutboxRow, error) {
	type target struct {
		article int64
		place   bot.Place
	}
	have := map[target]bool{}
	for _, r := range rows {
		have[target{r.ArticleID, r.Target}] = true
	}
	out := rows
	for _, r := range rows {
		if r.Kind != bot.PostArticle || r.ArticleID == 0 {
			continue
		}
		linked, err := linkedPlaces(ctx, tx, r.Target)
		if err != nil {
			return nil, err
		}
		for _, p := range linked {
			t := target{r.ArticleID, p}
			if have[t] {
				continue
			}
			have[t] = true
			out = append(out, bot.OutboxRow{Kind: bot.PostArticle, Target: p, ArticleID: r.ArticleID, NotBefore: r.NotBefore,
				Key: bot.OutboxKey(r.Key, "linked", string(p.Platform), string(p.Channel))})
		}
	}
	return out, nil
}

// linkedPlaces lists the other places of p's mirror group, none when p is
// in no group.
func linkedPlaces(ctx context.Context, tx *sql.Tx, p bot.Place) ([]bot.Place, error) {
	rows, err := tx.QueryContext(ctx, `SELECT l.platform, l.channel FROM links l
	JOIN links me ON me.group_id = l.group_id AND me.platform = $1 AND me.channel = $2
WHERE NOT (l.platform = $1 AND l.channel = $2) ORDER BY l.id`, string(p.Platform), string(p.Channel))
	if err != nil {
		return nil, fmt.Errorf("find the places linked with %s: %w", p, err)
	}
	places, err := scanPlaces(rows)
	if err != nil {
		return nil, fmt.Errorf("find the places linked with %s: %w", p, err)
	}
	return places, nil
}

// enqueueLinked enqueues rows and the rows their targets' mirror groups
// add (see withLinked), in tx.
func enqueueLinked(ctx context.Context, tx *sql.Tx, rows []bot.OutboxRow) error {
	all, err := withLinked(ctx, tx, rows)
	if err != nil {
		return err
	}
	for _, r := range all {
		if err := enqueue(ctx, tx, r); err != nil {
			return err
		}
	}
	return nil
}
