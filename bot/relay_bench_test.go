package bot_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// BenchmarkRelayLatency measures the time from Relay.Receive of a new
// comment in the Matrix thread to the connector's PostComment being called
// for its mirrors in both Discord threads, with in-process connectors and a
// real store: the core's share of end-to-end relay latency. One comment at a
// time, so it is latency, not throughput. Reported: p50 and p99 to the first
// mirror and to the last.
func BenchmarkRelayLatency(b *testing.B) {
	backends := []struct {
		name string
		open func(testing.TB) *store.DB
	}{
		{"sqlite", storetest.Open},
		{"postgres", storetest.OpenPostgres},
	}
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			r := newRelayRig(b, be.open(b))
			called := make(chan time.Time, 16)
			r.dc.setFail(func(op, _ string) error {
				if op == "post_comment" {
					called <- time.Now()
				}
				return nil
			})
			var first, last []time.Duration
			ctx := context.Background()
			b.ResetTimer()
			for i := range b.N {
				ev := r.event(bot.MessageCreated, rigMX, bot.RemoteID(fmt.Sprintf("$bench-%d", i)), "latency", "")
				r.waitIdle() // the previous comment's rows are recorded: its lanes are free
				start := time.Now()
				if err := r.relay.Receive(ctx, ev); err != nil {
					b.Fatal(err)
				}
				t1, t2 := <-called, <-called
				first = append(first, t1.Sub(start))
				last = append(last, t2.Sub(start))
			}
			b.StopTimer()
			slices.Sort(first)
			slices.Sort(last)
			b.ReportMetric(pct(first, 50), "p50-first-µs")
			b.ReportMetric(pct(first, 99), "p99-first-µs")
			b.ReportMetric(pct(last, 50), "p50-last-µs")
			b.ReportMetric(pct(last, 99), "p99-last-µs")
			r.waitIdle()
		})
	}
}

// pct returns the p-th percentile of sorted durations, in microseconds.
func pct(sorted []time.Duration, p int) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return float64(sorted[max(i-1, 0)].Microseconds())
}

// BenchmarkDeliverThroughput queues comments on 20 articles (20 lanes per
// target) with the deliverer stopped, then measures how fast one deliverer
// with in-process connectors drains them: the core's and the store's cost
// per delivery, without any platform's latency or rate limit.
func BenchmarkDeliverThroughput(b *testing.B) {
	const articles, perArticle = 20, 10
	backends := []struct {
		name string
		open func(testing.TB) *store.DB
	}{
		{"sqlite", storetest.Open},
		{"postgres", storetest.OpenPostgres},
	}
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			db := be.open(b)
			r := newRelayRig(b, db)
			ctx := context.Background()
			threads := map[int64]bot.RemoteID{r.article: r.thread(rigMX)}
			for i := 1; i < articles; i++ {
				threads[r.ingest(fmt.Sprint("t", i), "more news", "h")] = ""
			}
			r.waitIdle()
			for a := range threads {
				posts, err := db.Posts(ctx, a)
				if err != nil {
					b.Fatal(err)
				}
				for _, p := range posts {
					if p.Place == rigMX {
						threads[a] = p.Thread
					}
				}
			}
			r.stop()
			relay := bot.NewRelay(db, bot.RelayOptions{})
			rows, seq := 0, 0
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				for a, th := range threads {
					for range perArticle {
						seq++
						ev := bot.Event{Kind: bot.MessageCreated, Place: rigMX, Thread: th, Message: bot.RemoteID(fmt.Sprint("$t", seq)),
							Author: bot.Author{Platform: bot.Matrix, ID: "@a:test"}, Body: richtext.FromPlain("x")}
						if err := relay.Receive(ctx, ev); err != nil {
							b.Fatalf("article %d: %v", a, err)
						}
						rows += 2
					}
				}
				b.StartTimer()
				r.startDeliverer(rigOptions("throughput"))
				r.waitIdle()
				r.stop()
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
