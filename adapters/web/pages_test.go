package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
	"golang.org/x/net/html"
)

var riyadh = time.FixedZone("+03", 3*3600)

// discussion builds one article with a small discussion on both platforms:
//
//	alice (discord)              "First!"
//	  bob (matrix, reply)        "Welcome" (edited)
//	    carol (discord, reply)   "Thanks both"
//	dave (matrix)                removed, with a reply kept:
//	  erin (discord, reply)      "Why removed?"
func discussion(t *testing.T, fx *fixture) (articleID int64, ids map[string]int64) {
	t.Helper()
	ctx := context.Background()
	a := fx.article("Budget passes", "https://news.test/budget", t0)
	fx.say(a, placeD, "d1", "", "alice", richtext.FromPlain("First!"), t0.Add(time.Minute))
	fx.mirrorAll()
	c1, _ := fx.db.CommentByOrigin(ctx, bot.Discord, "d1")
	fx.say(a, placeM, "$m2", fmt.Sprintf("m%d-matrix", c1.ID), "bob", richtext.FromPlain("Welcome"), t0.Add(2*time.Minute))
	fx.event(bot.Event{Kind: bot.MessageEdited, Place: placeM, Thread: threadOf(placeM, a), Message: "$m2",
		Body: richtext.FromPlain("Welcome aboard"), Time: t0.Add(3 * time.Minute)})
	fx.mirrorAll()
	c2, _ := fx.db.CommentByOrigin(ctx, bot.Matrix, "$m2")
	fx.say(a, placeD, "d3", fmt.Sprintf("m%d-discord", c2.ID), "carol", richtext.FromPlain("Thanks both"), t0.Add(4*time.Minute))
	fx.say(a, placeM, "$m4", "", "dave", richtext.FromPlain("Something rude"), t0.Add(5*time.Minute))
	fx.mirrorAll()
	c4, _ := fx.db.CommentByOrigin(ctx, bot.Matrix, "$m4")
	fx.say(a, placeD, "d5", fmt.Sprintf("m%d-discord", c4.ID), "erin", richtext.FromPlain("Why removed?"), t0.Add(6*time.Minute))
	fx.event(bot.Event{Kind: bot.MessageDeleted, Place: placeM, Thread: threadOf(placeM, a), Message: "$m4", Time: t0.Add(7 * time.Minute)})
	ids = map[string]int64{}
	for name, o := range map[string]struct {
		p bot.Platform
		m bot.RemoteID
	}{"alice": {bot.Discord, "d1"}, "bob": {bot.Matrix, "$m2"}, "carol": {bot.Discord, "d3"}, "dave": {bot.Matrix, "$m4"}, "erin": {bot.Discord, "d5"}} {
		c, err := fx.db.CommentByOrigin(ctx, o.p, o.m)
		if err != nil {
			t.Fatalf("comment of %s: %v", name, err)
		}
		ids[name] = c.ID
	}
	return a, ids
}

