package dendritetest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// commands are the Dendrite programs the harness runs.
var commands = []string{"dendrite", "generate-config", "generate-keys", "create-account"}

// toolsDir finds tools/dendrite, the separate module that pins Dendrite, by
// walking up from the working directory (a test runs in its package's
// directory, somewhere below the repository root).
func toolsDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find tools/dendrite: %w", err)
	}
	for {
		candidate := filepath.Join(dir, "tools", "dendrite", "go.mod")
		if _, err := os.Stat(candidate); err == nil {
			return filepath.Dir(candidate), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find tools/dendrite: no tools/dendrite/go.mod above the working directory")
		}
		dir = parent
	}
}

// pinnedVersion reads the Dendrite version the tools module requires.
func pinnedVersion(tools string) (string, error) {
	path := filepath.Join(tools, "go.mod")
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("read dendrite version: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "require "))
		if len(fields) >= 2 && fields[0] == "github.com/matrix-org/dendrite" {
			return fields[1], nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("read dendrite version from %s: %w", path, err)
	}
	return "", fmt.Errorf("read dendrite version: %s does not require github.com/matrix-org/dendrite", path)
}

// cacheRoot is where built tools live between runs; tools/dendrite/build.sh
// uses the same place.
func cacheRoot() (string, error) {
	if dir := os.Getenv("HERALD_TOOLS_CACHE"); dir != "" {
		return dir, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the tools cache (set HERALD_TOOLS_CACHE): %w", err)
	}
	return filepath.Join(dir, "herald"), nil
}

// Binaries returns the directory holding the Dendrite programs, building
// them from tools/dendrite when any is missing. Concurrent test binaries
// (go test runs packages in parallel) serialize on a lock file shared with
// tools/dendrite/build.sh, so only one of them builds.
func Binaries(ctx context.Context) (string, error) {
	tools, err := toolsDir()
	if err != nil {
		return "", err
	}
	version, err := pinnedVersion(tools)
	if err != nil {
		return "", err
	}
	cache, err := cacheRoot()
	if err != nil {
		return "", err
	}
	root := filepath.Join(cache, "dendrite-"+version)
	bin := filepath.Join(root, "bin")
	if missing(bin) == nil {
		return bin, nil
	}
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return "", fmt.Errorf("build dendrite: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(root, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("build dendrite: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("build dendrite: lock %s: %w", lock.Name(), err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck // closing the file unlocks too

	todo := missing(bin)
	if todo == nil {
		return bin, nil // another process built them while we waited
	}
	tmp, err := os.MkdirTemp(root, "build.")
	if err != nil {
		return "", fmt.Errorf("build dendrite: %w", err)
	}
	defer os.RemoveAll(tmp)
	args := []string{"build", "-trimpath", "-o", tmp + string(filepath.Separator)}
	for _, c := range todo {
		args = append(args, "github.com/matrix-org/dendrite/cmd/"+c)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = tools
	// The tools module's own go.sum is the lock; Herald's go.mod is never read.
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build dendrite %s in %s: %w\n%s", version, tools, err, out)
	}
	for _, c := range todo {
		if err := os.Rename(filepath.Join(tmp, c), filepath.Join(bin, c)); err != nil {
			return "", fmt.Errorf("build dendrite: %w", err)
		}
	}
	return bin, nil
}

// missing lists the programs not yet built in bin, nil when all are there.
func missing(bin string) []string {
	var out []string
	for _, c := range commands {
		if fi, err := os.Stat(filepath.Join(bin, c)); err != nil || fi.Mode()&0o111 == 0 {
			out = append(out, c)
		}
	}
	return out
}
