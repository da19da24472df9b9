package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// BenchmarkClaimCompleteInstances drains a PostgreSQL outbox with 1 and 3
// "instances" (each its own connection pool, as separate processes have),
// each claiming 4 rows at a time through ClaimOutboxOrdered and recording
// every post: how many deliveries per second the database side of the
// cluster sustains, and whether more instances add or only contend. It
// also checks no row is claimed twice.
func BenchmarkClaimCompleteInstances(b *testing.B) {
	const rowsPerRound = 600
	for _, instances := range []int{1, 3} {
		b.Run(fmt.Sprint("instances=", instances), func(b *testing.B) {
			dsn := storetest.PostgresDSN(b)
			var dbs []*store.DB
			for range instances {
				db, err := store.Open(b.Context(), store.Postgres, dsn)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { db.Close() })
				dbs = append(dbs, db)
			}
			ctx := b.Context()
			f, err := dbs[0].AddFeed(ctx, bot.FeedSpec{URL: "https://bench.example/cluster"}, bot.FromConfig)
			if err != nil {
				b.Fatal(err)
			}
			n, total := 0, 0
			kinds := []bot.OutboxKind{bot.PostArticle}
			for b.Loop() {
				b.StopTimer()
				items := make([]bot.Incoming, rowsPerRound/2)
				for i := range items {
					n++
					items[i] = bot.Incoming{Article: article(fmt.Sprint("c", n), "h"), Deliveries: deliveries(discord("1"), matrix("!r:x"))}
				}
				if _, err := dbs[0].Ingest(ctx, f.ID, items); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				var mu sync.Mutex
				seen := map[int64]bool{}
				var wg sync.WaitGroup
				for i, db := range dbs {
					wg.Go(func() {
						for {
							rows, err := db.ClaimOutboxOrdered(ctx, fmt.Sprint("i", i), []bot.Platform{bot.Discord, bot.Matrix}, kinds, time.Now(), time.Minute, 4)
							if err != nil {
								b.Error(err)
								return
							}
							if len(rows) == 0 {
								return
							}
							for _, r := range rows {
								mu.Lock()
								dup := seen[r.ID]
								seen[r.ID] = true
								mu.Unlock()
								if dup {
									b.Errorf("row %d claimed twice", r.ID)
								}
								if err := db.CompletePost(ctx, r.ID, bot.PostRef{Place: r.Target, Message: bot.RemoteID(fmt.Sprint("m", r.ID))}); err != nil {
									b.Error(err)
									return
								}
							}
						}
					})
				}
				wg.Wait()
				total += len(seen)
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
