package bot_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/bot/commandtest"
)

// BenchmarkFeedList1000 is `feed list` over 1,000 feeds on SQLite: parse,
// permission check, one query, and the reply's rich text.
func BenchmarkFeedList1000(b *testing.B) {
	rig := commandtest.New(b, home)
	ctx := context.Background()
	for i := range 999 {
		_, err := rig.DB.AddFeed(ctx, bot.FeedSpec{URL: fmt.Sprintf("https://bench.example/%d.xml", i), Name: fmt.Sprintf("Feed %d", i)}, bot.FromCommand)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if r := rig.Tree.RunText(ctx, admin(), "feed list"); r.Failed {
			b.Fatal(r.String())
		}
	}
}

// BenchmarkParse is the text parser alone on a typical `feed add` line.
func BenchmarkParse(b *testing.B) {
	tree := bot.NewCommands(bot.CommandOptions{})
	for b.Loop() {
		if _, err := tree.Parse(`feed add https://example.org/rss "*/30 * * * *" discord:1081234567890123456 name="Tech news"`); err != nil {
			b.Fatal(err)
		}
	}
}
