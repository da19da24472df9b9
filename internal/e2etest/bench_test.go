package e2etest_test

import (
	"slices"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/internal/e2etest"
)

// BenchmarkModDelete measures one `mod delete` of a Discord comment until it
// is gone from Discord (the original), Matrix (the mirror, as a client
// reads the room) and the web (the store). The wait polls every 20 ms, so
// figures are rounded up to that; p50 and p99 are reported beside ns/op.
func BenchmarkModDelete(b *testing.B) {
	env := e2etest.New(b, homeserver, e2etest.Options{})
	th := env.PostArticle("bench", "Benchmark")
	ana := env.DiscordPerson("Ana")
	var took []time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		text := "bench comment " + time.Now().Format(time.RFC3339Nano)
		msg := ana.Say(th, text)
		env.WaitFor("the comment on Matrix", func() bool { return env.MatrixCount(th, text) == 1 })
		b.StartTimer()
		start := time.Now()
		if r := env.Admin("mod delete discord:" + msg); r.Failed {
			b.Fatalf("mod delete: %s", r)
		}
		env.WaitFor("the comment gone everywhere", func() bool {
			c, _ := env.WebComment(bot.Discord, msg)
			return env.DiscordCount(th, text) == 0 && env.MatrixCount(th, text) == 0 && !c.Deleted.IsZero()
		})
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Milliseconds()), "p50_ms")
	b.ReportMetric(float64(took[len(took)*99/100].Milliseconds()), "p99_ms")
}
