// Package storetest gives other packages' tests a real, migrated store in
// one line: SQLite in a temporary directory, or PostgreSQL in a schema of
// its own that is dropped when the test ends.
//
// PostgreSQL is looked for at $HERALD_TEST_POSTGRES, else
// postgres://postgres@127.0.0.1:5432/test, else the same as user root. When
// none answers the test is skipped, except under CI=true, where it fails:
// CI must not pass by skipping the database it is meant to check.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for creating schemas

	"github.com/heraldchat/herald/store"
)

// Backend is one kind of database a test can run on.
type Backend struct {
	Driver string // store.SQLite or store.Postgres
	// DSN prepares an empty database for t (a fresh file or schema, removed
	// when t ends) and returns what store.Open takes. It skips or fails t
	// when the database is not there.
	DSN func(t testing.TB) string
}

// Open opens a migrated store from the backend for t, closed when t ends.
func (b Backend) Open(t testing.TB) *store.DB {
	t.Helper()
	return open(t, b.Driver, b.DSN(t))
}

// Backends lists SQLite and PostgreSQL.
func Backends() []Backend {
	return []Backend{
		{Driver: store.SQLite, DSN: SQLitePath},
		{Driver: store.Postgres, DSN: PostgresDSN},
	}
}

// Each runs fn as a subtest on a fresh store of every backend.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Driver, func(t *testing.T) { fn(t, b.Open(t)) })
	}
}

// Open returns a migrated SQLite store in a temporary directory.
func Open(t testing.TB) *store.DB {
	t.Helper()
	return open(t, store.SQLite, SQLitePath(t))
}

// OpenPostgres returns a migrated PostgreSQL store in a schema of its own.
func OpenPostgres(t testing.TB) *store.DB {
	t.Helper()
	return open(t, store.Postgres, PostgresDSN(t))
}

func open(t testing.TB, driver, dsn string) *store.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := store.Open(ctx, driver, dsn)
	if err != nil {
		t.Fatalf("open %s store: %v", driver, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close %s store: %v", driver, err)
		}
	})
	return db
}

// SQLitePath returns a database file path in a fresh temporary directory.
func SQLitePath(t testing.TB) string {
	return filepath.Join(t.TempDir(), "herald.db")
}

// PostgresDSN creates an empty schema for t, dropped when t ends, and
// returns a connection URL whose search_path points at it.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base, admin := findPostgres(t)
	schema := "herald_test_" + randomHex(t, 8)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("create postgres schema %s: %v", schema, err)
	}
	admin.Close()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := sql.Open("pgx", base)
		if err != nil {
			t.Errorf("drop postgres schema %s: %v", schema, err)
			return
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop postgres schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("postgres URL %q: %v", base, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// findPostgres returns the first URL that answers and an open pool on it.
func findPostgres(t testing.TB) (string, *sql.DB) {
	t.Helper()
	candidates := []string{
		"postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		"postgres://root@127.0.0.1:5432/test?sslmode=disable",
	}
	if env := os.Getenv("HERALD_TEST_POSTGRES"); env != "" {
		candidates = []string{env}
	}
	var errs []string
	for _, dsn := range candidates {
		db, err := sql.Open("pgx", dsn)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err = db.PingContext(ctx)
			cancel()
			if err == nil {
				return dsn, db
			}
			db.Close()
		}
		errs = append(errs, fmt.Sprintf("%s: %v", redact(dsn), err))
	}
	msg := fmt.Sprintf("PostgreSQL not reachable (%v); start it or set HERALD_TEST_POSTGRES", errs)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " — CI=true requires it")
	}
	t.Skip(msg)
	return "", nil
}

// redact hides a password in a URL before it reaches a test log.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random schema name: %v", err)
	}
	return hex.EncodeToString(b)
}
