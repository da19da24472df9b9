package bot

import (
	"context"
	"errors"
	"fmt"
)

// Reactor is implemented by connectors that can put the bot's own reaction
// on a message and take it back. Connectors without it get no mirrored
// reactions (the rows are finished with nothing sent).
type Reactor interface {
	// React adds (add) or removes the bot's reaction emoji on message in
	// the thread of the article post in (Discord needs the thread's channel).
	// key is the row's idempotency key. Adding what is there or removing
	// what is not is success, so a resent row is harmless.
	React(ctx context.Context, in PostRef, message RemoteID, emoji string, add bool, key string) error
}

// sendReaction mirrors a reaction count change (see RelayStore.ReactAt) onto
// the comment's copy in the row's target: its mirror there, or the original
// when the comment was written there.
func (d *Deliverer) sendReaction(ctx context.Context, conn Connector, row OutboxRow) (recordFunc, error) {
	re, ok := conn.(Reactor)
	if !ok {
		return d.skip(row, "platform cannot react")
	}
	if row.Emoji == "" {
		return nil, fmt.Errorf("reaction row %d has no emoji: %w", row.ID, ErrPermanent)
	}
	c, err := d.store.Comment(ctx, row.CommentID)
	if errors.Is(err, ErrNotFound) {
		return d.skip(row, "comment removed")
	}
	if err != nil {
		return nil, fmt.Errorf("load comment %d: %w", row.CommentID, err)
	}
	if !c.Deleted.IsZero() {
		return d.skip(row, "comment deleted")
	}
	var message RemoteID
	if c.Origin.Place == row.Target {
		message = c.Origin.Message
	} else {
		ids, err := d.mirrorAt(ctx, c.ID, row.Target)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return d.skip(row, "comment not mirrored there")
		}
		message = ids[0] // a long comment's reactions go on its first part
	}
	in, err := d.postAt(ctx, c.ArticleID, row.Target)
	if errors.Is(err, ErrNotFound) {
		return d.skip(row, "article not posted there")
	}
	if err != nil {
		return nil, err
	}
	add := row.Kind == ReactAdd
	if err := re.React(ctx, in, message, row.Emoji, add, row.Key); err != nil {
		return nil, fmt.Errorf("%s %q on comment %d in %s: %w", row.Kind, row.Emoji, c.ID, row.Target, err)
	}
	return func(ctx context.Context) error { return d.store.CompleteOutbox(ctx, row.ID) }, nil
}
