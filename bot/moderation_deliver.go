package bot

import (
	"context"
	"errors"
	"fmt"
)

// OriginDeleter is implemented by connectors that can remove a message a
// person wrote (not one Herald posted): Discord with Manage Messages, Matrix
// with a power level that allows redacting others' events. Moderation uses
// it to take a deleted or banned author's comment off the platform it was
// written on. Already gone is success; missing rights are a permanent error
// (the row is parked with it, for admins to see).
type OriginDeleter interface {
	DeleteOrigin(ctx context.Context, origin PostRef) error
}

// deleteOrigin sends a DeleteComment row that targets the place a comment
// was written in: mirrors never go to their comment's own place, so such a
// row can only mean "remove the original".
func (d *Deliverer) deleteOrigin(ctx context.Context, conn Connector, row OutboxRow) (recordFunc, error) {
	c, err := d.store.Comment(ctx, row.CommentID)
	if errors.Is(err, ErrNotFound) {
		return d.skip(row, "comment removed")
	}
	if err != nil {
		return nil, fmt.Errorf("load comment %d: %w", row.CommentID, err)
	}
	if c.Origin.Place != row.Target || c.Origin.Message == "" {
		return d.skip(row, "comment not mirrored there")
	}
	od, ok := conn.(OriginDeleter)
	if !ok {
		return d.skip(row, "platform cannot remove people's messages")
	}
	if err := od.DeleteOrigin(ctx, c.Origin); err != nil {
		return nil, fmt.Errorf("remove the original of comment %d in %s: %w", c.ID, row.Target, err)
	}
	return func(ctx context.Context) error { return d.store.CompleteOutbox(ctx, row.ID) }, nil
}
