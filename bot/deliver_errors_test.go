package bot

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

type rateLimited struct{ after time.Duration }

func (e rateLimited) Error() string             { return "429 too many requests" }
func (e rateLimited) RetryAfter() time.Duration { return e.after }

func TestRetryDelay(t *testing.T) {
	base, limit := time.Second, 16*time.Second
	tests := []struct {
		name    string
		err     error
		attempt int
		lo, hi  time.Duration // inclusive bounds
	}{
		{"first retry", errors.New("boom"), 1, 500 * time.Millisecond, time.Second},
		{"second doubles", errors.New("boom"), 2, time.Second, 2 * time.Second},
		{"fourth", errors.New("boom"), 4, 4 * time.Second, 8 * time.Second},
		{"capped", errors.New("boom"), 30, 8 * time.Second, 16 * time.Second},
		{"platform asks for longer", fmt.Errorf("send: %w", rateLimited{time.Minute}), 1, time.Minute, time.Minute},
		{"platform asks for less", rateLimited{time.Millisecond}, 2, time.Second, 2 * time.Second},
	}
	draws := map[string]func(int64) int64{
		"lowest":  func(int64) int64 { return 0 },
		"highest": func(n int64) int64 { return n - 1 },
	}
	for _, tt := range tests {
		for dname, rnd := range draws {
			got := retryDelay(tt.err, tt.attempt, base, limit, rnd)
			if got < tt.lo || got > tt.hi {
				t.Errorf("%s, %s draw: retryDelay(attempt %d) = %v, want within [%v, %v]", tt.name, dname, tt.attempt, got, tt.lo, tt.hi)
			}
		}
	}
}

func TestPermanentErrors(t *testing.T) {
	platform := errors.New("discord 50013: missing permissions")
	tests := []struct {
		name      string
		err       error
		permanent bool
	}{
		{"wrapped sentinel", fmt.Errorf("post to 100: %w", ErrPermanent), true},
		{"Permanent()", Permanent(platform), true},
		{"Permanent() wrapped again", fmt.Errorf("mirror: %w", Permanent(platform)), true},
		{"plain error", platform, false},
		{"nil", Permanent(nil), false},
	}
	for _, tt := range tests {
		if got := errors.Is(tt.err, ErrPermanent); got != tt.permanent {
			t.Errorf("%s: errors.Is(ErrPermanent) = %v, want %v", tt.name, got, tt.permanent)
		}
	}
	if !errors.Is(Permanent(platform), platform) {
		t.Errorf("Permanent(err) lost err from the chain")
	}
}
