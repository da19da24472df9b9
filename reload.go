package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/config"
)

// routeTable holds what a config reload changes under the adapters while
// they keep reading: the per-place route options and who is an admin.
type routeTable struct {
	mu     sync.RWMutex
	m      map[bot.Place]placeOptions
	admins adminFacts
}

// adminFacts are the config's admin settings the adapters check.
type adminFacts struct {
	discordRoles []string
	matrixUsers  []string
	matrixLevel  int
}

func newRouteTable(cfg *config.Config) *routeTable {
	return &routeTable{m: routeOptions(cfg), admins: adminsOf(cfg)}
}

func adminsOf(cfg *config.Config) adminFacts {
	return adminFacts{discordRoles: cfg.Discord.AdminRoles, matrixUsers: cfg.Matrix.AdminUsers, matrixLevel: cfg.Matrix.AdminPowerLevel}
}

func (t *routeTable) adminFacts() adminFacts {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.admins
}

func (t *routeTable) get(p bot.Place) placeOptions {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.m[p]
}

func (t *routeTable) set(cfg *config.Config) {
	m := routeOptions(cfg)
	t.mu.Lock()
	t.m, t.admins = m, adminsOf(cfg)
	t.mu.Unlock()
}

// reloadStore is what a reload writes.
type reloadStore interface {
	SyncConfigFeeds(ctx context.Context, specs []bot.FeedSpec) error
	SyncConfigLinks(ctx context.Context, groups [][]bot.Place) error
}

// reloader applies a changed config file to a running Herald: the feeds
// (SyncConfigFeeds), the route options and what the command tree knows of
// the file, the mirror links and the admin lists. Settings read once at start (database, adapters' credentials,
// the web listener, poller defaults) need a restart; reload says so.
type reloader struct {
	path    string
	dataDir string
	store   reloadStore
	routes  *routeTable
	tree    *bot.Commands
	rules   *bot.Rules // moderation rules; may be nil
	log     *slog.Logger
}

// reload reads the config file again and applies it. A file with problems
// changes nothing: every problem is logged and the old config stays.
func (r *reloader) reload(ctx context.Context) error {
	if r.path == "" {
		r.log.Warn("config reload asked, but Herald runs without a config file: nothing to reload")
		return errors.New("no config file")
	}
	cfg, err := config.Load(r.path)
	if err != nil {
		var problems config.Problems
		if errors.As(err, &problems) {
			for _, p := range problems {
				r.log.Error("config reload: problem", slog.String("problem", p.String()))
			}
			r.log.Error("config reload refused; the old config stays in force",
				slog.String("file", r.path), slog.Int("problems", len(problems)))
			return fmt.Errorf("%s has %d problem(s): %w", r.path, len(problems), err)
		}
		r.log.Error("config reload failed; the old config stays in force", slog.String("file", r.path), slog.String("error", err.Error()))
		return err
	}
	specs, err := feedSpecs(cfg, r.dataDir)
	if err != nil {
		r.log.Error("config reload failed; the old config stays in force", slog.String("error", err.Error()))
		return err
	}
	if err := r.store.SyncConfigFeeds(ctx, specs); err != nil {
		r.log.Error("config reload: could not apply the feeds; the old ones stay", slog.String("error", err.Error()))
		return fmt.Errorf("apply the config's feeds: %w", err)
	}
	cc := commandConfig(cfg)
	if err := r.store.SyncConfigLinks(ctx, cc.Links); err != nil {
		// The feeds are applied; the links keep their old state.
		r.log.Error("config reload: could not apply the links; the old ones stay", slog.String("error", err.Error()))
	}
	if r.routes != nil {
		r.routes.set(cfg)
	}
	if r.tree != nil {
		r.tree.SetConfig(cc)
	}
	if r.rules != nil {
		if err := r.rules.SetConfig(cfg.Moderation); err != nil {
			r.log.Error("config reload: the moderation rules stay as they were", slog.String("error", err.Error()))
		}
	}
	for _, w := range cfg.Warnings {
		r.log.Warn("config", slog.String("warning", w.String()))
	}
	r.log.Info("config reloaded", slog.String("file", r.path), slog.Int("feeds", len(specs)),
		slog.String("note", "database, adapter, web and poller settings take effect at the next restart"))
	return nil
}

// watch reloads on every signal from hup until ctx ends.
func (r *reloader) watch(ctx context.Context, hup <-chan os.Signal) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			_ = r.reload(ctx) // logged; the old config stays on failure
		}
	}
}

// commandConfig is what the command tree must know of the config file.
func commandConfig(cfg *config.Config) bot.CommandConfig {
	cc := bot.CommandConfig{File: cfg.File}
	for _, l := range cfg.Links {
		cc.Links = append(cc.Links, []bot.Place{
			{Platform: bot.Discord, Channel: bot.RemoteID(l.Discord)},
			{Platform: bot.Matrix, Channel: bot.RemoteID(l.Matrix)},
		})
	}
	return cc
}
