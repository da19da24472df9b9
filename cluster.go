package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/internal/metrics"
	"github.com/heraldchat/herald/store"
)

// matrixSyncRole names the leadership that runs the Matrix /sync loop.
// Every instance posts to Matrix; only the leader reads from it, so each
// event enters the relay once and the stored sync position has one writer.
const matrixSyncRole = "matrix_sync"

// leaderConnector runs its connector's Run (the platform's event stream)
// only while this instance leads role; posting through the connector is
// unaffected and works on every instance.
type leaderConnector struct {
	bot.Connector
	db   *store.DB
	role string
	opt  store.LeaderOptions
}

func (l leaderConnector) Run(ctx context.Context, in bot.Inbox) error {
	return l.db.Lead(ctx, l.role, l.opt, func(ctx context.Context) error { return l.Connector.Run(ctx, in) })
}

// syncMeter measures how late events from a platform's stream arrive.
type syncMeter struct {
	bot.Inbox
	m *metrics.Metrics
}

func (s syncMeter) Receive(ctx context.Context, ev bot.Event) error {
	if !ev.Time.IsZero() && !ev.Received.IsZero() {
		s.m.SyncEvent(ev.Received.Sub(ev.Time))
	}
	return s.Inbox.Receive(ctx, ev)
}

// clusterParts wraps the connectors for running among several instances:
// Matrix /sync under leadership (with its lag measured), Discord as is
// (its gateway is split by shard in the config instead).
func clusterParts(c bot.Connector, db *store.DB, in bot.Inbox, m *metrics.Metrics, retry time.Duration, log *slog.Logger) (bot.Connector, bot.Inbox) {
	if c.Name() != bot.Matrix {
		return c, in
	}
	return leaderConnector{Connector: c, db: db, role: matrixSyncRole, opt: store.LeaderOptions{
		Retry:    retry,
		Logger:   log,
		OnChange: func(leading bool) { m.Leader(matrixSyncRole, leading) },
	}}, syncMeter{Inbox: in, m: m}
}

// outboxDepths adapts the store's outbox counts to the metrics package.
func outboxDepths(db *store.DB) func(ctx context.Context) ([]metrics.OutboxDepth, error) {
	return func(ctx context.Context) ([]metrics.OutboxDepth, error) {
		ds, err := db.OutboxDepths(ctx)
		out := make([]metrics.OutboxDepth, len(ds))
		for i, d := range ds {
			out[i] = metrics.OutboxDepth(d)
		}
		return out, err
	}
}
