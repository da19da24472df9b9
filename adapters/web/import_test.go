package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/feeds"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
	"golang.org/x/net/html"
)

// siteComment is one comment in a news site's comment feed.
type siteComment struct {
	guid, author, html string
	at                 time.Time
}

// commentFeed is the site's RSS comment feed, newest first as WordPress
// writes it. extra items are appended verbatim (to repeat one, say).
func commentFeed(cs []siteComment, extra ...siteComment) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Comments on: Budget</title><link>https://news.test/budget</link>`)
	write := func(c siteComment) {
		b.WriteString("<item><title>By: x</title><guid isPermaLink=\"false\">" + c.guid + "</guid>")
		if c.author != "" {
			b.WriteString("<dc:creator><![CDATA[" + c.author + "]]></dc:creator>")
		}
		b.WriteString("<pubDate>" + c.at.Format(time.RFC1123Z) + "</pubDate><description><![CDATA[" + c.html + "]]></description></item>\n")
	}
	for i := len(cs) - 1; i >= 0; i-- {
		write(cs[i])
	}
	for _, c := range extra {
		write(c)
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// nineteen are the site's comments: two anonymous, and two distinct
// comments with the same author and text (both real, both shown).
func nineteen() []siteComment {
	var cs []siteComment
	for i := range 19 {
		c := siteComment{guid: fmt.Sprintf("https://news.test/budget#comment-%d", 100+i), author: fmt.Sprintf("Reader %d", i),
			html: fmt.Sprintf("<p>Site comment %d</p>", i), at: t0.Add(time.Duration(i+1) * time.Minute)}
		switch i {
		case 4, 11:
			c.author = ""
		case 8, 9:
			c.author, c.html = "Samir", "<p>سأصوت ضد هذه الميزانية</p>"
		}
		cs = append(cs, c)
	}
	return cs
}

type importRig struct {
	*fixture
	feedID, article int64
	imp             *bot.Importer
	body            atomic.Value // the comment feed served
	fetches         atomic.Int32
}

// newImportRig makes a feed that imports comments, posted to Discord (which
// mirrors the site's comments) and Matrix (which does not), one article
// whose wfw:commentRss is served by a loopback server, and an importer.
func newImportRig(t *testing.T, db *store.DB) *importRig {
	t.Helper()
	ctx := context.Background()
	rig := &importRig{fixture: newFixture(t, db, SiteOptions{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rig.fetches.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(rig.body.Load().(string)))
	}))
	t.Cleanup(srv.Close)
	f, err := db.AddFeed(ctx, bot.FeedSpec{URL: "https://news.test/importing", Options: []byte(`{"import_comments":true}`),
		Routes: []bot.RouteSpec{
			{Place: placeD, Options: []byte(`{"mirror_source_comments":true}`)},
			{Place: placeM},
		}}, bot.FromCommand)
	if err != nil {
		t.Fatal(err)
	}
	rig.feedID = f.ID
	fx := rig.fixture
	fx.feedID = f.ID
	rig.article = fx.articleWith(bot.Article{Title: "Budget", URL: "https://news.test/budget", Published: time.Now().Add(-time.Hour),
		CommentsFeed: srv.URL + "/budget/feed"})
	fetcher, err := feeds.NewFetcher(feeds.Options{AllowPrivate: true, DenyFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	rig.imp = bot.NewImporter(db, fetcher, fx.relay, bot.ImporterOptions{})
	return rig
}

func (rig *importRig) importAll(t *testing.T) {
	t.Helper()
	if err := rig.imp.ImportAll(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// pageComments reads the article page's comments: author, badge, text.
func (rig *importRig) pageComments(t *testing.T) []string {
	t.Helper()
	resp, body := rig.get(fmt.Sprintf("/articles/%d", rig.article))
	if resp.StatusCode != 200 {
		t.Fatalf("article page: %d", resp.StatusCode)
	}
	var out []string
	for _, n := range findAll(parseHTML(t, body), byClass("comment")) {
		badge, _ := attrOf(own(n, byClass("badge")), "data-platform")
		out = append(out, textOf(own(n, byClass("author")))+"|"+badge+"|"+textOf(own(n, byClass("comment-body"))))
	}
	return out
}

func want19(cs []siteComment) []string {
	var out []string
	for _, c := range cs {
		author := c.author
		if author == "" {
			author = "Anonymous"
		}
		out = append(out, author+"|source|"+textOf(mustParseFragment(c.html)))
	}
	return out
}

func mustParseFragment(s string) *html.Node {
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		panic(err)
	}
	return doc
}

func TestImportedSiteCommentsShowInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		rig := newImportRig(t, db)
		cs := nineteen()
		// The same item twice in the feed (a careless feed) is one comment.
		rig.body.Store(commentFeed(cs, cs[3]))
		rig.importAll(t)
		want := want19(cs)
		if got := rig.pageComments(t); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("page shows %d comments:\n%s\nwant %d:\n%s", len(got), strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
		}
		_, body := rig.get(fmt.Sprintf("/api/articles/%d/comments?limit=200", rig.article))
		var p commentsPage
		decode(t, body, &p)
		var api []string
		for _, c := range p.Comments {
			api = append(api, c.Author.Name+"|"+string(c.Platform)+"|"+c.Text)
		}
		if strings.Join(api, "\n") != strings.Join(want, "\n") {
			t.Errorf("API shows:\n%s\nwant:\n%s", strings.Join(api, "\n"), strings.Join(want, "\n"))
		}
		_, count := rig.get("/api/counts?url=https%3A%2F%2Fnews.test%2Fbudget")
		if !strings.Contains(count, `"comments":19`) {
			t.Errorf("counts answer %s, want 19 comments", count)
		}

		// Mirrored to the route that asks (Discord), not to the other.
		rows, err := db.OutboxRows(t.Context(), bot.OutboxPending, 0)
		if err != nil {
			t.Fatal(err)
		}
		byPlatform := map[bot.Platform]int{}
		for _, r := range rows {
			if r.Kind == bot.PostComment {
				byPlatform[r.Target.Platform]++
			}
		}
		if byPlatform[bot.Discord] != 19 || byPlatform[bot.Matrix] != 0 {
			t.Errorf("comment mirrors queued %v, want 19 to Discord and none to Matrix", byPlatform)
		}

		// A moderator removes one; the next import neither duplicates nor
		// brings it back, and a new site comment arrives.
		removed, err := db.CommentByOrigin(t.Context(), bot.Source, bot.RemoteID("guid:"+cs[6].guid))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.DeleteComment(t.Context(), rig.article, removed.Origin, time.Now()); err != nil {
			t.Fatal(err)
		}
		more := append(cs, siteComment{guid: "https://news.test/budget#comment-500", author: "Late", html: "<p>late</p>", at: t0.Add(time.Hour)})
		rig.body.Store(commentFeed(more))
		rig.importAll(t)
		rig.importAll(t)
		got := rig.pageComments(t)
		want = append(want19(more)[:6], append([]string{"||Comment removed"}, want19(more)[7:]...)...)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("after a removal and two re-imports the page shows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

func TestImportFollowsSiteEdits(t *testing.T) {
	rig := newImportRig(t, storetest.Open(t))
	cs := nineteen()[:2]
	rig.body.Store(commentFeed(cs))
	rig.importAll(t)
	// The site edits comment 0: its feed now says it was updated.
	edited := strings.Replace(commentFeed(cs), "<description><![CDATA[<p>Site comment 0</p>",
		"<atom:updated xmlns:atom=\"http://www.w3.org/2005/Atom\">"+t0.Add(time.Hour).Format(time.RFC3339)+"</atom:updated><description><![CDATA[<p>Site comment 0, corrected</p>", 1)
	rig.body.Store(edited)
	rig.importAll(t)
	got := rig.pageComments(t)
	if len(got) != 2 || got[0] != "Reader 0|source|Site comment 0, corrected" {
		t.Errorf("after the site's edit the page shows %q, want the corrected text first", got)
	}
}

func TestImporterRefusesLocalFiles(t *testing.T) {
	rig := newImportRig(t, storetest.Open(t))
	for _, src := range []string{"/etc/passwd", "file:///etc/passwd", "ftp://news.test/c"} {
		a := bot.Article{ID: rig.article}
		if _, err := rig.imp.ImportArticle(t.Context(), a, src); err == nil || !strings.Contains(err.Error(), "only http and https") {
			t.Errorf("ImportArticle(%q): %v, want a refusal", src, err)
		}
	}
}

func TestCommentsFeedPattern(t *testing.T) {
	for _, tc := range []struct {
		a       bot.Article
		pattern string
		want    string
	}{
		{bot.Article{CommentsFeed: "https://s.test/own"}, "https://s.test/c?u={url}", "https://s.test/own"},
		{bot.Article{URL: "https://s.test/a?b=1"}, "https://s.test/c?u={url}", "https://s.test/c?u=https%3A%2F%2Fs.test%2Fa%3Fb%3D1"},
		{bot.Article{GUID: "post 7"}, "https://s.test/c/{guid}/feed", "https://s.test/c/post+7/feed"},
		{bot.Article{URL: "https://s.test/a"}, "https://s.test/c/{guid}", ""},
		{bot.Article{URL: "https://s.test/a"}, "", ""},
	} {
		if got := bot.CommentsFeedOf(tc.a, tc.pattern); got != tc.want {
			t.Errorf("CommentsFeedOf(%+v, %q) = %q, want %q", tc.a, tc.pattern, got, tc.want)
		}
	}
}
