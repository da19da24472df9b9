package metrics

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler(slog.New(slog.DiscardHandler)))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: status %d: %s", resp.StatusCode, b)
	}
	return string(b)
}

func TestMetricsExposition(t *testing.T) {
	m := New()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	m.FeedPolled(bot.PollFetched, 30*time.Millisecond, bot.PollResult{New: 3, Updated: 1})
	m.FeedPolled(bot.PollNotModified, 10*time.Millisecond, bot.PollResult{})
	m.FeedPolled(bot.PollFailed, 0, bot.PollResult{})
	art := bot.OutboxRow{Kind: bot.PostArticle, Target: bot.Place{Platform: bot.Discord, Channel: "1"}}
	m.Delivered(art, bot.DeliveryDone, now)
	m.Delivered(art, bot.DeliveryRetry, now)
	com := bot.OutboxRow{Kind: bot.PostComment, Target: bot.Place{Platform: bot.Matrix, Channel: "!r"}, Created: now.Add(-2 * time.Second)}
	m.Delivered(com, bot.DeliveryDone, now)
	m.Delivered(com, bot.DeliveryParked, now)
	m.RateLimitWait(500 * time.Millisecond)
	m.TooManyRequests()
	m.GatewayReconnect()
	m.SyncEvent(1500 * time.Millisecond)
	m.Leader("matrix_sync", true)
	m.WatchOutbox(func(context.Context) ([]OutboxDepth, error) {
		return []OutboxDepth{{Platform: "discord", Pending: 4, Oldest: now.Add(-time.Minute)}}, nil
	}, func() time.Time { return now })

	out := scrape(t, m)
	for _, want := range []string{
		`herald_feed_polls_total{outcome="new"} 1`,
		`herald_feed_polls_total{outcome="not_modified"} 1`,
		`herald_feed_polls_total{outcome="error"} 1`,
		`herald_feed_fetch_duration_seconds_count 2`,
		`herald_articles_total{change="new"} 3`,
		`herald_articles_total{change="updated"} 1`,
		`herald_deliveries_total{kind="post_article",outcome="done",platform="discord"} 1`,
		`herald_deliveries_total{kind="post_article",outcome="retry",platform="discord"} 1`,
		`herald_deliveries_total{kind="post_comment",outcome="parked",platform="matrix"} 1`,
		`herald_relay_latency_seconds_sum{platform="matrix"} 2`,
		`herald_relay_latency_seconds_count{platform="matrix"} 1`,
		`herald_discord_rate_limit_waits_total 1`,
		`herald_discord_rate_limit_wait_seconds_total 0.5`,
		`herald_discord_429_total 1`,
		`herald_discord_gateway_reconnects_total 1`,
		`herald_matrix_sync_lag_seconds 1.5`,
		`herald_leader{role="matrix_sync"} 1`,
		`herald_outbox_pending{platform="discord"} 4`,
		`herald_outbox_oldest_age_seconds{platform="discord"} 60`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// Every metric but the Go runtime's and the process's is Herald's.
	for _, line := range strings.Split(out, "\n") {
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
			if n := strings.Fields(name)[0]; !strings.HasPrefix(n, "herald_") && !strings.HasPrefix(n, "go_") && !strings.HasPrefix(n, "process_") {
				t.Errorf("metric %s is not prefixed herald_", n)
			}
		}
	}
}

// A failing outbox query must not hide the other metrics.
func TestMetricsOutboxQueryFails(t *testing.T) {
	m := New()
	m.FeedPolled(bot.PollFetched, time.Millisecond, bot.PollResult{New: 1})
	m.WatchOutbox(func(context.Context) ([]OutboxDepth, error) { return nil, errors.New("database down") }, time.Now)
	out := scrape(t, m)
	if !strings.Contains(out, `herald_feed_polls_total{outcome="new"} 1`) {
		t.Errorf("/metrics with a failing outbox query lost the other metrics:\n%s", out)
	}
	if strings.Contains(out, "herald_outbox_pending{") {
		t.Errorf("/metrics shows outbox depth although the query failed")
	}
}
