package discord

import (
	"context"
	"log/slog"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldchat/herald/bot"
)

var _ bot.Reactor = (*Adapter)(nil)

// React puts the bot's reaction on a message, or takes it back (PUT or
// DELETE /channels/{id}/messages/{id}/reactions/{emoji}/@me). Messages of
// an article's thread live in the thread's channel. emoji is a unicode
// emoji or a custom one as name:id (what the gateway reported); the HTTP
// client percent-encodes it in the path. Both calls are idempotent on
// Discord, so the key is not needed.
func (a *Adapter) React(ctx context.Context, in bot.PostRef, message bot.RemoteID, emoji string, add bool, _ string) error {
	channel := string(in.Thread)
	if channel == "" {
		channel = string(in.Place.Channel)
	}
	if err := a.refused(channel); err != nil {
		return err
	}
	err := a.unarchived(ctx, string(in.Thread), func() error {
		if add {
			return a.sess.MessageReactionAdd(channel, string(message), emoji, discordgo.WithContext(ctx))
		}
		return a.sess.MessageReactionRemove(channel, string(message), emoji, "@me", discordgo.WithContext(ctx))
	})
	if _, code := restCode(err); !add && code == codeUnknownMessage {
		return nil // the message is gone, and its reactions with it
	}
	if err != nil {
		return a.classify(ctx, "react to a message", channel,
			discordgo.PermissionAddReactions|discordgo.PermissionReadMessageHistory, err)
	}
	return nil
}

// onReaction turns a reaction added or removed in a thread into a
// bot.Event. The bot's own reactions (the mirrored ones) are skipped, so
// they never count nor echo.
func (a *Adapter) onReaction(ctx context.Context, in bot.Inbox, kind bot.EventKind, r *discordgo.MessageReaction, member *discordgo.Member) {
	if r == nil || ctx.Err() != nil {
		return
	}
	me, _ := a.botID(ctx)
	if r.UserID == "" || r.UserID == me {
		return
	}
	emoji := r.Emoji.APIName()
	if emoji == "" {
		return
	}
	ch, err := a.channel(ctx, r.ChannelID)
	if err != nil {
		a.log.Warn("reaction in a channel the bot cannot look up: skipped", slog.String("channel", r.ChannelID),
			slog.String("message", r.MessageID), slog.String("error", err.Error()))
		return
	}
	if !ch.IsThread() {
		return
	}
	now := time.Now()
	ev := bot.Event{
		Kind:     kind,
		Place:    bot.Place{Platform: bot.Discord, Channel: bot.RemoteID(ch.ParentID)},
		Thread:   bot.RemoteID(ch.ID),
		Message:  bot.RemoteID(r.MessageID),
		Author:   bot.Author{Platform: bot.Discord, ID: bot.RemoteID(r.UserID)},
		Emoji:    emoji,
		Received: now,
		Time:     now,
	}
	if member != nil && member.User != nil {
		ev.Author = author(&discordgo.Message{Author: member.User, Member: member})
	}
	a.deliver(ctx, in, ev)
}
