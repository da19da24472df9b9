package store

import (
	"context"
	"fmt"
)

// DiscussedArticles lists, oldest first, the articles the shared model holds
// a discussion of: those posted somewhere or with comments. Articles that
// were only recorded for dedup (never posted) are left out; `herald export
// -format json` reads the rest through Article, Posts and Comments.
func (d *DB) DiscussedArticles(ctx context.Context) ([]int64, error) {
	rows, err := d.read.QueryContext(ctx, `SELECT id FROM articles a
WHERE EXISTS (SELECT 1 FROM posts p WHERE p.article_id = a.id)
	OR EXISTS (SELECT 1 FROM comments c WHERE c.article_id = a.id)
ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list discussed articles: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list discussed articles: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list discussed articles: %w", err)
	}
	return out, nil
}
