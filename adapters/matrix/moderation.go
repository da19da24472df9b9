package matrix

import (
	"context"

	"github.com/heraldchat/herald/bot"
)

var _ bot.OriginDeleter = (*Adapter)(nil)

// DeleteOrigin redacts a person's event (moderation). Redacting someone
// else's event needs the room's "redact" power level; without it the
// homeserver answers 403, which is permanent, so the row is parked with the
// error for admins to see. An event already gone is success.
func (a *Adapter) DeleteOrigin(ctx context.Context, origin bot.PostRef) error {
	return a.Delete(ctx, origin.Place, []bot.RemoteID{origin.Message})
}
