package config

import (
	"fmt"
	"strings"
	"testing"
)

// manyFeeds is a config with n feeds, each with two routes and a filter.
func manyFeeds(n int) []byte {
	var b strings.Builder
	b.WriteString("feeds:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - url: https://host%d.example/feed.xml\n    name: Feed %d\n    schedule: \"*/15 * * * *\"\n", i, i)
		b.WriteString("    filters:\n      exclude:\n        - regex: \"(?i)sponsored\"\n")
		fmt.Fprintf(&b, "    routes:\n      - to: discord:%d\n      - to: \"matrix:!r%d:example.org\"\n", 1000+i, i)
	}
	return []byte(b.String())
}

// A large real config stays well inside the alias-bomb limit.
func TestTenThousandFeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("large input")
	}
	c, err := parseWith("big.yaml", manyFeeds(10_000), noEnv)
	if err != nil {
		t.Fatalf("10,000 feeds: %v", err.Error()[:min(500, len(err.Error()))])
	}
	if len(c.Feeds) != 10_000 || len(c.Feeds[9_999].Routes) != 2 {
		t.Fatalf("got %d feeds", len(c.Feeds))
	}
}

func BenchmarkParse1000Feeds(b *testing.B) {
	data := manyFeeds(1000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := parseWith("big.yaml", data, noEnv); err != nil {
			b.Fatal(err)
		}
	}
}
