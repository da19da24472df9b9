package matrix

import (
	"context"
	"errors"
	"fmt"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
)

// txnField carries the transaction id inside the event content. The
// homeserver deduplicates a retried transaction id only while it remembers
// it (Dendrite: in memory, for up to an hour, lost on restart); when a send
// failed in a way that may have reached the server, the adapter looks for
// this field among its recent events before sending again.
const txnField = "org.heraldchat.txn"

// recentScan is how many of the room's latest events are searched for an
// earlier attempt of an uncertain send.
const recentScan = 100

// sendEvent sends one room event with txn as its transaction id and
// returns the event id. A retry with the same txn returns the same event.
func (a *Adapter) sendEvent(ctx context.Context, cli *mautrix.Client, room id.RoomID, typ event.Type,
	content any, txn string) (id.EventID, error) {
	wrapped := &event.Content{Parsed: content, Raw: map[string]any{txnField: txn}}
	if since, ok := bot.PriorAttempt(ctx); ok {
		// An earlier attempt may have landed (see findSentSince).
		found, err := a.findSentSince(ctx, cli, room, txn, since)
		if err != nil {
			return "", fmt.Errorf("matrix: look for an earlier attempt of txn %s in %s: %w", txn, room, err)
		}
		if found != "" {
			return found, nil
		}
	}
	var got id.EventID
	what := fmt.Sprintf("send %s to %s (txn %s)", typ.Type, room, txn)
	err := a.retryUncertain(ctx, what,
		func(ctx context.Context) error {
			resp, err := cli.SendMessageEvent(ctx, room, typ, wrapped, mautrix.ReqSendEvent{TransactionID: txn})
			if err != nil {
				return err
			}
			got = resp.EventID
			return nil
		},
		func(ctx context.Context) (bool, error) {
			evID, err := a.findSent(ctx, cli, room, txn)
			got = evID
			return evID != "", err
		})
	if err != nil {
		return "", fmt.Errorf("matrix: %w", err)
	}
	return got, nil
}

// findSent looks for our own event carrying txn among the room's latest
// events; "" when there is none.
func (a *Adapter) findSent(ctx context.Context, cli *mautrix.Client, room id.RoomID, txn string) (id.EventID, error) {
	resp, err := cli.Messages(ctx, room, "", "", mautrix.DirectionBackward, nil, recentScan)
	if err != nil {
		return "", err
	}
	for _, ev := range resp.Chunk {
		if ev.Sender != a.user {
			continue
		}
		if ev.Unsigned.TransactionID == txn {
			return ev.ID, nil
		}
		if v, _ := ev.Content.Raw[txnField].(string); v == txn {
			return ev.ID, nil
		}
	}
	return "", nil
}

// redact removes an event; the transaction id is derived from the event so
// a retried redaction is the same redaction.
func (a *Adapter) redact(ctx context.Context, cli *mautrix.Client, room id.RoomID, ev id.EventID) error {
	err := a.retry(ctx, fmt.Sprintf("redact %s in %s", ev, room), func(ctx context.Context) error {
		_, err := cli.RedactEvent(ctx, room, ev, mautrix.ReqRedact{TxnID: "redact." + string(ev)})
		if err != nil && isGone(err) {
			return nil // already redacted or never visible: the goal holds
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("matrix: %w", err)
	}
	return nil
}

// isGone reports a 404 on an event we wanted to remove.
func isGone(err error) bool {
	var he mautrix.HTTPError
	if errors.As(err, &he) && he.Response != nil {
		return he.Response.StatusCode == 404
	}
	return false
}
