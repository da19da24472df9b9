package discord

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
)

// BenchmarkDelivery posts 500 articles (a message and a thread each) into
// 10 channels against a fake that allows 2 messages per second per channel
// (Discord's real bucket is 5 per 5 s; the fake runs 2.5 times faster so the
// benchmark takes ~25 s, not ~50 s) and 50 requests per second globally.
// The per-channel buckets bind: 20 posts/s in all. It reports the rate
// achieved, that rate as a share of the allowed one, and the 429s seen.
func BenchmarkDelivery(b *testing.B) {
	const (
		channels = 10
		posts    = 500
		perWin   = 2
		window   = time.Second
	)
	allowed := float64(channels*perWin) / window.Seconds()
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
