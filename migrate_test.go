package main

import (
	"context"
	"strings"
	"testing"
)

func TestMigrateCommand(t *testing.T) {
	dir := t.TempDir()
	var first, second, stderr strings.Builder
	if code := dispatch(context.Background(), []string{"migrate", "-data", dir}, &first, &stderr); code != 0 {
		t.Fatalf("first migrate: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(first.String(), "0001_init.sql") || !strings.Contains(first.String(), "applied now") {
		t.Errorf("first migrate printed %q, want 0001_init.sql applied now", first.String())
	}
	if code := dispatch(context.Background(), []string{"migrate", "-data", dir}, &second, &stderr); code != 0 {
		t.Fatalf("second migrate: exit %d: %s", code, stderr.String())
	}
	if strings.Contains(second.String(), "applied now") || strings.Contains(second.String(), "pending") {
		t.Errorf("second migrate printed %q, want every migration applied before", second.String())
	}
}
