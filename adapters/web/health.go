// Package web serves Herald's HTTP side: health, the article pages, the JSON
// API and metrics.
package web

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Probe reports one component's health: a short state word ("ok",
// "connected", "not configured") and an error when it is unhealthy.
type Probe func(ctx context.Context) (state string, err error)

// Health holds the named probes shown by /healthz and /readyz.
type Health struct {
	mu     sync.RWMutex
	probes map[string]Probe
}

// NewHealth makes an empty set of probes.
func NewHealth() *Health { return &Health{probes: map[string]Probe{}} }

// Add registers (or replaces) a probe.
func (h *Health) Add(name string, p Probe) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.probes[name] = p
}

type componentStatus struct {
	Name  string `json:"name"`
	State string `json:"state"`
	Error string `json:"error,omitempty"`
}

type healthReport struct {
	Status     string            `json:"status"` // "ok" or "degraded"
	Components []componentStatus `json:"components"`
}

func (h *Health) report(ctx context.Context) healthReport {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	h.mu.RLock()
	names := make([]string, 0, len(h.probes))
	for n := range h.probes {
		names = append(names, n)
	}
	probes := make([]Probe, len(names))
	sort.Strings(names)
	for i, n := range names {
		probes[i] = h.probes[n]
	}
	h.mu.RUnlock()

	r := healthReport{Status: "ok", Components: make([]componentStatus, len(names))}
	for i, n := range names {
		state, err := probes[i](ctx)
		c := componentStatus{Name: n, State: state}
		if err != nil {
			c.Error = err.Error()
			r.Status = "degraded"
		}
		r.Components[i] = c
	}
	return r
}

// ServeLive answers /healthz: 200 while the process is up, with every
// component's state in the body.
func (h *Health) ServeLive(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, h.report(r.Context()))
}

// ServeReady answers /readyz: 503 unless every component is healthy.
func (h *Health) ServeReady(w http.ResponseWriter, r *http.Request) {
	rep := h.report(r.Context())
	code := http.StatusOK
	if rep.Status != "ok" {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, rep)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
