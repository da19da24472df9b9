package bot

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heraldchat/herald/richtext"
)

func TestComposeDigest(t *testing.T) {
	slot := time.Date(2026, 3, 11, 8, 0, 0, 0, time.UTC)
	place := Place{Platform: Matrix, Channel: "!d:x"}
	arts := []Article{
		{Title: "First", URL: "https://example.org/1"},
		{Title: "Second", URL: "https://example.org/2"},
		{URL: "https://example.org/3"},
	}
	got := composeDigest(Feed{ID: 4, Name: "Example News"}, place, slot, arts)
	if want := "Digest: Example News — 3 articles"; got.Title != want {
		t.Errorf("title %q, want %q", got.Title, want)
	}
	if want := "digest:matrix:!d:x:1773216000"; got.Key != want || got.Hash != want {
		t.Errorf("key %q hash %q, want both %q", got.Key, got.Hash, want)
	}
	if got.FeedID != 4 || !got.Published.Equal(slot) {
		t.Errorf("feed %d published %v, want 4 and %v", got.FeedID, got.Published, slot)
	}
	want := richtext.Doc(richtext.UL(
		richtext.Li(richtext.Para(richtext.A("https://example.org/1", richtext.Str("First")))),
		richtext.Li(richtext.Para(richtext.A("https://example.org/2", richtext.Str("Second")))),
		richtext.Li(richtext.Para(richtext.A("https://example.org/3", richtext.Str("https://example.org/3")))),
	))
	if !reflect.DeepEqual(got.Summary, want) {
		t.Errorf("summary %+v, want %+v", got.Summary, want)
	}
	if n := strings.Count(got.Summary.PlainText(), "•"); n != 3 {
		t.Errorf("summary lists %d items, want 3:\n%s", n, got.Summary.PlainText())
	}
	one := composeDigest(Feed{ID: 4, URL: "https://example.org/feed"}, place, slot, arts[:1])
	if want := "Digest: https://example.org/feed — 1 article"; one.Title != want {
		t.Errorf("title %q, want %q", one.Title, want)
	}
}
