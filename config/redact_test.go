package config

import (
	"strings"
	"testing"
)

// A password may sit in the URL's user info or in its query
// (?password=…, as libpq and pgx accept); the summary must show neither.
func TestRedactDSNHidesEveryPassword(t *testing.T) {
	tests := []struct {
		dsn  string
		want string
	}{
		{"postgres://herald:s3cret@db:5432/herald", "postgres://herald:xxxxx@db:5432/herald"},
		{"postgres://herald@db/herald?password=s3cret&sslmode=require", "postgres://herald@db/herald?password=xxxxx&sslmode=require"},
		{"postgresql://db/herald?user=herald&password=s3cret", "postgresql://db/herald?password=xxxxx&user=herald"},
		{"postgres://herald@db/herald?sslmode=disable", "postgres://herald@db/herald?sslmode=disable"},
		{"host=db password=s3cret", "(key=value DSN)"},
	}
	for _, tt := range tests {
		got := redactDSN(tt.dsn)
		if strings.Contains(got, "s3cret") || got != tt.want {
			t.Errorf("redactDSN(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}
