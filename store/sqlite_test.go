package store_test

import (
	"testing"

	"github.com/heraldchat/herald/store/storetest"
)

// TestSQLitePragmas: every connection, writer and readers, runs with the
// settings the store depends on.
func TestSQLitePragmas(t *testing.T) {
	db := storetest.Open(t)
	tests := []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
		{"synchronous", "1"}, // NORMAL
	}
	for _, tt := range tests {
		w, r, err := db.Pragma(t.Context(), tt.pragma)
		if err != nil {
			t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
		}
		if w != tt.want || r != tt.want {
			t.Errorf("PRAGMA %s = %q on the writer, %q on a reader; want %q", tt.pragma, w, r, tt.want)
		}
	}
	if w, r, _ := db.Pragma(t.Context(), "query_only"); w != "0" || r != "1" {
		t.Errorf("query_only = %q on the writer, %q on a reader; want 0 and 1", w, r)
	}
}
