package web

import (
	"fmt"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store/storetest"
)

// TestThreadNestingStopsAtMaxDepth: a chain of replies nests up to maxDepth
// levels; deeper replies sit beside their parent, saying whom they answer,
// still in the order written. Replies to a removed comment stay.
func TestThreadNestingStopsAtMaxDepth(t *testing.T) {
	var cs []bot.Comment
	for i := range 7 {
		c := bot.Comment{ID: int64(i + 1), Author: bot.Author{Platform: bot.Discord, Name: fmt.Sprint("u", i)},
			Body: richtext.FromPlain(fmt.Sprint("c", i)), Created: t0.Add(time.Duration(i) * time.Minute)}
		if i > 0 {
			c.ParentID = int64(i)
		}
		cs = append(cs, c)
	}
	cs[4].Deleted = t0.Add(time.Hour) // u4 removed: u5 answers "a removed comment"
	cs = append(cs, bot.Comment{ID: 99, ParentID: 12345, Author: bot.Author{Platform: bot.Matrix, Name: "orphan"}, Created: t0.Add(time.Hour)})
	roots := buildThread(cs, nil, time.UTC)

	type row struct {
		id      int64
		depth   int
		replyTo string
	}
	var got []row
	var visit func([]*commentView)
	visit = func(vs []*commentView) {
		for _, v := range vs {
			got = append(got, row{v.ID, v.Depth, v.ReplyTo})
			visit(v.Replies)
		}
	}
	visit(roots)
	want := []row{{1, 0, ""}, {2, 1, ""}, {3, 2, ""}, {4, 3, ""}, {5, 3, "u3"}, {6, 3, "a removed comment"}, {7, 3, "u5"}, {99, 0, ""}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("thread (id depth replyTo) = %v, want %v", got, want)
	}
	if len(roots) != 2 {
		t.Errorf("%d top-level comments, want 2 (the chain and the orphan)", len(roots))
	}
}

func TestIndexPages(t *testing.T) {
	fx := newFixture(t, storetest.Open(t), SiteOptions{})
	for i := range defaultArticlePage + 3 {
		fx.article(fmt.Sprint("Story ", i), fmt.Sprintf("https://news.test/%d", i), t0.Add(time.Duration(i)*time.Hour))
	}
	var titles []string
	next, pages := "/", 0
	for next != "" {
		resp, body := fx.get(next)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", next, resp.StatusCode)
		}
		doc := parseHTML(t, body)
		for _, n := range findAll(doc, byClass("article-title")) {
			titles = append(titles, textOf(n))
		}
		next = ""
		for _, a := range findAll(doc, func(n2 *htmlNode) bool { v, _ := attrOf(n2, "rel"); return v == "next" }) {
			next, _ = attrOf(a, "href")
		}
		if pages++; pages > 3 {
			t.Fatal("paging does not end")
		}
	}
	if len(titles) != defaultArticlePage+3 || titles[0] != fmt.Sprint("Story ", defaultArticlePage+2) || titles[len(titles)-1] != "Story 0" || pages != 2 {
		t.Errorf("%d titles in %d pages, from %q to %q; want %d newest first in 2 pages", len(titles), pages, titles[0], titles[len(titles)-1], defaultArticlePage+3)
	}
}
