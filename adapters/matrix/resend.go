package matrix

import (
	"context"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"
)

// resendPages bounds how far back findSentSince pages (of recentScan
// events each) when looking for an earlier attempt.
const resendPages = 20

// clockSkew widens the search window for a sender whose clock differs from
// the homeserver's.
const clockSkew = time.Minute

// findSentSince looks for our own event carrying txn among the room's
// events since since; "" when there is none. It is the check before a
// repeated send (bot.PriorAttempt): when the instance that made the first
// attempt died mid-request, the homeserver may have stored the event
// without remembering the transaction id for the new sender — Dendrite
// records it only after answering, and only in memory — so the id alone
// does not stop a duplicate.
func (a *Adapter) findSentSince(ctx context.Context, cli *mautrix.Client, room id.RoomID, txn string, since time.Time) (id.EventID, error) {
	oldest := since.Add(-clockSkew).UnixMilli()
	from := ""
	for range resendPages {
		resp, err := cli.Messages(ctx, room, from, "", mautrix.DirectionBackward, nil, recentScan)
		if err != nil {
			return "", err
		}
		for _, ev := range resp.Chunk {
			if ev.Sender == a.user && (ev.Unsigned.TransactionID == txn || ev.Content.Raw[txnField] == txn) {
				return ev.ID, nil
			}
		}
		if len(resp.Chunk) == 0 || resp.End == "" || resp.Chunk[len(resp.Chunk)-1].Timestamp < oldest {
			return "", nil
		}
		from = resp.End
	}
	return "", nil
}
