package main

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/heraldchat/herald/adapters/discord"
	"github.com/heraldchat/herald/adapters/matrix"
	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/config"
)

// commandTree builds the admin command tree and has each chat adapter
// serve it: Discord as /herald slash commands, Matrix as `!herald`
// messages. Call it before the adapters run.
// Who is an admin is read from live at each command, so a reload applies.
func commandTree(cfg *config.Config, store bot.CommandStore, fetch bot.FeedFetcher, loc *time.Location,
	kick func(), adapters []chatAdapter, live *routeTable, log *slog.Logger) *bot.Commands {
	var platforms []bot.Platform
	for _, a := range adapters {
		if a.conn != nil {
			platforms = append(platforms, a.conn.Name())
		}
	}
	tree := bot.NewCommands(bot.CommandOptions{
		Store:           store,
		Fetch:           fetch,
		Location:        loc,
		DefaultSchedule: cfg.Defaults.Schedule,
		FirstPost:       &cfg.Defaults.FirstPost,
		Platforms:       platforms,
		Notify:          kick,
		Adapters: func(ctx context.Context) []bot.AdapterStatus {
			var out []bot.AdapterStatus
			for _, a := range adapters {
				state, err := a.probe(ctx)
				if a.conn == nil {
					state = "off (" + a.offReason + ")"
				}
				out = append(out, bot.AdapterStatus{Name: a.name, State: state, Err: err})
			}
			return out
		},
		Logger: log,
	})
	tree.SetConfig(commandConfig(cfg))
	for _, a := range adapters {
		switch c := a.conn.(type) {
		case *discord.Adapter:
			c.ServeCommands(tree, func() []string { return live.adminFacts().discordRoles })
		case *matrix.Adapter:
			c.ServeCommands(&matrix.Commands{Tree: tree, Prefix: cfg.Matrix.CommandPrefix,
				Admins: func() ([]string, int) {
					f := live.adminFacts()
					return f.matrixUsers, f.matrixLevel
				}})
		}
	}
	return tree
}

// serveCommands registers the slash commands on Discord (retrying while
// Discord is unreachable) and reloads the config on every signal from hup,
// until ctx ends.
func serveCommands(ctx context.Context, tree *bot.Commands, conns map[bot.Platform]bot.Connector, r *reloader,
	hup <-chan os.Signal, log *slog.Logger) error {
	// The config's links go into the links table at start, as the feeds
	// do, so mirroring reads one table.
	if err := r.store.SyncConfigLinks(ctx, tree.Config().Links); err != nil {
		log.Error("could not apply the config's links", slog.String("error", err.Error()))
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	if d, ok := conns[bot.Discord].(*discord.Adapter); ok {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for wait := time.Second; ; wait = min(2*wait, 5*time.Minute) {
				err := d.RegisterTree(ctx, tree)
				if err == nil {
					log.Info("discord slash commands registered", slog.String("command", "/"+discord.RootCommand))
					return
				}
				if ctx.Err() != nil {
					return
				}
				log.Warn("could not register the discord slash commands; retrying", slog.String("error", err.Error()),
					slog.Duration("retry_in", wait))
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
			}
		}()
	}
	return r.watch(ctx, hup)
}
