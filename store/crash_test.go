package store_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// crashEnv names the database a helper process writes to until it is killed.
const crashEnv = "HERALD_STORE_CRASH_HELPER"

// TestCrashHelper is not a test on its own: TestKilledWriter runs the test
// binary again with crashEnv set, and this writes batches until killed.
func TestCrashHelper(t *testing.T) {
	target := os.Getenv(crashEnv)
	if target == "" {
		t.Skip("helper process for TestKilledWriter")
	}
	driver, dsn, _ := strings.Cut(target, "|")
	db, err := store.Open(t.Context(), driver, dsn)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	f, err := db.FeedByURL(t.Context(), "https://crash.example/feed")
	if err != nil {
		fmt.Println("feed:", err)
		os.Exit(2)
	}
	for batch := 0; ; batch++ {
		items := make([]bot.Incoming, 20)
		for i := range items {
			items[i] = bot.Incoming{Article: article(fmt.Sprintf("b%d-%d", batch, i), "h"), Deliveries: deliveries(discord("1"), matrix("!r:x"))}
		}
		if _, err := db.Ingest(t.Context(), f.ID, items); err != nil {
			fmt.Println("ingest:", err)
			os.Exit(2)
		}
		fmt.Printf("batch %d\n", batch)
	}
}

// TestKilledWriter kills a process in the middle of writing (SIGKILL, no
// chance to clean up) and checks the database opens cleanly with every
// batch either whole or absent.
func TestKilledWriter(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Driver, func(t *testing.T) {
			ctx := t.Context()
			dsn := b.DSN(t)
			db, err := store.Open(ctx, b.Driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.AddFeed(ctx, bot.FeedSpec{URL: "https://crash.example/feed"}, bot.FromConfig); err != nil {
				t.Fatal(err)
			}
			db.Close()

			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.v")
			cmd.Env = append(os.Environ(), crashEnv+"="+b.Driver+"|"+dsn)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			batches := 0
			for sc.Scan() && batches < 10 {
				line := sc.Text()
				if strings.HasPrefix(line, "batch ") {
					batches++
				} else if strings.HasPrefix(line, "open:") || strings.HasPrefix(line, "feed:") || strings.HasPrefix(line, "ingest:") {
					t.Fatalf("helper failed: %s", line)
				}
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait() // killed: the error is expected
			if batches < 10 {
				t.Fatalf("helper wrote %d batches before its output ended, want 10", batches)
			}

			db, err = store.Open(ctx, b.Driver, dsn)
			if err != nil {
				t.Fatalf("reopen after kill: %v", err)
			}
			defer db.Close()
			if b.Driver == store.SQLite {
				check, _, err := db.Pragma(ctx, "integrity_check")
				if err != nil || check != "ok" {
					t.Errorf("integrity_check = %q, %v", check, err)
				}
			}
			arts, err := db.CountRows(ctx, "articles")
			if err != nil {
				t.Fatal(err)
			}
			rows, err := db.CountRows(ctx, "outbox")
			if err != nil {
				t.Fatal(err)
			}
			if arts < 10*20 || arts%20 != 0 || rows != 2*arts {
				t.Errorf("after the kill: %d articles, %d outbox rows; want whole batches of 20 (at least 10) and 2 rows each", arts, rows)
			}
		})
	}
}
