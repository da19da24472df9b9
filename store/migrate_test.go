package store_test

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

func TestSplitMigration(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string][]string
		wantErr string
	}{
		{
			name: "shared by default",
			in:   "-- a comment\nCREATE TABLE a (x INT);\n",
			want: map[string][]string{"sqlite": {"CREATE TABLE a (x INT);\n"}, "postgres": {"CREATE TABLE a (x INT);\n"}},
		},
		{
			name: "markers switch dialect",
			in: "-- only: sqlite\nCREATE TABLE a (id INTEGER PRIMARY KEY);\n-- only: postgres\nCREATE TABLE a (\n  id BIGINT\n);\n" +
				"-- only: all\nCREATE INDEX i ON a (id);\n",
			want: map[string][]string{
				"sqlite":   {"CREATE TABLE a (id INTEGER PRIMARY KEY);\n", "CREATE INDEX i ON a (id);\n"},
				"postgres": {"CREATE TABLE a (\n  id BIGINT\n);\n", "CREATE INDEX i ON a (id);\n"},
			},
		},
		{name: "unknown dialect", in: "-- only: mysql\nSELECT 1;\n", wantErr: `unknown dialect "mysql"`},
		{name: "marker inside a statement", in: "CREATE TABLE a (\n-- only: sqlite\nx INT);\n", wantErr: "line 2: dialect marker inside an unfinished statement"},
		{name: "unterminated", in: "CREATE TABLE a (x INT)\n", wantErr: "does not end with ';'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := store.SplitMigration(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestUpgradeFrom0001 builds a database as the first release left it, with
// rows in it, then opens it with the full migration set.
func TestUpgradeFrom0001(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Driver, func(t *testing.T) {
			ctx := t.Context()
			dsn := b.DSN(t)
			old, err := store.OpenAtVersion(ctx, b.Driver, dsn, 1)
			if err != nil {
				t.Fatalf("open at version 1: %v", err)
			}
			migs, err := old.Migrations(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if migs[0].AppliedAt.IsZero() || !migs[1].AppliedAt.IsZero() {
				t.Fatalf("old database migrations = %+v, want only 0001 applied", migs)
			}
			if _, err := old.State(ctx, "x"); err == nil {
				t.Fatal("the state table exists at version 1; the test would prove nothing")
			}
			// Rows as the old release wrote them, in its columns only.
			for _, q := range []string{
				`INSERT INTO feeds (id, url, name, origin, next_check, primed) VALUES (1, 'https://old.example/feed', 'Old', 'config', 1000, TRUE)`,
				`INSERT INTO routes (feed_id, platform, channel) VALUES (1, 'discord', '42')`,
				`INSERT INTO articles (id, feed_id, key, title, hash) VALUES (7, 1, 'k1', 'Old news', 'h1')`,
				`INSERT INTO posts (article_id, platform, channel, message, thread) VALUES (7, 'discord', '42', 'm1', 'm1')`,
				`INSERT INTO outbox (kind, platform, channel, article_id, key) VALUES ('post_article', 'matrix', '!r:x', 7, 'old-key')`,
			} {
				if err := old.Exec(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if err := old.Close(); err != nil {
				t.Fatal(err)
			}

			db, err := store.Open(ctx, b.Driver, dsn)
			if err != nil {
				t.Fatalf("open with every migration: %v", err)
			}
			defer db.Close()
			migs, _ = db.Migrations(ctx)
			for _, m := range migs {
				if m.AppliedAt.IsZero() {
					t.Errorf("migration %s not applied after the upgrade", m.Name)
				}
			}
			f, err := db.Feed(ctx, 1)
			if err != nil || f.Name != "Old" || !f.Primed {
				t.Fatalf("old feed after upgrade = %+v, %v", f, err)
			}
			if a, err := db.Article(ctx, 7); err != nil || a.Title != "Old news" {
				t.Errorf("old article after upgrade = %+v, %v", a, err)
			}
			if p, err := db.Posts(ctx, 7); err != nil || len(p) != 1 || p[0].Message != "m1" {
				t.Errorf("old posts after upgrade = %+v, %v", p, err)
			}
			// The new lease columns work on old rows.
			leased, err := db.LeaseDueFeeds(ctx, "new", t0, time.Minute, 10)
			if err != nil || len(leased) != 1 || leased[0].ID != 1 {
				t.Errorf("leasing the old feed = %+v, %v", leased, err)
			}
			rows, err := db.ClaimOutbox(ctx, "new", nil, t0, time.Minute, 10)
			if err != nil || len(rows) != 1 || rows[0].Key != "old-key" {
				t.Errorf("claiming the old outbox row = %+v, %v", rows, err)
			}
			if err := db.SetState(ctx, "since", "s1"); err != nil {
				t.Errorf("the new state table: %v", err)
			}
			// The old feed still dedups: its article is known.
			res, err := db.Ingest(ctx, 1, []bot.Incoming{{Article: bot.Article{Key: "k1", Title: "Old news", Hash: "h1"}}})
			if err != nil || res[0].Outcome != bot.ArticleUnchanged {
				t.Errorf("re-ingest of the old article = %+v, %v; want unchanged", res, err)
			}
			// Migrating again does nothing.
			if applied, err := db.Migrate(ctx); err != nil || len(applied) != 0 {
				t.Errorf("Migrate on an up-to-date store applied %v, %v", applied, err)
			}
		})
	}
}

// TestRefusesNewerSchema: an older herald must not run on a schema it does
// not know.
func TestRefusesNewerSchema(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Driver, func(t *testing.T) {
			ctx := t.Context()
			dsn := b.DSN(t)
			db, err := store.Open(ctx, b.Driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 1)`); err != nil {
				t.Fatal(err)
			}
			db.Close()
			_, err = store.Open(ctx, b.Driver, dsn)
			if err == nil || !strings.Contains(err.Error(), "newer than this herald knows") {
				t.Errorf("Open of a newer schema: got %v, want a clear refusal", err)
			}
		})
	}
}

// TestConcurrentOpen: several instances starting at once on an empty
// database all succeed, and the migrations run once.
func TestConcurrentOpen(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Driver, func(t *testing.T) {
			ctx := t.Context()
			dsn := b.DSN(t)
			const n = 4
			var wg sync.WaitGroup
			errs := make([]error, n)
			dbs := make([]*store.DB, n)
			for i := range n {
				wg.Go(func() { dbs[i], errs[i] = store.Open(ctx, b.Driver, dsn) })
			}
			wg.Wait()
			for i := range n {
				if errs[i] != nil {
					t.Errorf("instance %d: %v", i, errs[i])
					continue
				}
				defer dbs[i].Close()
			}
			if t.Failed() {
				return
			}
			migs, err := dbs[0].Migrations(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range migs {
				if m.AppliedAt.IsZero() {
					t.Errorf("%s not applied", m.Name)
				}
			}
		})
	}
}

// TestDialectsHaveTheSameColumns guards the per-dialect statements of the
// migrations against drifting apart.
func TestDialectsHaveTheSameColumns(t *testing.T) {
	ctx := t.Context()
	lite, err := storetest.Open(t).Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := storetest.OpenPostgres(t).Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	diff := func(a, b map[string]bool) []string {
		var out []string
		for c := range a {
			if !b[c] {
				out = append(out, c)
			}
		}
		sort.Strings(out)
		return out
	}
	if only := diff(lite, pg); len(only) > 0 {
		t.Errorf("columns only in SQLite: %v", only)
	}
	if only := diff(pg, lite); len(only) > 0 {
		t.Errorf("columns only in PostgreSQL: %v", only)
	}
	if len(lite) < 100 {
		t.Errorf("only %d columns found; the schema query is broken", len(lite))
	}
}

// TestTwoConnectionsOneSQLiteFile: two stores on one file (as a second
// process would be) write at once without SQLITE_BUSY and without handing
// a row to both.
func TestTwoConnectionsOneSQLiteFile(t *testing.T) {
	ctx := t.Context()
	path := storetest.SQLitePath(t)
	var dbs [2]*store.DB
	for i := range dbs {
		db, err := store.Open(ctx, store.SQLite, path)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer db.Close()
		dbs[i] = db
	}
	art := seedArticle(t, dbs[0], "shared")
	const nRows = 100
	var rows []bot.OutboxRow
	for i := range nRows {
		rows = append(rows, postRow(art, discord(fmt.Sprint(i))))
	}
	if err := dbs[1].Enqueue(ctx, rows...); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	claims := map[int64]int{}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		db := dbs[w%2]
		owner := fmt.Sprintf("w%d", w)
		wg.Go(func() {
			for i := 0; ; i++ {
				got, err := db.ClaimOutbox(ctx, owner, nil, t0, time.Hour, 3)
				if err != nil {
					errs <- fmt.Errorf("%s claim: %w", owner, err)
					return
				}
				if len(got) == 0 {
					return
				}
				for _, r := range got {
					mu.Lock()
					claims[r.ID]++
					mu.Unlock()
					if err := db.CompletePost(ctx, r.ID, bot.PostRef{Place: r.Target, Message: bot.RemoteID("m" + r.Target.Channel)}); err != nil {
						errs <- fmt.Errorf("%s complete: %w", owner, err)
						return
					}
				}
				if err := db.SetState(ctx, "last."+owner, fmt.Sprint(i)); err != nil {
					errs <- fmt.Errorf("%s state: %w", owner, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(claims) != nRows {
		t.Errorf("%d rows claimed, want %d", len(claims), nRows)
	}
	for id, n := range claims {
		if n != 1 {
			t.Errorf("row %d claimed %d times", id, n)
		}
	}
	if posts, _ := dbs[0].Posts(ctx, art); len(posts) != nRows {
		t.Errorf("%d posts recorded, want %d", len(posts), nRows)
	}
}
