// Package dendritetest runs a real Dendrite Matrix homeserver for tests: it
// builds the pinned version from tools/dendrite (cached between runs),
// configures it for loopback-only use with no federation and registration
// only by shared secret, starts it on a free 127.0.0.1 port, and creates
// users. Tests in any package can share one server per test binary.
package dendritetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Server is one running (or stopped) Dendrite with its data directory.
type Server struct {
	// URL is the homeserver's base URL, http://127.0.0.1:PORT. It stays the
	// same across Restart so clients can reconnect.
	URL string
	// ServerName is the Matrix server name in user ids (@alice:localhost).
	ServerName string

	bin, dir, config, secret string
	addr                     string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	log  *lockedBuffer // what dendrite printed, for failure messages
}

// startTimeout bounds how long a start may take before it is an error;
// Dendrite on SQLite usually answers in about a second.
const startTimeout = 90 * time.Second

// Launch builds (if needed), configures and starts a Dendrite whose data lives
// in dir. The caller must Close it.
func Launch(ctx context.Context, dir string, c Config) (*Server, error) {
	bin, err := Binaries(ctx)
	if err != nil {
		return nil, err
	}
	config, secret, err := writeConfig(ctx, bin, dir, c)
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		ServerName: "localhost",
		bin:        bin,
		dir:        dir,
		config:     config,
		secret:     secret,
		addr:       net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		log:        &lockedBuffer{},
	}
	s.URL = "http://" + s.addr
	if err := s.Start(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Start starts a stopped server on its port and waits until it answers.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("dendrite: already running")
	}
	cmd := exec.Command(filepath.Join(s.bin, "dendrite"),
		"-config", s.config,
		"-http-bind-address", s.addr,
		// Only served with -tls-cert; pinned to loopback all the same.
		"-https-bind-address", "127.0.0.1:0",
	)
	cmd.Dir = s.dir
	cmd.Env = childEnv()
	cmd.Stdout = s.log
	cmd.Stderr = s.log
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start dendrite: %w", err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait() //nolint:errcheck // the exit shows in the log and in waitReady
		close(done)
	}()
	s.cmd, s.done = cmd, done
	if err := s.waitReady(ctx, done); err != nil {
		s.stopLocked()
		return err
	}
	if err := checkLoopbackOnly(cmd.Process.Pid); err != nil {
		s.stopLocked()
		return err
	}
	return nil
}

// Stop shuts the server down gracefully (SIGTERM, then SIGKILL after 15s).
// Its data stays, so Start brings it back with the same rooms and users.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
}

// Kill stops the server with SIGKILL, like a crash.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill() //nolint:errcheck // it may have exited already
	<-s.done
	s.cmd, s.done = nil, nil
}

func (s *Server) stopLocked() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // it may have exited already
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill() //nolint:errcheck
		<-s.done
	}
	s.cmd, s.done = nil, nil
}

// Restart stops the server gracefully and starts it again on the same port.
func (s *Server) Restart(ctx context.Context) error {
	s.Stop()
	return s.Start(ctx)
}

// Close stops the server. The data directory belongs to the caller.
func (s *Server) Close() { s.Stop() }

// Log returns what Dendrite printed so far, for failure messages.
func (s *Server) Log() string { return s.log.String() }

// waitReady polls /_matrix/client/versions until it answers 200.
func (s *Server) waitReady(ctx context.Context, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	url := s.URL + "/_matrix/client/versions"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("dendrite: %w", err)
		}
		if res, err := client.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("dendrite exited while starting on %s; its log:\n%s", s.addr, tail(s.Log(), 4000))
		case <-ctx.Done():
			return fmt.Errorf("dendrite did not answer %s: %w; its log:\n%s", url, ctx.Err(), tail(s.Log(), 4000))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// freePort asks the kernel for a free loopback port. Another process could
// take it before Dendrite binds; Start then fails and says so.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// childEnv is the environment Dendrite runs with: ours, minus what would
// make it listen elsewhere (PPROFLISTEN starts a profiling server).
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if bytes.HasPrefix([]byte(kv), []byte("PPROFLISTEN=")) {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// lockedBuffer collects a process's output safely across goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	// Keep the last megabyte or so: a long test must not grow it forever.
	if b.buf.Len() > 1<<20 {
		rest := append([]byte(nil), b.buf.Bytes()[b.buf.Len()/2:]...)
		b.buf.Reset()
		b.buf.Write(rest)
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
