package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/heraldchat/herald/adapters/discord"
	"github.com/heraldchat/herald/adapters/matrix"
	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/bot/render"
	"github.com/heraldchat/herald/config"
	"github.com/heraldchat/herald/internal/metrics"
)

// chatAdapter is one chat platform as the run command sees it: its
// connector when configured, else why it is off.
type chatAdapter struct {
	name      string
	conn      bot.Connector
	probe     func(ctx context.Context) (string, error)
	offReason string
}

// chatAdapters builds the Discord and Matrix adapters that are configured.
func chatAdapters(cfg *config.Config, state bot.StateStore, log *slog.Logger, routes *routeTable, meter *metrics.Metrics) ([]chatAdapter, error) {
	off := func(name, why string) chatAdapter {
		return chatAdapter{name: name, offReason: why,
			probe: func(context.Context) (string, error) { return "not configured", nil }}
	}
	// A running adapter is ready when it is connected (Discord: the
	// gateway session is up; Matrix: the homeserver accepts the token).
	on := func(name string, conn interface {
		bot.Connector
		Status(ctx context.Context) (string, error)
	}) chatAdapter {
		return chatAdapter{name: name, conn: conn, probe: conn.Status}
	}
	var out []chatAdapter

	if cfg.Discord.Configured() {
		d, err := discord.New(discord.Options{
			Token:         cfg.Discord.Token,
			ApplicationID: cfg.Discord.ApplicationID,
			GuildID:       cfg.Discord.GuildID,
			ShardID:       cfg.Discord.ShardID,
			ShardCount:    cfg.Discord.ShardCount,
			WebhookName:   cfg.Discord.WebhookName,
			APIBase:       cfg.Discord.APIBase,
			Logger:        log.With(slog.String("part", "discord")),
			State:         state,
			Route: func(p bot.Place) discord.RouteOptions {
				r := routes.get(p)
				return discord.RouteOptions{Render: r.render, ThreadArchiveMinutes: r.ThreadArchive, ForumTags: r.ForumTags}
			},
		})
		if err != nil {
			return nil, fmt.Errorf("discord: %w", err)
		}
		d.Observe(meter)
		out = append(out, on("discord", d))
	} else {
		out = append(out, off("discord", "no discord.token configured (set it to ${DISCORD_TOKEN} and export the bot token)"))
	}

	if cfg.Matrix.Configured() {
		m := matrix.New(matrix.Options{
			Homeserver:  cfg.Matrix.Homeserver,
			UserID:      cfg.Matrix.UserID,
			AccessToken: cfg.Matrix.AccessToken,
			Password:    cfg.Matrix.Password,
			DeviceName:  cfg.Matrix.DeviceName,
			Rooms:       matrixRooms(cfg),
			AdminUsers:  cfg.Matrix.AdminUsers,
			State:       state,
			Logger:      log.With(slog.String("part", "matrix")),
		})
		out = append(out, on("matrix", m))
	} else {
		out = append(out, off("matrix", "no matrix.homeserver with an access_token or password configured"))
	}
	return out, nil
}

// placeOptions are the formatting choices of the route to one place.
type placeOptions struct {
	config.RouteOptions
	render render.Options
}

// routeOptions indexes the config's routes by place. When several feeds
// route to one place, the first route's choices win for that place.
func routeOptions(cfg *config.Config) map[bot.Place]placeOptions {
	out := map[bot.Place]placeOptions{}
	for _, f := range cfg.Feeds {
		for _, r := range f.Routes {
			platform, channel, err := r.Place()
			if err != nil {
				continue // validated at load; an invalid place has no route
			}
			p := bot.Place{Platform: bot.Platform(platform), Channel: bot.RemoteID(channel)}
			if _, ok := out[p]; ok {
				continue
			}
			out[p] = placeOptions{RouteOptions: r.RouteOptions, render: render.Options{
				FeedName:    f.Name,
				Colour:      parseColour(f.Colour),
				PlainText:   r.PlainText,
				Template:    firstNonEmpty(r.Template, f.Template),
				MentionRole: r.MentionRole,
				MatrixText:  r.MessageType == "m.text",
			}}
		}
	}
	return out
}

// matrixRooms is every room the bot must be in: the configured ones, the
// routes' and the links'.
func matrixRooms(cfg *config.Config) []string {
	seen := map[string]bool{}
	var rooms []string
	add := func(r string) {
		if r != "" && !seen[r] {
			seen[r] = true
			rooms = append(rooms, r)
		}
	}
	for _, r := range cfg.Matrix.Rooms {
		add(r)
	}
	for _, f := range cfg.Feeds {
		for _, r := range f.Routes {
			if platform, channel, err := r.Place(); err == nil && platform == string(bot.Matrix) {
				add(channel)
			}
		}
	}
	for _, l := range cfg.Links {
		add(l.Matrix)
	}
	return rooms
}

// parseColour reads "#rrggbb" (validated at load); anything else is 0, no colour.
func parseColour(s string) int {
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "#"), 16, 32)
	if err != nil {
		return 0
	}
	return int(v)
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
