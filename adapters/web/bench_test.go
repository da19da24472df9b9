package web

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store/storetest"
)

// BenchmarkArticlePage measures one article page of 200 comments (every
// fifth a reply) rendered in full, and the same page answered with 304 from
// its ETag — what a reader's browser pays when nothing changed.
func BenchmarkArticlePage(b *testing.B) {
	fx := newFixture(b, storetest.Open(b), SiteOptions{})
	a := fx.article("Bench", "https://news.test/bench", t0)
	for i := range 200 {
		reply := ""
		if i%5 == 4 {
			reply = fmt.Sprint("d", i-1)
		}
		fx.say(a, placeD, fmt.Sprint("d", i), reply, fmt.Sprint("user", i%17),
			richtext.FromPlain(fmt.Sprintf("Comment %d with a few words of text, and a second sentence.", i)), t0.Add(time.Duration(i)*time.Second))
	}
	path := fmt.Sprintf("/articles/%d", a)
	resp, body := fx.get(path)
	etag := resp.Header.Get("ETag")
	b.Run("full", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if resp, _ := fx.get(path); resp.StatusCode != http.StatusOK {
				b.Fatal(resp.Status)
			}
		}
	})
	b.Run("304", func(b *testing.B) {
		for b.Loop() {
			if resp, _ := fx.get(path, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
				b.Fatal(resp.Status)
			}
		}
	})
}

// BenchmarkIndex measures the front page over 500 articles and 2,000
// comments, in full and as a 304 (whose version query scans the tables).
func BenchmarkIndex(b *testing.B) {
	db := storetest.Open(b)
	fx := newFixture(b, db, SiteOptions{})
	var ids []int64
	for i := range 500 {
		ids = append(ids, fx.article(fmt.Sprint("Article ", i), fmt.Sprintf("https://news.test/%d", i), t0.Add(time.Duration(i)*time.Minute)))
	}
	for i := range 2000 {
		fx.say(ids[i%len(ids)], placeD, fmt.Sprint("d", i), "", "u", richtext.FromPlain("text"), t0)
	}
	resp, _ := fx.get("/")
	etag := resp.Header.Get("ETag")
	for _, tc := range []struct {
		name, path string
		status     int
		headers    []string
	}{
		{"full", "/", 200, nil},
		{"304", "/", 304, []string{"If-None-Match", etag}},
		{"counts", "/api/counts?url=https%3A%2F%2Fnews.test%2F250", 200, nil},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if resp, _ := fx.get(tc.path, tc.headers...); resp.StatusCode != tc.status {
					b.Fatal(resp.Status)
				}
			}
		})
	}
}
