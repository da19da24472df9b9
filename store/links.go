package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/heraldchat/herald/bot"
)

// Mirror groups live in the links table: one row per place, the places of a
// group sharing a group_id. A place is in at most one group (UNIQUE
// platform, channel).

// LinkPlaces puts b into a's mirror group, making the group when a has
// none. Linking two places already together is a no-op; ErrExists when b
// is in another group.
func (d *DB) LinkPlaces(ctx context.Context, a, b bot.Place) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		ga, err := linkGroup(ctx, tx, a)
		if err != nil {
			return err
		}
		gb, err := linkGroup(ctx, tx, b)
		if err != nil {
			return err
		}
		switch {
		case gb != "" && gb == ga:
			return nil
		case gb != "":
			return fmt.Errorf("%s is in another mirror group: %w", b, bot.ErrExists)
		}
		if ga == "" {
			// The first place names the group; it is in no group, so the
			// name is free.
			ga = a.String()
			if err := insertLink(ctx, tx, ga, a); err != nil {
				return err
			}
		}
		return insertLink(ctx, tx, ga, b)
	})
	if err != nil {
		return fmt.Errorf("link %s with %s: %w", a, b, err)
	}
	return nil
}

func linkGroup(ctx context.Context, tx *sql.Tx, p bot.Place) (string, error) {
	var g string
	err := tx.QueryRowContext(ctx, `SELECT group_id FROM links WHERE platform = $1 AND channel = $2`,
		string(p.Platform), string(p.Channel)).Scan(&g)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("look up the group of %s: %w", p, err)
	}
	return g, nil
}

func insertLink(ctx context.Context, tx *sql.Tx, group string, p bot.Place) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO links (group_id, platform, channel, created) VALUES ($1, $2, $3, $4)`,
		group, string(p.Platform), string(p.Channel), nowMS())
	if err != nil {
		return fmt.Errorf("add %s to group %s: %w", p, group, err)
	}
	return nil
}

// UnlinkPlace takes a place out of its group; a group left with a single
// place is dissolved. ErrNotFound when the place is in no group.
func (d *DB) UnlinkPlace(ctx context.Context, p bot.Place) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		g, err := linkGroup(ctx, tx, p)
		if err != nil {
			return err
		}
		if g == "" {
			return fmt.Errorf("%s is in no mirror group: %w", p, bot.ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM links WHERE platform = $1 AND channel = $2`,
			string(p.Platform), string(p.Channel)); err != nil {
			return fmt.Errorf("delete link of %s: %w", p, err)
		}
		var left int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM links WHERE group_id = $1`, g).Scan(&left); err != nil {
			return fmt.Errorf("count group %s: %w", g, err)
		}
		if left < 2 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM links WHERE group_id = $1`, g); err != nil {
				return fmt.Errorf("dissolve group %s: %w", g, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("unlink %s: %w", p, err)
	}
	return nil
}

// LinkGroups lists every mirror group's places, groups and places in the
// order they were made.
func (d *DB) LinkGroups(ctx context.Context) ([][]bot.Place, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT group_id, platform, channel FROM links ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	defer rows.Close()
	index := map[string]int{}
	var out [][]bot.Place
	for rows.Next() {
		var g string
		var p bot.Place
		if err := rows.Scan(&g, &p.Platform, &p.Channel); err != nil {
			return nil, fmt.Errorf("list links: %w", err)
		}
		i, ok := index[g]
		if !ok {
			i = len(out)
			index[g] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	return out, nil
}

// configGroup prefixes the group ids of mirror groups declared in the
// config file, so a sync can replace exactly those.
const configGroup = "config:"

// SyncConfigLinks makes the config file's mirror groups the ones in the
// links table, so whoever mirrors reads one table. Groups made by command
// stay, except that a place the config now links leaves its command group
// (the file is the declared truth).
func (d *DB) SyncConfigLinks(ctx context.Context, groups [][]bot.Place) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		// Instances starting together take turns, as with the feeds: two
		// inserting one config group at once would break the unique place.
		if err := d.lockConfigSync(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM links WHERE group_id LIKE 'config:%'`); err != nil {
			return fmt.Errorf("drop config links: %w", err)
		}
		for i, g := range groups {
			id := fmt.Sprintf("%s%d", configGroup, i)
			for _, p := range g {
				if _, err := tx.ExecContext(ctx, `DELETE FROM links WHERE platform = $1 AND channel = $2`,
					string(p.Platform), string(p.Channel)); err != nil {
					return fmt.Errorf("take %s out of its command group: %w", p, err)
				}
				if err := insertLink(ctx, tx, id, p); err != nil {
					return err
				}
			}
		}
		// A command group may have lost all but one place to the config.
		_, err := tx.ExecContext(ctx, `DELETE FROM links WHERE group_id IN
	(SELECT group_id FROM links GROUP BY group_id HAVING COUNT(*) < 2)`)
		if err != nil {
			return fmt.Errorf("dissolve groups of one: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sync config links: %w", err)
	}
	return nil
}
