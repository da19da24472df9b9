package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// migrateCommand applies pending migrations to the configured database and
// lists where the schema stands.
func migrateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", "migrate [-config FILE] [-data DIR]", stderr)
	path := fs.String("config", "", "config `FILE` (default: herald.yaml when it exists, else built-in defaults)")
	dataDir := fs.String("data", "data", "data `DIR` holding the SQLite database")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg, err := loadRunConfig(*path)
	if err != nil {
		return err
	}
	started := time.Now()
	// Opening migrates: pending migrations are applied in order, each in
	// its own transaction.
	db, err := openStore(ctx, cfg, *dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	migs, err := db.Migrations(ctx)
	if err != nil {
		return err
	}
	for _, m := range migs {
		state := "pending"
		switch {
		case m.AppliedAt.IsZero():
		case !m.AppliedAt.Before(started.Truncate(time.Millisecond)):
			state = "applied now"
		default:
			state = "applied " + m.AppliedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(stdout, "%04d %-28s %s\n", m.Version, m.Name, state)
	}
	fmt.Fprintf(stdout, "%s database is up to date\n", cfg.Database.Driver)
	return nil
}
