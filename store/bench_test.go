package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store/storetest"
)

// BenchmarkIngest stores batches of 50 new articles, each with two
// deliveries (so 100 outbox rows per batch), in one transaction per batch.
func BenchmarkIngest(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Driver, func(b *testing.B) {
			db := be.Open(b)
			ctx := b.Context()
			f, err := db.AddFeed(ctx, bot.FeedSpec{URL: "https://bench.example/feed"}, bot.FromConfig)
			if err != nil {
				b.Fatal(err)
			}
			const batch = 50
			n := 0
			for b.Loop() {
				items := make([]bot.Incoming, batch)
				for i := range items {
					n++
					items[i] = bot.Incoming{Article: article(fmt.Sprint("k", n), "h"), Deliveries: deliveries(discord("1"), matrix("!r:x"))}
				}
				if _, err := db.Ingest(ctx, f.ID, items); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "articles/s")
		})
	}
}

// BenchmarkDeliver runs the deliverer's store round trip: claim 10 rows,
// then record a post for each (CompletePost is a transaction per row).
func BenchmarkDeliver(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Driver, func(b *testing.B) {
			db := be.Open(b)
			ctx := b.Context()
			f, err := db.AddFeed(ctx, bot.FeedSpec{URL: "https://bench.example/feed"}, bot.FromConfig)
			if err != nil {
				b.Fatal(err)
			}
			n, rows := 0, 0
			for b.Loop() {
				b.StopTimer()
				items := make([]bot.Incoming, 10)
				for i := range items {
					n++
					items[i] = bot.Incoming{Article: article(fmt.Sprint("k", n), "h"), Deliveries: deliveries(discord("1"))}
				}
				if _, err := db.Ingest(ctx, f.ID, items); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				got, err := db.ClaimOutbox(ctx, "bench", nil, time.Now(), time.Minute, 10)
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range got {
					if err := db.CompletePost(ctx, r.ID, bot.PostRef{Place: r.Target, Message: bot.RemoteID(fmt.Sprint("m", r.ID))}); err != nil {
						b.Fatal(err)
					}
					rows++
				}
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkIngestUnchanged re-ingests a known feed of 500 items: the
// steady state of every poll that is not a 304.
func BenchmarkIngestUnchanged(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Driver, func(b *testing.B) {
			db := be.Open(b)
			ctx := b.Context()
			f, err := db.AddFeed(ctx, bot.FeedSpec{URL: "https://bench.example/feed"}, bot.FromConfig)
			if err != nil {
				b.Fatal(err)
			}
			items := make([]bot.Incoming, 500)
			for i := range items {
				items[i] = bot.Incoming{Article: article(fmt.Sprint("k", i), "h"), Deliveries: deliveries(discord("1"))}
			}
			if _, err := db.Ingest(ctx, f.ID, items); err != nil {
				b.Fatal(err)
			}
			n := 0
			for b.Loop() {
				if _, err := db.Ingest(ctx, f.ID, items); err != nil {
					b.Fatal(err)
				}
				n += len(items)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "items/s")
		})
	}
}