func TestArticlePageShowsTheDiscussion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := newFixture(t, db, SiteOptions{Title: "Town Crier", Location: riyadh})
		a, ids := discussion(t, fx)
		resp, body := fx.get(fmt.Sprintf("/articles/%d", a))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d, want 200: %s", resp.StatusCode, body)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("Content-Security-Policy = %q, want default-src 'none'", csp)
		}
		doc := parseHTML(t, body)
		comments := findAll(doc, byClass("comment"))
		var order []int64
		byID := map[int64]*html.Node{}
		for _, n := range comments {
			var id int64
			v, _ := attrOf(n, "data-id")
			fmt.Sscan(v, &id)
			order = append(order, id)
			byID[id] = n
		}
		want := []int64{ids["alice"], ids["bob"], ids["carol"], ids["dave"], ids["erin"]}
		if fmt.Sprint(order) != fmt.Sprint(want) {
			t.Fatalf("comments in document order = %v, want %v", order, want)
		}
		parents := map[string]string{"alice": "", "bob": "alice", "carol": "bob", "dave": "", "erin": "dave"}
		for name, parent := range parents {
			got := parentComment(byID[ids[name]])
			var wantNode *html.Node
			if parent != "" {
				wantNode = byID[ids[parent]]
			}
			if got != wantNode {
				t.Errorf("%s's comment sits under %v, want under %s", name, got, parent)
			}
		}
		for _, tc := range []struct {
			name, author, badge, when, text string
		}{
			{"alice", "alice", "discord", "1 Mar 2026, 12:01 +03", "First!"},
			{"bob", "bob", "matrix", "1 Mar 2026, 12:02 +03", "Welcome aboard"},
			{"carol", "carol", "discord", "1 Mar 2026, 12:04 +03", "Thanks both"},
		} {
			n := byID[ids[tc.name]]
			if got := textOf(own(n, byClass("author"))); got != tc.author {
				t.Errorf("%s: author %q, want %q", tc.name, got, tc.author)
			}
			if got, _ := attrOf(own(n, byClass("badge")), "data-platform"); got != tc.badge {
				t.Errorf("%s: badge %q, want %q", tc.name, got, tc.badge)
			}
			if got := textOf(own(n, byTag("time"))); got != tc.when {
				t.Errorf("%s: time %q, want %q (in the configured zone)", tc.name, got, tc.when)
			}
			if got := textOf(own(n, byClass("comment-body"))); got != tc.text {
				t.Errorf("%s: text %q, want %q", tc.name, got, tc.text)
			}
		}
		if own(byID[ids["bob"]], byClass("edited")) == nil {
			t.Error("bob's edited comment has no edited mark")
		}
		if own(byID[ids["alice"]], byClass("edited")) != nil {
			t.Error("alice's comment is marked edited")
		}
		dave := byID[ids["dave"]]
		if !hasClass(dave, "removed") || textOf(own(dave, byClass("placeholder"))) != "Comment removed" {
			t.Errorf("the deleted comment does not show the placeholder: %q", textOf(dave))
		}
		if strings.Contains(body, "Something rude") || own(dave, byClass("author")) != nil {
			t.Error("the deleted comment's text or author is still on the page")
		}
		// Every text the page shows from people carries dir="auto".
		for _, class := range []string{"author", "comment-body"} {
			for _, n := range findAll(doc, byClass(class)) {
				if d, _ := attrOf(n, "dir"); d != "auto" {
					t.Errorf(".%s %q has dir=%q, want auto", class, textOf(n), d)
				}
			}
		}
		for _, p := range findAll(doc, byTag("p")) {
			if parentComment(p) != nil && !hasClass(p, "placeholder") && !hasClass(p, "reactions") && !hasClass(p, "reply-to") {
				if d, _ := attrOf(p, "dir"); d != "auto" {
					t.Errorf("comment paragraph %q has dir=%q, want auto", textOf(p), d)
				}
			}
		}
		if got := textOf(findAll(doc, func(n *html.Node) bool { return n.Data == "h2" && hasClass(n.Parent, "discussion") })[0]); got != "4 comments" {
			t.Errorf("discussion heading %q, want 4 comments (the removed one not counted)", got)
		}
		places := findAll(doc, func(n *html.Node) bool { return hasClass(n, "badge") && parentComment(n) == nil })
		var got []string
		for _, p := range places {
			v, _ := attrOf(p, "data-platform")
			got = append(got, v)
		}
		if fmt.Sprint(got) != "[discord matrix]" {
			t.Errorf("delivery badges %v, want [discord matrix]", got)
		}
	})
}

func TestIndexListsArticlesWithCountsAndPlaces(t *testing.T) {
	fx := newFixture(t, storetest.Open(t), SiteOptions{Location: riyadh})
	a, _ := discussion(t, fx)
	b := fx.article("Quiet story", "https://news.test/quiet", t0.Add(time.Hour))
	resp, body := fx.get("/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	doc := parseHTML(t, body)
	items := findAll(doc, byClass("article-item"))
	if len(items) != 2 {
		t.Fatalf("%d articles listed, want 2", len(items))
	}
	for i, tc := range []struct {
		id     int64
		title  string
		count  string
		places string
	}{
		{b, "Quiet story", "0 comments", "Posted to Discord 1001 Matrix !news:test"},
		{a, "Budget passes", "4 comments", "Posted to Discord 1001 Matrix !news:test"},
	} {
		n := items[i]
		if href, _ := attrOf(own(n, byClass("article-title")), "href"); href != fmt.Sprintf("/articles/%d", tc.id) {
			t.Errorf("item %d links to %q, want article %d", i, href, tc.id)
		}
		if got := textOf(own(n, byClass("article-title"))); got != tc.title {
			t.Errorf("item %d title %q, want %q", i, got, tc.title)
		}
		if got := textOf(own(n, byClass("count"))); got != tc.count {
			t.Errorf("item %d count %q, want %q", i, got, tc.count)
		}
		if got := textOf(own(n, byClass("places"))); got != tc.places {
			t.Errorf("item %d places %q, want %q", i, got, tc.places)
		}
	}
}

func TestPagesSayWhatIsWrong(t *testing.T) {
	fx := newFixture(t, storetest.Open(t), SiteOptions{})
	fx.article("Only", "https://news.test/only", t0)
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/articles/abc", 400, `article id &#34;abc&#34; is not a positive whole number`},
		{"/articles/0", 400, "not a positive whole number"},
		{"/articles/999", 404, "There is no article 999."},
		{"/?after=999", 404, "no article 999"},
		{"/?limit=x", 400, "limit"},
		{"/nowhere", 404, ""},
	} {
		resp, body := fx.get(tc.path)
		if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: %d %q, want %d containing %q", tc.path, resp.StatusCode, body, tc.status, tc.want)
		}
	}
}
