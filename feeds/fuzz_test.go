package feeds

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary documents through parse and normalize. Whatever
// comes in, Parse returns a feed or an error, and a feed holds only valid
// UTF-8, sanitized HTML, http(s) links and at most MaxItems items.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(billionLaughs()))
	f.Add([]byte(rssDoc("seed", 3)))
	f.Add([]byte("<rss><channel><item><title>\xff\xfe</title><link>javascript:x</link></item></channel></rss>"))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":1,"content_html":"<script>x</script>"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		feed, err := Parse(body, "https://fuzz.example/feed", testNow)
		if err != nil {
			if strings.Contains(err.Error(), "the parser failed") {
				t.Fatalf("parser panicked: %v", err)
			}
			return
		}
		if len(feed.Items) > MaxItems {
			t.Fatalf("%d items, want at most %d", len(feed.Items), MaxItems)
		}
		for _, it := range feed.Items {
			for name, s := range map[string]string{"title": it.Title, "summary": it.SummaryHTML, "body": it.BodyHTML, "author": it.Author} {
				if !utf8.ValidString(s) {
					t.Errorf("%s is not valid UTF-8: %q", name, s)
				}
			}
			if bad := unsafeHTML.FindString(it.SummaryHTML + it.BodyHTML); bad != "" {
				t.Errorf("unsafe HTML survived: %q in %q", bad, it.SummaryHTML+it.BodyHTML)
			}
			for _, u := range []string{it.URL, it.Image, it.CommentsFeed, it.CommentsURL} {
				if u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
					t.Errorf("link %q is not http(s)", u)
				}
			}
			if it.Key == "" || it.Hash == "" || it.Published.After(testNow) || it.Published.IsZero() {
				t.Errorf("bad item: key %q hash %q published %v", it.Key, it.Hash, it.Published)
			}
		}
	})
}
