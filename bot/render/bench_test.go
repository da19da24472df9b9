package render

import (
	"strings"
	"testing"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
)

func benchArticle() bot.Article {
	return article("A very long article", "https://news.example/long",
		strings.Repeat("<p>السلام عليكم — a long paragraph with 👩‍👩‍👧‍👦, <b>bold</b> and <a href=\"https://example.com/more\">a link</a>. ", 300)+"</p>")
}

func BenchmarkDiscordArticleLong(b *testing.B) {
	a := benchArticle()
	for b.Loop() {
		if _, err := DiscordArticle(a, Options{FeedName: "F"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatrixArticleLong(b *testing.B) {
	a := benchArticle()
	for b.Loop() {
		if _, err := MatrixArticle(a, Options{FeedName: "F"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatrixComment60KB(b *testing.B) {
	c := comment(bot.Discord, "Bob", richtext.FromPlain(strings.Repeat("مرحبا <b> & 👩‍👩‍👧‍👦 word ", 2000)))
	for b.Loop() {
		if _, err := MatrixComment(c, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDiscordComment4000(b *testing.B) {
	c := comment(bot.Matrix, "Bob", richtext.FromPlain(strings.Repeat("hello *world* مرحبا ", 200)))
	for b.Loop() {
		if _, err := DiscordComment(c, nil, false); err != nil {
			b.Fatal(err)
		}
	}
}
