package store

import "context"

// Hooks for the external tests in store_test: build an old database, and
// look at the schema and rows below the Store interface.

// OpenAtVersion opens a store and migrates it only up to version.
func OpenAtVersion(ctx context.Context, driver, dsn string, version int) (*DB, error) {
	db, err := open(ctx, driver, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := db.migrateTo(ctx, version); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Exec runs a statement on the writer.
func (d *DB) Exec(ctx context.Context, q string, args ...any) error {
	_, err := d.write.ExecContext(ctx, q, args...)
	return err
}

// Columns lists "table.column" for every table of the schema.
func (d *DB) Columns(ctx context.Context) (map[string]bool, error) {
	q := `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'`
	if d.driver == Postgres {
		q = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	}
	rows, err := d.read.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, err
		}
		out[t+"."+c] = true
	}
	return out, rows.Err()
}

// SplitMigration exposes the marker parser.
var SplitMigration = splitMigration

// Pragma reads one SQLite pragma on the writer and on a reader connection.
func (d *DB) Pragma(ctx context.Context, name string) (write, read string, err error) {
	if err := d.write.QueryRowContext(ctx, "PRAGMA "+name).Scan(&write); err != nil {
		return "", "", err
	}
	if err := d.read.QueryRowContext(ctx, "PRAGMA "+name).Scan(&read); err != nil {
		return "", "", err
	}
	return write, read, nil
}

// CountRows counts the rows of a table.
func (d *DB) CountRows(ctx context.Context, table string) (int, error) {
	var n int
	err := d.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n)
	return n, err
}
