package store

import (
	"bufio"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one versioned file, already split per dialect.
type migration struct {
	version int
	name    string              // the file name, e.g. "0002_leases.sql"
	stmts   map[string][]string // driver → statements in order
}

// Migration is one migration and whether this database has it.
type Migration struct {
	Version   int
	Name      string
	AppliedAt time.Time // zero when not applied yet
}

// migrateLockKey serializes migrations of several instances starting at
// once on one PostgreSQL (any number works; this one spells "herald").
const migrateLockKey = 0x68657261_6c64

// loadMigrations reads and parses the embedded migration set.
func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	var out []migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || path.Ext(name) != ".sql" {
			continue
		}
		prefix, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(prefix)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a version number and '_', like 0003_name.sql", name)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", other, name, v)
		}
		seen[v] = name
		body, err := migrationFiles.ReadFile("migrations/" + name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		stmts, err := splitMigration(string(body))
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", name, err)
		}
		out = append(out, migration{version: v, name: name, stmts: stmts})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// splitMigration splits a migration into statements per dialect. A line
// "-- only: sqlite|postgres|all" switches the dialect of what follows (the
// file starts in "all"); a statement ends with a line ending in ';'. Our
// migrations hold no semicolons inside strings or bodies, so a line-based
// split is enough and every statement runs (and fails) on its own, which
// makes errors point at the right place.
func splitMigration(body string) (map[string][]string, error) {
	out := map[string][]string{}
	targets := []string{SQLite, Postgres}
	var cur strings.Builder
	sc := bufio.NewScanner(strings.NewReader(body))
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(text, "-- only:"); ok {
			if strings.TrimSpace(cur.String()) != "" {
				return nil, fmt.Errorf("line %d: dialect marker inside an unfinished statement", line)
			}
			switch d := strings.TrimSpace(rest); d {
			case SQLite, Postgres:
				targets = []string{d}
			case "all":
				targets = []string{SQLite, Postgres}
			default:
				return nil, fmt.Errorf("line %d: unknown dialect %q (use sqlite, postgres or all)", line, d)
			}
			continue
		}
		if text == "" || strings.HasPrefix(text, "--") {
			continue
		}
		cur.WriteString(sc.Text())
		cur.WriteByte('\n')
		if strings.HasSuffix(text, ";") {
			for _, t := range targets {
				out[t] = append(out[t], cur.String())
			}
			cur.Reset()
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(cur.String()) != "" {
		return nil, errors.New("the last statement does not end with ';'")
	}
	return out, nil
}

// Migrate applies every pending migration, each in its own transaction, and
// returns the names of those it applied. Open calls it; calling it again is
// harmless. Several processes may migrate at once: they take turns.
func (d *DB) Migrate(ctx context.Context) ([]string, error) {
	return d.migrateTo(ctx, int(^uint(0)>>1))
}

// migrateTo applies pending migrations up to and including version target.
// Tests use it to build an old database.
func (d *DB) migrateTo(ctx context.Context, target int) ([]string, error) {
	migs, err := loadMigrations()
	if err != nil {
		return nil, err
	}
	if err := d.inTx(ctx, func(tx *sql.Tx) error {
		if err := d.lockMigrations(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at BIGINT  NOT NULL
)`)
		return err
	}); err != nil {
		return nil, fmt.Errorf("migrate %s store: create schema_migrations: %w", d.driver, err)
	}
	var newest int
	if err := d.write.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
		return nil, fmt.Errorf("migrate %s store: read schema version: %w", d.driver, err)
	}
	if known := migs[len(migs)-1].version; newest > known {
		return nil, fmt.Errorf("migrate %s store: the database is at schema version %d, newer than this herald knows (%d): run a newer herald", d.driver, newest, known)
	}
	var applied []string
	for _, m := range migs {
		if m.version > target {
			break
		}
		did := false
		err := d.inTx(ctx, func(tx *sql.Tx) error {
			if err := d.lockMigrations(ctx, tx); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
				return fmt.Errorf("check: %w", err)
			}
			if n > 0 {
				return nil // applied earlier, or by another instance just now
			}
			for i, stmt := range m.stmts[d.driver] {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("statement %d (%s): %w", i+1, firstLine(stmt), err)
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.version, m.name, nowMS()); err != nil {
				return fmt.Errorf("record: %w", err)
			}
			did = true
			return nil
		})
		if err != nil {
			return applied, fmt.Errorf("migrate %s store: %s: %w", d.driver, m.name, err)
		}
		if did {
			applied = append(applied, m.name)
		}
	}
	return applied, nil
}

// lockMigrations makes concurrent migrators on PostgreSQL wait for each
// other until the transaction ends. SQLite's BEGIN IMMEDIATE already did.
func (d *DB) lockMigrations(ctx context.Context, tx *sql.Tx) error {
	if d.driver != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrateLockKey)); err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	return nil
}

// Migrations lists the known migrations and when each was applied here,
// for `herald migrate` to show.
func (d *DB) Migrations(ctx context.Context) ([]Migration, error) {
	migs, err := loadMigrations()
	if err != nil {
		return nil, err
	}
	rows, err := d.read.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("list migrations of %s store: %w", d.driver, err)
	}
	defer rows.Close()
	at := map[int]int64{}
	for rows.Next() {
		var v int
		var t int64
		if err := rows.Scan(&v, &t); err != nil {
			return nil, fmt.Errorf("list migrations of %s store: %w", d.driver, err)
		}
		at[v] = t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list migrations of %s store: %w", d.driver, err)
	}
	out := make([]Migration, 0, len(migs))
	for _, m := range migs {
		out = append(out, Migration{Version: m.version, Name: m.name, AppliedAt: fromMS(at[m.version])})
	}
	return out, nil
}

func firstLine(stmt string) string {
	s, _, _ := strings.Cut(strings.TrimSpace(stmt), "\n")
	return s
}
