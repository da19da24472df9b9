package discord

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"
)

// InteractionFunc answers one interaction (a slash command, an
// autocomplete). It must respond within Discord's 3 seconds, deferring when
// the work is slow.
type InteractionFunc func(ctx context.Context, s *discordgo.Session, i *discordgo.InteractionCreate)

// RegisterCommands replaces the application's slash commands with cmds:
// in the configured guild (instant) or globally when no guild is set.
func (a *Adapter) RegisterCommands(ctx context.Context, cmds []*discordgo.ApplicationCommand) ([]*discordgo.ApplicationCommand, error) {
	appID, err := a.botID(ctx)
	if err != nil {
		return nil, err
	}
	out, err := a.sess.ApplicationCommandBulkOverwrite(appID, a.opt.GuildID, cmds, discordgo.WithContext(ctx))
	if err != nil {
		where := "globally"
		if a.opt.GuildID != "" {
			where = "in guild " + a.opt.GuildID
		}
		return nil, fmt.Errorf("discord: register %d slash commands %s: %w", len(cmds), where, err)
	}
	return out, nil
}
