package dendritetest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// Start runs a Dendrite of its own for one test and stops it at cleanup.
// When Dendrite cannot be built or started the test is skipped, except
// under CI=true where that is a failure.
func Start(t testing.TB, c Config) *Server {
	t.Helper()
	if reason := skipReason(); reason != "" {
		unavailable(t, reason)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	s, err := Launch(ctx, t.TempDir(), c)
	if err != nil {
		unavailable(t, err.Error())
	}
	t.Cleanup(func() {
		s.Close()
		if t.Failed() {
			t.Logf("dendrite log (tail):\n%s", tail(s.Log(), 64000))
		}
	})
	return s
}

// User creates a user on s or ends the test.
func (s *Server) User(t testing.TB, localpart string) User {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	u, err := s.CreateUser(ctx, localpart)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Shared is one Dendrite for a whole test binary, started by the first test
// that asks for it. Use it from TestMain:
//
//	var homeserver = dendritetest.NewShared(dendritetest.Config{})
//	func TestMain(m *testing.M) { os.Exit(homeserver.Run(m)) }
//
// Tests that stop or restart the server should Start their own instead.
type Shared struct {
	config Config
	once   sync.Once
	dir    string
	srv    *Server
	err    error
	users  sync.Mutex
	serial int
}

// NewShared prepares a shared server; nothing starts until Server is called.
func NewShared(c Config) *Shared { return &Shared{config: c} }

// Server returns the shared server, starting it on first use. When it cannot
// start, the test is skipped (failed under CI=true).
func (sh *Shared) Server(t testing.TB) *Server {
	t.Helper()
	if reason := skipReason(); reason != "" {
		unavailable(t, reason)
	}
	sh.once.Do(func() {
		sh.dir, sh.err = os.MkdirTemp("", "dendritetest-")
		if sh.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		sh.srv, sh.err = Launch(ctx, sh.dir, sh.config)
	})
	if sh.err != nil {
		unavailable(t, sh.err.Error())
	}
	return sh.srv
}

// NewUser creates a user with a unique localpart built from prefix, so
// tests sharing a server never collide.
func (sh *Shared) NewUser(t testing.TB, prefix string) User {
	t.Helper()
	srv := sh.Server(t)
	sh.users.Lock()
	sh.serial++
	n := sh.serial
	sh.users.Unlock()
	return srv.User(t, fmt.Sprintf("%s%d", prefix, n))
}

// Run runs the tests, then stops the shared server and removes its data.
func (sh *Shared) Run(m *testing.M) int {
	code := m.Run()
	if sh.srv != nil {
		sh.srv.Close()
		if code != 0 {
			fmt.Fprintf(os.Stderr, "dendrite log (tail):\n%s\n", tail(sh.srv.Log(), 8000))
		}
	}
	if sh.dir != "" {
		os.RemoveAll(sh.dir)
	}
	return code
}

// skipReason says why Dendrite tests should not run here, or "".
func skipReason() string {
	if testing.Short() && os.Getenv("CI") != "true" {
		return "-short: not starting a Dendrite homeserver"
	}
	return ""
}

// unavailable skips the test, or fails it under CI=true where a missing
// homeserver must not pass for a green run.
func unavailable(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("dendrite homeserver unavailable (CI=true makes this fatal): %s", reason)
	}
	t.Skipf("dendrite homeserver unavailable, skipping (set CI=true to make this fatal): %s", reason)
}
