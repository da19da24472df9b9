package discord

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
)

// BenchmarkDelivery posts 500 articles (a message and a thread each, so
// 1000 requests) into 10 channels and reports the rate achieved, that rate
// as a share of what the fake allows, and the 429s seen. Two cases:
//
//   - buckets: 2 messages per second per channel (Discord's real bucket is
//     5 per 5 s; the fake runs faster so the case takes ~25 s, not ~100 s)
//     under the global 50/s: the channel buckets bind, 20 posts/s in all.
//   - global: 50 messages per second per channel: the global 50 requests/s
//     binds, 25 posts/s, and the adapter's own global window (48 starts
//     per 1.02 s by default) is what keeps it from 429s.
func BenchmarkDelivery(b *testing.B) {
	cases := []struct {
		name    string
		perWin  int
		allowed float64 // posts per second the fake allows
	}{
		{"buckets", 2, 20},
		{"global", 50, 25},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) { benchDelivery(b, c.perWin, c.allowed) })
	}
}

func benchDelivery(b *testing.B, perWin int, allowed float64) {
	const (
		channels = 10
		posts    = 500
		window   = time.Second
	)
	for i := 0; i < b.N; i++ {
		srv := discordtest.New(discordtest.Config{GlobalLimit: 50, MessageLimit: discordtest.Limit{Count: perWin, Window: window}})
		var ids []string
		for c := 0; c < channels; c++ {
			ids = append(ids, srv.AddTextChannel(fmt.Sprintf("news-%d", c)))
		}
		a := newAdapter(b, srv, nil)
		ctx := context.Background()
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, posts)
		// Five senders per channel keep every bucket busy.
		for c, ch := range ids {
			for w := 0; w < 5; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for p := w; p < posts/channels; p += 5 {
						key := fmt.Sprintf("bench-%d-%d-%d", i, c, p)
						if _, err := a.PostArticle(ctx, place(ch), article(key), key); err != nil {
							errs <- err
						}
					}
				}()
			}
		}
		wg.Wait()
		elapsed := time.Since(start)
		close(errs)
		for err := range errs {
			b.Fatalf("PostArticle: %v", err)
		}
		st := srv.Stats()
		sent := 0
		for _, ch := range ids {
			sent += len(srv.Messages(ch))
		}
		srv.Close()
		if sent != posts {
			b.Fatalf("got %d messages on the fake, want %d", sent, posts)
		}
		rate := float64(posts) / elapsed.Seconds()
		b.ReportMetric(rate, "posts/s")
		b.ReportMetric(allowed, "allowed_posts/s")
		b.ReportMetric(100*rate/allowed, "%_of_allowed")
		b.ReportMetric(float64(st.Status[429]), "429s")
		b.ReportMetric(float64(st.Requests)/elapsed.Seconds(), "requests/s")
	}
}
