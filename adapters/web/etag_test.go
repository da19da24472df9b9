package web

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// TestConditionalRequests: each page and API answer has an ETag and a
// Last-Modified; sending them back gives 304 until the data changes, and
// every kind of change (new comment, edit, delete, reaction) gives a new ETag.
func TestConditionalRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := newFixture(t, db, SiteOptions{})
		a := fx.article("Cached", "https://news.test/cached", t0)
		fx.say(a, placeD, "d1", "", "ann", richtext.FromPlain("one"), t0.Add(time.Minute))
		paths := []string{"/", fmt.Sprintf("/articles/%d", a), "/api/articles", fmt.Sprintf("/api/articles/%d", a),
			fmt.Sprintf("/api/articles/%d/comments", a), fmt.Sprintf("/articles/%d/comments.atom", a)}
		etags := map[string]string{}
		for _, p := range paths {
			resp, body := fx.get(p)
			etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
			if resp.StatusCode != 200 || etag == "" || lm == "" {
				t.Fatalf("GET %s: %d ETag %q Last-Modified %q, want 200 with both", p, resp.StatusCode, etag, lm)
			}
			if len(body) == 0 {
				t.Fatalf("GET %s: empty body", p)
			}
			etags[p] = etag
			if resp, body := fx.get(p, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified || body != "" {
				t.Errorf("GET %s with its ETag: %d (%d bytes), want 304 and no body", p, resp.StatusCode, len(body))
			}
			if resp, _ := fx.get(p, "If-Modified-Since", lm); resp.StatusCode != http.StatusNotModified {
				t.Errorf("GET %s with If-Modified-Since its Last-Modified: %d, want 304", p, resp.StatusCode)
			}
			if resp, _ := fx.get(p, "If-None-Match", `"stale"`, "If-Modified-Since", lm); resp.StatusCode != 200 {
				t.Errorf("GET %s with a stale ETag: %d, want 200 (If-Modified-Since is ignored beside If-None-Match)", p, resp.StatusCode)
			}
		}
		seen := map[string]bool{}
		for _, e := range etags {
			if seen[e] {
				t.Errorf("two answers share ETag %s", e)
			}
			seen[e] = true
		}
		c1, _ := fx.db.CommentByOrigin(t.Context(), bot.Discord, "d1")
		changes := []struct {
			name string
			do   func()
		}{
			{"new comment", func() { fx.say(a, placeD, "d2", "", "bo", richtext.FromPlain("two"), t0.Add(2*time.Minute)) }},
			{"edit", func() {
				fx.event(bot.Event{Kind: bot.MessageEdited, Place: placeD, Thread: threadOf(placeD, a), Message: "d1",
					Body: richtext.FromPlain("one, edited"), Time: t0.Add(3 * time.Minute)})
			}},
			{"reaction", func() {
				if err := fx.db.React(t.Context(), c1.ID, bot.Author{Platform: bot.Matrix, ID: "@x:test"}, "👍", true); err != nil {
					t.Fatal(err)
				}
			}},
			{"delete", func() {
				fx.event(bot.Event{Kind: bot.MessageDeleted, Place: placeD, Thread: threadOf(placeD, a), Message: "d2", Time: t0.Add(4 * time.Minute)})
			}},
		}
		page := fmt.Sprintf("/articles/%d", a)
		for _, ch := range changes {
			ch.do()
			resp, _ := fx.get(page, "If-None-Match", etags[page])
			if resp.StatusCode != 200 || resp.Header.Get("ETag") == etags[page] {
				t.Errorf("after %s: %d with ETag %s, want 200 and a new ETag", ch.name, resp.StatusCode, resp.Header.Get("ETag"))
			}
			etags[page] = resp.Header.Get("ETag")
		}
	})
}

// TestLateCommentIsNotModifiedSince: a comment that arrives after the page
// was read, though it was written earlier (a news site's comment imported
// later), must not be hidden by If-Modified-Since.
func TestLateCommentIsNotModifiedSince(t *testing.T) {
	fx := newFixture(t, storetest.Open(t), SiteOptions{})
	a := fx.article("Late", "https://news.test/late", t0)
	fx.say(a, placeD, "d1", "", "ann", richtext.FromPlain("now"), time.Now())
	path := fmt.Sprintf("/articles/%d", a)
	resp, _ := fx.get(path)
	lm := resp.Header.Get("Last-Modified")
	if resp, _ := fx.get(path, "If-Modified-Since", lm); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("unchanged page with If-Modified-Since: %d, want 304", resp.StatusCode)
	}
	fx.say(a, placeD, "d0", "", "bo", richtext.FromPlain("written an hour ago"), time.Now().Add(-time.Hour))
	if resp, _ := fx.get(path, "If-Modified-Since", lm); resp.StatusCode != http.StatusOK {
		t.Errorf("after a late comment, If-Modified-Since %s: %d, want 200", lm, resp.StatusCode)
	}
}
