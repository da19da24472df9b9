package feeds

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// corpusDir is the shared corpus of real feeds, outside the repository.
const corpusDir = "../../shared/corpus/feeds"

func corpusFiles(tb testing.TB) []string {
	tb.Helper()
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		tb.Skipf("corpus not available: %v", err)
	}
	var files []string
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		files = append(files, filepath.Join(corpusDir, e.Name()))
	}
	if len(files) == 0 {
		tb.Skip("corpus is empty")
	}
	return files
}

// unsafeHTML finds what the sanitizer must have removed: script, style and
// iframe elements, event handler attributes, javascript: and data: URLs.
var unsafeHTML = regexp.MustCompile(`(?i)<(script|style|iframe)|<[^>]*\son[a-z]+\s*=|(href|src)\s*=\s*["']?\s*(javascript|data|vbscript):`)

// TestCorpus parses every real feed of the shared corpus: each must give
// items or a clear error, never a panic, and every item must be normalized.
func TestCorpus(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	failed := 0
	for _, path := range corpusFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			body, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			feed, err := Parse(body, "https://example.org/feed", now)
			if err != nil {
				failed++
				if strings.Contains(err.Error(), "the parser failed") || err.Error() == "" {
					t.Errorf("Parse: unclear error %q", err)
				}
				t.Logf("error (acceptable when clear): %v", err)
				return
			}
			if len(feed.Items) == 0 {
				t.Logf("no items")
			}
			for i, it := range feed.Items {
				if it.Key == "" || it.Hash == "" {
					t.Errorf("item %d: empty key or hash: %+v", i, it)
				}
				if it.Published.IsZero() || it.Published.After(now) {
					t.Errorf("item %d: published %v, want a past date", i, it.Published)
				}
				if i > 0 && it.Published.After(feed.Items[i-1].Published) {
					t.Errorf("item %d is newer than item %d: not newest first", i, i-1)
				}
				if bad := unsafeHTML.FindString(it.BodyHTML + it.SummaryHTML); bad != "" {
					t.Errorf("item %d: sanitized HTML still has %q", i, bad)
				}
			}
		})
	}
	t.Logf("%d files failed with an error", failed)
}
