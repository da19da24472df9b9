package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// TestEditDoesNotRestoreARemovedBody: on PostgreSQL a moderator's removal
// (RemoveComment, which takes no origin lock) and the author's edit can run
// at once. The edit read the comment before the removal committed, then its
// UPDATE waited for the removal's row lock and wrote the new text over the
// cleared body of a comment that is now deleted: the text a moderator took
// down was back in the store, and edits were queued to mirrors being
// deleted. The interleaving is forced: a transaction does what removeSaved
// does and holds its row lock until the edit is seen waiting for it.
func TestEditDoesNotRestoreARemovedBody(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.PostgresDSN(t)
	db, err := store.Open(ctx, store.Postgres, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := modArticle(t, db)
	who := bot.Author{Platform: bot.Discord, ID: "3", Name: "Ed"}
	c, _, err := db.SaveComment(ctx, modComment(a, relayD, "er1", who, "original", relayT))
	if err != nil {
		t.Fatal(err)
	}

	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	removal, err := raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer removal.Rollback()
	if _, err := removal.ExecContext(ctx, `UPDATE comments SET deleted = $2, body = '{}' WHERE id = $1 AND deleted = 0`,
		c.ID, relayT.Add(time.Minute).UnixMilli()); err != nil {
		t.Fatal(err)
	}

	type result struct {
		changed bool
		err     error
	}
	done := make(chan result, 1)
	go func() {
		_, changed, err := db.EditComment(ctx, bot.Discord, "er1", richtext.FromPlain("taken back? no: edited"), relayT.Add(2*time.Minute))
		done <- result{changed, err}
	}()
	// Wait until the edit is blocked on the removal's row lock.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var waiting int
		if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE comments SET body%'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case r := <-done:
			t.Fatalf("the edit finished (changed %v, %v) without waiting for the removal", r.changed, r.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the edit never waited for the removal's row lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := removal.Commit(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("EditComment: %v", r.err)
	}
	got, err := db.Comments(ctx, a)
	if err != nil || len(got) != 1 {
		t.Fatalf("Comments = %+v, %v", got, err)
	}
	if got[0].Deleted.IsZero() || got[0].Body.PlainText() != "" {
		t.Errorf("after a removal and a concurrent edit: deleted %v, body %q; want deleted with no body", got[0].Deleted, got[0].Body.PlainText())
	}
	if r.changed {
		t.Error("EditComment reported a change to a comment that was removed meanwhile")
	}
}
