// Package store keeps Herald's data in SQLite (modernc.org/sqlite, no cgo)
// or PostgreSQL (pgx through database/sql). Both run the same SQL except
// where a dialect truly differs; one embedded migration set builds and
// upgrades the schema. DB implements bot.Store.
//
// Choices that shape the code:
//   - Times are stored as BIGINT unix milliseconds (UTC, 0 = unset) in both
//     databases, so comparisons are plain numbers and the SQL is shared.
//     Sub-millisecond precision is dropped.
//   - Parameters are written $1, $2… everywhere: PostgreSQL's syntax, which
//     modernc.org/sqlite binds by number too.
//   - A removed feed is a soft-deleted row: its articles keep their feed and
//     re-adding the URL resumes its dedup history and tombstones.
//   - Leases (feeds and outbox rows) are an owner and an expiry, claimed
//     by one UPDATE … RETURNING; PostgreSQL adds FOR UPDATE SKIP LOCKED.
//   - SQLite has one writer connection and a few read-only ones (WAL), so
//     writers queue in Go instead of failing with SQLITE_BUSY.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver

	"github.com/heraldchat/herald/bot"
)

// The drivers Open accepts.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

var _ bot.Store = (*DB)(nil)

// DB is an open store.
type DB struct {
	driver string
	// write runs every statement that changes something. On SQLite it holds
	// a single connection: writers queue inside the process instead of
	// racing for the file lock, so no goroutine ever sees SQLITE_BUSY.
	write *sql.DB
	// read runs plain reads. On SQLite it is a small pool of read-only
	// connections, which WAL lets run beside the writer; on PostgreSQL it is
	// the same pool as write.
	read *sql.DB
	// lockRows ends a SELECT that picks rows to lease. PostgreSQL locks the
	// picked rows and skips rows another instance is leasing right now;
	// SQLite needs nothing, since its one writer runs the whole
	// UPDATE … RETURNING alone.
	lockRows string
}

// sqliteParams configure every SQLite connection. busy_timeout covers a
// second process (or a second Open) on the same file; _txlock=immediate
// takes the write lock at BEGIN, so a transaction never fails half-way when
// it upgrades from reading to writing.
const sqliteParams = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"

// Open connects to a store and applies any pending migrations. driver is
// "sqlite" (dsn is a file path; its directory is created) or "postgres" (dsn
// is a postgres:// URL or a key=value connection string).
func Open(ctx context.Context, driver, dsn string) (*DB, error) {
	db, err := open(ctx, driver, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// open connects without migrating.
func open(ctx context.Context, driver, dsn string) (*DB, error) {
	switch driver {
	case SQLite:
		return openSQLite(ctx, dsn)
	case Postgres:
		return openPostgres(ctx, dsn)
	default:
		return nil, fmt.Errorf("open store: unknown driver %q (use %q or %q)", driver, SQLite, Postgres)
	}
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("open sqlite store: empty file path")
	}
	if strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("open sqlite store %q: give a plain file path (no file: URI, '?' or '#')", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("open sqlite store %q: %w", path, err)
	}
	write, err := sql.Open("sqlite", path+"?"+sqliteParams)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %q: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	write.SetConnMaxLifetime(0)
	// The writer connects first, so the file exists and is in WAL mode
	// before a read-only connection looks at it.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite store %q: %w", path, err)
	}
	read, err := sql.Open("sqlite", path+"?"+sqliteParams+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite store %q for reading: %w", path, err)
	}
	read.SetMaxOpenConns(4)
	read.SetMaxIdleConns(4)
	if err := read.PingContext(ctx); err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("open sqlite store %q for reading: %w", path, err)
	}
	return &DB{driver: SQLite, write: write, read: read}, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	if dsn == "" {
		return nil, errors.New("open postgres store: empty connection string")
	}
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	pool.SetMaxOpenConns(16)
	pool.SetMaxIdleConns(4)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	return &DB{driver: Postgres, write: pool, read: pool, lockRows: "FOR UPDATE SKIP LOCKED"}, nil
}

// Driver says which database this is: "sqlite" or "postgres".
func (d *DB) Driver() string { return d.driver }

// Ping checks that the database answers. On SQLite it asks a reader: the
// one writer may be busy with a long ingest, which is no reason for a
// readiness probe to wait or fail.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	if err := d.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("ping %s store: %w", d.driver, err)
	}
	return nil
}

// Close closes the connections.
func (d *DB) Close() error {
	err := d.write.Close()
	if d.read != d.write {
		err = errors.Join(err, d.read.Close())
	}
	if err != nil {
		return fmt.Errorf("close %s store: %w", d.driver, err)
	}
	return nil
}

// inTx runs fn in a transaction on the writer and commits when fn returns
// nil. fn must finish reading each result set before the next statement:
// a connection runs one statement at a time.
func (d *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback() // the error that matters is fn's
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// queryer is what *sql.DB and *sql.Tx share.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ms turns a time into the stored form: unix milliseconds, 0 for the zero time.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	if m := t.UnixMilli(); m != 0 {
		return m
	}
	// 0 means "not set" (not deleted, not edited); the platforms date
	// events, and one dated the epoch itself must still count as set.
	return 1
}

// fromMS reads the stored form back, in UTC.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// nowMS is the current time in the stored form.
func nowMS() int64 { return time.Now().UnixMilli() }

// nullID stores 0 as NULL, for optional foreign keys.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// placeholders returns "$from, $from+1, …" for n parameters.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// affected reports ErrNotFound when an UPDATE or DELETE touched no row.
func affected(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, bot.ErrNotFound)
	}
	return nil
}
