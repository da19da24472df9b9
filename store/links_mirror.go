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
func withLinked(ctx context.Context, tx *sql.Tx, links *linkIndex, rows []bot.OutboxRow) ([]bot.OutboxRow, error) {
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
		linked, err := links.others(ctx, tx, r.Target)
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

// linkIndex is the mirror groups as one transaction sees them, read on
// first use: a batch of new articles costs one query for its links, not
// one per row (the table is small: a row per linked place).
type linkIndex struct {
	loaded bool
	groups map[bot.Place][]bot.Place // place → every place of its group, itself included
}

// others lists the other places of p's mirror group, none when p is in no
// group.
func (l *linkIndex) others(ctx context.Context, tx *sql.Tx, p bot.Place) ([]bot.Place, error) {
	if !l.loaded {
		if err := l.load(ctx, tx); err != nil {
			return nil, err
		}
	}
	var out []bot.Place
	for _, q := range l.groups[p] {
		if q != p {
			out = append(out, q)
		}
	}
	return out, nil
}

func (l *linkIndex) load(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT group_id, platform, channel FROM links ORDER BY id`)
	if err != nil {
		return fmt.Errorf("read the mirror groups: %w", err)
	}
	defer rows.Close()
	byGroup := map[string][]bot.Place{}
	var order []bot.Place
	group := map[bot.Place]string{}
	for rows.Next() {
		var g string
		var p bot.Place
		if err := rows.Scan(&g, &p.Platform, &p.Channel); err != nil {
			return fmt.Errorf("read the mirror groups: %w", err)
		}
		byGroup[g] = append(byGroup[g], p)
		group[p] = g
		order = append(order, p)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the mirror groups: %w", err)
	}
	l.groups = make(map[bot.Place][]bot.Place, len(order))
	for _, p := range order {
		l.groups[p] = byGroup[group[p]]
	}
	l.loaded = true
	return nil
}

// enqueueLinked enqueues rows and the rows their targets' mirror groups
// add (see withLinked), in tx.
func enqueueLinked(ctx context.Context, tx *sql.Tx, links *linkIndex, rows []bot.OutboxRow) error {
	all, err := withLinked(ctx, tx, links, rows)
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
