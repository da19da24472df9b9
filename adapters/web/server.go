package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Server is Herald's HTTP server.
type Server struct {
	mux    *http.ServeMux
	health *Health
	log    *slog.Logger
}

// NewServer makes a server with the health endpoints mounted.
func NewServer(health *Health, log *slog.Logger) *Server {
	s := &Server{mux: http.NewServeMux(), health: health, log: log}
	s.mux.HandleFunc("GET /healthz", health.ServeLive)
	s.mux.HandleFunc("GET /readyz", health.ServeReady)
	return s
}

// Handle mounts more routes (pages, API, metrics).
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Handler is the server's root handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Serve listens on addr and serves until ctx ends, then shuts down
// gracefully. ready, if not nil, receives the bound address once listening.
func (s *Server) Serve(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (pick another address with -listen)", addr, err)
	}
	srv := &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve http on %s: %w", addr, err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shut down http: %w", err)
	}
	<-errc
	return nil
}
