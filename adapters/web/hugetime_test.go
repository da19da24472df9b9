package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store/storetest"
)

// A comment's time comes from its platform (a Matrix event's timestamp is
// whatever the sending homeserver says). encoding/json cannot write a time
// past the year 9999, so one such comment made the article's comment API
// answer 500; the other comments must still be served.
func TestAPICommentWithTimeBeyond9999(t *testing.T) {
	fx := newFixture(t, storetest.Open(t), SiteOptions{})
	a := fx.article("One", "https://news.test/one", t0)
	fx.say(a, placeD, "d1", "", "u", richtext.FromPlain("ordinary"), t0)
	fx.say(a, placeD, "d2", "", "v", richtext.FromPlain("from the far future"), time.UnixMilli(5_000_000_000_000_000_000))
	for _, path := range []string{fmt.Sprintf("/api/articles/%d/comments", a), fmt.Sprintf("/articles/%d", a), fmt.Sprintf("/articles/%d/comments.atom", a)} {
		resp, body := fx.get(path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "ordinary") {
			t.Errorf("GET %s: status %d, want 200 with the ordinary comment:\n%s", path, resp.StatusCode, body)
		}
	}
}
