package matrix

import (
	"context"
	"fmt"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
)

var _ bot.Reactor = (*Adapter)(nil)

// React adds the bot's m.reaction annotation with emoji to message, or
// redacts it. Matrix removes a reaction by redacting its event, so the
// event id of each one added is kept in the state store (it must outlive a
// restart) and removing one that was never added is nothing to do. key is
// the transaction id: a resent add returns the same event.
func (a *Adapter) React(ctx context.Context, in bot.PostRef, message bot.RemoteID, emoji string, add bool, key string) error {
	cli, room, err := a.target(ctx, in.Place)
	if err != nil {
		return err
	}
	what := reactionStateKey(room, id.EventID(message), emoji)
	if !add {
		ev, err := a.state(ctx, what)
		if err != nil || ev == "" {
			return err
		}
		if err := a.redact(ctx, cli, room, id.EventID(ev)); err != nil {
			return err
		}
		return a.setState(ctx, what, "")
	}
	content := &event.ReactionEventContent{RelatesTo: event.RelatesTo{
		Type: event.RelAnnotation, EventID: id.EventID(message), Key: emoji,
	}}
	ev, err := a.sendEvent(ctx, cli, room, event.EventReaction, content, key)
	if err != nil {
		return fmt.Errorf("react %q to %s: %w", emoji, message, err)
	}
	return a.setState(ctx, what, string(ev))
}

// reactionStateKey names the kept event id of the bot's reaction emoji on
// message in room.
func reactionStateKey(room id.RoomID, message id.EventID, emoji string) string {
	return fmt.Sprintf("reaction:%s:%s:%s", room, message, emoji)
}
