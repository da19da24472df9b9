package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/heraldchat/herald/bot"
)

// sourceMirrorTargets keeps the targets whose route (of the article's feed)
// asks for the news site's own comments (mirror_source_comments): a site's
// comment section is not every chat's business. It runs inside the
// transaction that saves the comment, so the choice and the outbox rows it
// causes are one fact.
func sourceMirrorTargets(ctx context.Context, tx *sql.Tx, articleID int64, targets []bot.Place) ([]bot.Place, error) {
	if len(targets) == 0 {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT r.platform, r.channel, r.options FROM routes r
JOIN articles a ON a.feed_id = r.feed_id WHERE a.id = $1`, articleID)
	if err != nil {
		return nil, fmt.Errorf("routes of article %d: %w", articleID, err)
	}
	defer rows.Close()
	wanted := map[bot.Place]bool{}
	for rows.Next() {
		var p bot.Place
		var opts string
		if err := rows.Scan(&p.Platform, &p.Channel, &opts); err != nil {
			return nil, fmt.Errorf("routes of article %d: %w", articleID, err)
		}
		wanted[p] = bot.MirrorsSourceComments([]byte(opts))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("routes of article %d: %w", articleID, err)
	}
	var out []bot.Place
	for _, t := range targets {
		if wanted[t] {
			out = append(out, t)
		}
	}
	return out, nil
}
