package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: no input makes Parse panic, and a failure is always Problems.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	seeds = append(seeds, "../herald.example.yaml")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{"", "feeds: [", "a: &a [*a]", "feeds:\n  - url: ${X", "discord: {token: !!binary aGk=}",
		"feeds:\n  - schedule: \"CRON_TZ=UTC\"\n", "<<: {log: {level: debug}}", "feeds: [{routes: [{to: 'matrix:#:'}]}]",
		"log: &l {<<: *l}", "feeds: &f [{<<: *f}]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseWith("fuzz.yaml", data, noEnv)
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("got error %T %v, want non-empty Problems", err, err)
			}
		}
		if c == nil {
			t.Fatal("Parse returned a nil Config")
		}
		_ = c.Summary()
	})
}
