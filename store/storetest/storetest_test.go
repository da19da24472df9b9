package storetest

import (
	"fmt"
	"strings"
	"testing"
)

// recorder stands in for a test so findPostgres's Skip and Fatal can be
// observed instead of ending this test.
type recorder struct {
	testing.TB
	skipped, failed string
}

type stopped struct{}

func (r *recorder) Helper()           {}
func (r *recorder) Skip(args ...any)  { r.skipped = fmt.Sprint(args...); panic(stopped{}) }
func (r *recorder) Fatal(args ...any) { r.failed = fmt.Sprint(args...); panic(stopped{}) }

func (r *recorder) run(fn func(testing.TB)) {
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(stopped); !ok {
				panic(v)
			}
		}
	}()
	fn(r)
}

// TestMissingPostgres: with no database answering, a test skips, except
// under CI=true where it fails.
func TestMissingPostgres(t *testing.T) {
	// Port 1 on loopback: nothing listens, so the connection is refused.
	t.Setenv("HERALD_TEST_POSTGRES", "postgres://nobody@127.0.0.1:1/test?sslmode=disable&connect_timeout=2")
	tests := []struct {
		ci                   string
		wantSkip, wantFailed bool
	}{
		{ci: "", wantSkip: true},
		{ci: "false", wantSkip: true},
		{ci: "true", wantFailed: true},
	}
	for _, tt := range tests {
		t.Setenv("CI", tt.ci)
		r := &recorder{TB: t}
		r.run(func(tb testing.TB) { PostgresDSN(tb) })
		if (r.skipped != "") != tt.wantSkip || (r.failed != "") != tt.wantFailed {
			t.Errorf("CI=%q: skipped %q, failed %q; want skip=%t fail=%t", tt.ci, r.skipped, r.failed, tt.wantSkip, tt.wantFailed)
		}
		if msg := r.skipped + r.failed; !strings.Contains(msg, "PostgreSQL not reachable") || !strings.Contains(msg, "127.0.0.1:1") {
			t.Errorf("CI=%q: message %q does not say what was tried", tt.ci, msg)
		}
	}
}
