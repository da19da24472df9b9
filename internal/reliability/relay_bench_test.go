package reliability

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/internal/e2etest"
)

// arrivals long-polls /sync as cli and reports when each message event's
// body first arrives, so a wait ends when Dendrite hands the event out, not
// at a polling tick.
func arrivals(ctx context.Context, tb testing.TB, cli *mautrix.Client, room id.RoomID) <-chan arrival {
	out := make(chan arrival, 256)
	first, err := cli.SyncRequest(ctx, 0, "", "", false, event.PresenceOffline)
	if err != nil {
		tb.Fatalf("first /sync: %v", err)
	}
	since := first.NextBatch
	go func() {
		defer close(out)
		for ctx.Err() == nil {
			resp, err := cli.SyncRequest(ctx, 30000, since, "", false, event.PresenceOffline)
			if err != nil {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			now := time.Now()
			since = resp.NextBatch
			for _, ev := range resp.Rooms.Join[room].Timeline.Events {
				if ev.Type != event.EventMessage {
					continue
				}
				_ = ev.Content.ParseRaw(ev.Type)
				body, _ := ev.Content.Raw["body"].(string)
				select {
				case out <- arrival{body: body, at: now}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}

type arrival struct {
	body string
	at   time.Time
}

// BenchmarkRelayDiscordToMatrix is end-to-end relay latency: a member's
// message in an article's thread on the fake Discord, through the real
// discordgo gateway, the Discord adapter, the relay and its SQLite store,
// the deliverer and the Matrix adapter, until a Matrix client's /sync on
// Dendrite hands out the mirror. One message at a time; p50 and p99 are
// reported beside ns/op.
func BenchmarkRelayDiscordToMatrix(b *testing.B) {
	env := e2etest.New(b, homeserver, e2etest.Options{})
	th := env.PostArticle("latency", "Latency")
	ana := env.DiscordPerson("Ana")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seen := arrivals(ctx, b, env.RoomCreator, env.Room)
	var took []time.Duration
	for i := 0; b.Loop(); i++ {
		text := fmt.Sprintf("latency probe %d", i)
		start := time.Now()
		ana.Say(th, text)
		deadline := time.After(e2etest.WaitLimit)
	wait:
		for {
			select {
			case a := <-seen:
				if strings.Contains(a.body, text) {
					took = append(took, a.at.Sub(start))
					break wait
				}
			case <-deadline:
				b.Fatalf("no mirror of %q on Matrix within %s", text, e2etest.WaitLimit)
			}
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(percentile(took, 50).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(percentile(took, 99).Microseconds())/1000, "p99_ms")
}

// percentile is the p-th percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[max(i-1, 0)]
}
