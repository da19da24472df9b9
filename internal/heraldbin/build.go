// Package heraldbin builds the herald command for tests that run it as a
// separate process (the daemon, the CLI, crash and cluster rounds).
package heraldbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	once  sync.Once
	built string
	err   error
)

// Build builds github.com/heraldchat/herald once per test binary and
// returns the executable's path; the build cache makes it cheap across
// packages. The binary stays in a temporary directory for the whole test
// binary's life, since tests share it.
func Build(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		dir, mkErr := os.MkdirTemp("", "herald-bin-")
		if mkErr != nil {
			err = mkErr
			return
		}
		built = filepath.Join(dir, "herald")
		if out, buildErr := exec.Command("go", "build", "-o", built, "github.com/heraldchat/herald").CombinedOutput(); buildErr != nil {
			err = fmt.Errorf("go build herald: %v\n%s", buildErr, out)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return built
}
