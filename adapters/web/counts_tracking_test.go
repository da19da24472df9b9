package web

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store/storetest"
)

// TestAPICountsDropsWhatTheFeedEngineDrops: articles are stored under the
// feed engine's canonical URL, which drops every tracking parameter it knows
// (mc_cid, _ga, msclkid, …), not only utm_*, fbclid and gclid. A reader who
// arrived from a newsletter must still find the article's count.
func TestAPICountsDropsWhatTheFeedEngineDrops(t *testing.T) {
	fx := newFixture(t, storetest.Open(t), SiteOptions{})
	a := fx.article("Budget", "https://news.test/budget?id=7", t0)
	fx.say(a, placeD, "d1", "", "u", richtext.FromPlain("hi"), t0)
	for _, page := range []string{
		"https://news.test/budget?id=7&mc_cid=abc&mc_eid=def",
		"https://news.test/budget?_ga=2.1&id=7&msclkid=x",
		"https://news.test/budget?id=7&utm_source=x",
	} {
		resp, body := fx.get("/api/counts?url=" + url.QueryEscape(page))
		if resp.StatusCode != http.StatusOK {
			t.Errorf("counts for %s: status %d, want 200: %s", page, resp.StatusCode, body)
		}
	}
}
