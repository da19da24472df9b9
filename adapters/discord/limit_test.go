package discord

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestStartWindowAdmitsAtMostNPerWindow(t *testing.T) {
	w := newStartWindow(3, time.Hour)
	for i := 0; i < 3; i++ {
		if err := w.wait(context.Background()); err != nil {
			t.Fatalf("start %d: got %v, want admitted", i, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("start 4 within the window: got %v, want it held until ctx ended", err)
	}
}
