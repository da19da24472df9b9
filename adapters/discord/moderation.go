package discord

import (
	"context"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldchat/herald/bot"
)

var _ bot.OriginDeleter = (*Adapter)(nil)

// DeleteOrigin removes a member's message (moderation): it needs Manage
// Messages in the channel, and without it the row is parked with a
// PermissionError naming the permission. A message in a thread lives in the
// thread's channel; one already gone is success.
func (a *Adapter) DeleteOrigin(ctx context.Context, origin bot.PostRef) error {
	channel := string(origin.Thread)
	if channel == "" {
		channel = string(origin.Place.Channel)
	}
	if err := a.refused(channel); err != nil {
		return err
	}
	err := a.sess.ChannelMessageDelete(channel, string(origin.Message), discordgo.WithContext(ctx))
	if _, code := restCode(err); code == codeUnknownMessage {
		return nil
	}
	return a.classify(ctx, "remove a member's message", channel, discordgo.PermissionManageMessages, err)
}
