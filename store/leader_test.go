package store_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// leaders tracks which contenders are leading right now.
type leaders struct {
	mu      sync.Mutex
	now     map[int]bool
	starts  map[int]int
	changed chan struct{}
}

func (l *leaders) set(i int, on bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if on {
		l.starts[i]++
	}
	l.now[i] = on
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

// current returns the leading contenders.
func (l *leaders) current() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []int
	for i, on := range l.now {
		if on {
			out = append(out, i)
		}
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLeadPostgresFailover runs three contenders on one schema: exactly
// one leads; when its database session dies (terminated by the server, as
// when its process is killed) another takes over and the old one stops.
// A contender on another schema leads independently.
func TestLeadPostgresFailover(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	l := &leaders{now: map[int]bool{}, starts: map[int]int{}, changed: make(chan struct{}, 1)}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	contend := func(i int, dsn string) {
		db, err := store.Open(ctx, store.Postgres, dsn)
		if err != nil {
			t.Fatalf("open contender %d: %v", i, err)
		}
		t.Cleanup(func() { db.Close() })
		wg.Go(func() {
			errs <- db.Lead(ctx, "test_role", store.LeaderOptions{Retry: 100 * time.Millisecond}, func(ctx context.Context) error {
				l.set(i, true)
				<-ctx.Done()
				l.set(i, false)
				return nil
			})
		})
	}
	for i := range 3 {
		contend(i, dsn)
	}
	contend(3, storetest.PostgresDSN(t)) // another schema

	isLeader := func(i int) bool {
		for _, c := range l.current() {
			if c == i {
				return true
			}
		}
		return false
	}
	waitFor(t, "the other schema's contender to lead", func() bool { return isLeader(3) })
	var first int
	waitFor(t, "a leader on the shared schema", func() bool {
		for _, c := range l.current() {
			if c != 3 {
				first = c
				return true
			}
		}
		return false
	})
	// Several retry periods later still exactly one leads there.
	time.Sleep(500 * time.Millisecond)
	if got := l.current(); len(got) != 2 {
		t.Fatalf("leaders after 0.5s: got %v, want contender %d and the other schema's 3", got, first)
	}

	// Kill the leader's session from the server side.
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var killed int
	err = admin.QueryRowContext(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_locks
WHERE locktype = 'advisory' AND granted AND objid = (hashtextextended('test_role/' || current_schema(), 0) & 4294967295)::oid`).Scan(&killed)
	if err != nil || killed != 1 {
		t.Fatalf("terminate the leader's session: killed %d, err %v", killed, err)
	}
	waitFor(t, "another contender to take over", func() bool {
		cur := l.current()
		return len(cur) == 2 && !isLeader(first)
	})
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Lead returned %v, want nil after ctx ends", err)
		}
	}
}

// TestLeadSQLiteAlwaysLeads: one process per SQLite file, so it leads.
func TestLeadSQLiteAlwaysLeads(t *testing.T) {
	db := storetest.Open(t)
	ran := false
	err := db.Lead(t.Context(), "test_role", store.LeaderOptions{}, func(ctx context.Context) error {
		ran = true
		return nil
	})
	if err != nil || !ran {
		t.Fatalf("Lead on SQLite: ran %v, err %v; want it run and nil", ran, err)
	}
}
