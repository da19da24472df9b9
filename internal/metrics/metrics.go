// Package metrics exposes Herald's Prometheus metrics. Every metric is
// named herald_*. The core (bot) and the adapters report through small
// observer interfaces of their own, which Metrics implements, so only this
// package and main know about Prometheus.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/heraldchat/herald/bot"
)

// Metrics holds Herald's metrics on a registry of its own (no globals: two
// instances in one test process do not share counts).
type Metrics struct {
	reg *prometheus.Registry

	polls        *prometheus.CounterVec
	fetch        prometheus.Histogram
	articles     *prometheus.CounterVec
	deliveries   *prometheus.CounterVec
	relayLatency *prometheus.HistogramVec

	discordWaits     prometheus.Counter
	discordWaitTime  prometheus.Counter
	discord429       prometheus.Counter
	discordReconnect prometheus.Counter

	matrixSyncLag    prometheus.Gauge
	matrixSyncEvents prometheus.Counter
	leader           *prometheus.GaugeVec
}

// New makes the metrics and registers them, with the Go runtime and
// process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	f := func(c prometheus.Collector) { m.reg.MustRegister(c) }
	m.polls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "herald_feed_polls_total",
		Help: "Feed polls by outcome: new (a document was fetched and ingested), not_modified (HTTP 304), error.",
	}, []string{"outcome"})
	m.fetch = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "herald_feed_fetch_duration_seconds",
		Help:    "How long fetching one feed document took (HTTP or file), failures included.",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})
	m.articles = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "herald_articles_total",
		Help: "Articles ingested: new ones, and known ones whose content changed (updated).",
	}, []string{"change"})
	m.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "herald_deliveries_total",
		Help: "Outbox delivery attempts by platform, kind and outcome: done, retry (failed, tried again later), parked (given up).",
	}, []string{"platform", "kind", "outcome"})
	m.relayLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "herald_relay_latency_seconds",
		Help:    "From a comment's arrival (its mirror queued) to its mirror being sent, by target platform.",
		Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
	}, []string{"platform"})
	m.discordWaits = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "herald_discord_rate_limit_waits_total",
		Help: "Discord REST requests held back by Herald's global rate limit.",
	})
	m.discordWaitTime = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "herald_discord_rate_limit_wait_seconds_total",
		Help: "Time Discord REST requests spent waiting for the global rate limit.",
	})
	m.discord429 = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "herald_discord_429_total",
		Help: "Discord REST answers with HTTP 429 Too Many Requests.",
	})
	m.discordReconnect = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "herald_discord_gateway_reconnects_total",
		Help: "Discord gateway connections lost and resumed.",
	})
	m.matrixSyncLag = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "herald_matrix_sync_lag_seconds",
		Help: "For the last event /sync handed over: how long after its origin_server_ts Herald received it.",
	})
	m.matrixSyncEvents = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "herald_matrix_sync_events_total",
		Help: "Events the Matrix /sync loop handed to the relay.",
	})
	m.leader = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "herald_leader",
		Help: "1 while this instance holds the named leadership (matrix_sync), else 0.",
	}, []string{"role"})
	for _, c := range []prometheus.Collector{m.polls, m.fetch, m.articles, m.deliveries, m.relayLatency,
		m.discordWaits, m.discordWaitTime, m.discord429, m.discordReconnect, m.matrixSyncLag, m.matrixSyncEvents, m.leader,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		f(c)
	}
	// Outcome labels exist from the start, so a sum over instances or a
	// rate() sees zeros instead of missing series.
	for _, o := range []bot.PollOutcome{bot.PollFetched, bot.PollNotModified, bot.PollFailed} {
		m.polls.WithLabelValues(string(o))
	}
	m.articles.WithLabelValues("new")
	m.articles.WithLabelValues("updated")
	return m
}

// Registry is where the metrics live, for tests and extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling:     promhttp.ContinueOnError, // a failing collector must not hide the rest
		EnableOpenMetrics: false,
	})
}

// FeedPolled implements bot.PollObserver.
func (m *Metrics) FeedPolled(outcome bot.PollOutcome, fetch time.Duration, res bot.PollResult) {
	m.polls.WithLabelValues(string(outcome)).Inc()
	if fetch > 0 {
		m.fetch.Observe(fetch.Seconds())
	}
	m.articles.WithLabelValues("new").Add(float64(res.New))
	m.articles.WithLabelValues("updated").Add(float64(res.Updated))
}

// Delivered implements bot.DeliveryObserver.
func (m *Metrics) Delivered(row bot.OutboxRow, outcome bot.DeliveryOutcome, at time.Time) {
	platform := string(row.Target.Platform)
	m.deliveries.WithLabelValues(platform, string(row.Kind), string(outcome)).Inc()
	if outcome == bot.DeliveryDone && row.Kind == bot.PostComment && !row.Created.IsZero() {
		m.relayLatency.WithLabelValues(platform).Observe(max(at.Sub(row.Created), 0).Seconds())
	}
}

// RateLimitWait implements discord.Observer: a request waited d.
func (m *Metrics) RateLimitWait(d time.Duration) {
	m.discordWaits.Inc()
	m.discordWaitTime.Add(d.Seconds())
}

// TooManyRequests implements discord.Observer: Discord answered 429.
func (m *Metrics) TooManyRequests() { m.discord429.Inc() }

// GatewayReconnect implements discord.Observer.
func (m *Metrics) GatewayReconnect() { m.discordReconnect.Inc() }

// SyncEvent records one event from the Matrix /sync loop: lag is how long
// after it was sent Herald received it.
func (m *Metrics) SyncEvent(lag time.Duration) {
	m.matrixSyncEvents.Inc()
	m.matrixSyncLag.Set(max(lag, 0).Seconds())
}

// Leader records whether this instance holds a leadership role.
func (m *Metrics) Leader(role string, leading bool) {
	v := 0.0
	if leading {
		v = 1
	}
	m.leader.WithLabelValues(role).Set(v)
}

// OutboxDepth is the pending work of one platform.
type OutboxDepth struct {
	Platform string
	Pending  int
	Oldest   time.Time
}

// WatchOutbox registers a collector that asks depths for the outbox's
// pending work at every scrape, so the numbers cover every instance's work
// (they come from the shared database), not just this one's.
func (m *Metrics) WatchOutbox(depths func(ctx context.Context) ([]OutboxDepth, error), now func() time.Time) {
	m.reg.MustRegister(&outboxCollector{depths: depths, now: now})
}

var (
	outboxPendingDesc = prometheus.NewDesc("herald_outbox_pending",
		"Outbox rows waiting for delivery, by platform (the whole database's, not one instance's).", []string{"platform"}, nil)
	outboxAgeDesc = prometheus.NewDesc("herald_outbox_oldest_age_seconds",
		"Age of the oldest pending outbox row, by platform; 0 when none is pending.", []string{"platform"}, nil)
)

type outboxCollector struct {
	depths func(ctx context.Context) ([]OutboxDepth, error)
	now    func() time.Time
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxPendingDesc
	ch <- outboxAgeDesc
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	// Collect has no context; bound the query so a slow database cannot
	// hang the scrape.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ds, err := c.depths(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxPendingDesc, err)
		return
	}
	now := c.now()
	for _, d := range ds {
		ch <- prometheus.MustNewConstMetric(outboxPendingDesc, prometheus.GaugeValue, float64(d.Pending), d.Platform)
		age := 0.0
		if d.Pending > 0 && !d.Oldest.IsZero() {
			age = max(now.Sub(d.Oldest), 0).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(outboxAgeDesc, prometheus.GaugeValue, age, d.Platform)
	}
}
