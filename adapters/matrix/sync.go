package matrix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
)

// maxBackfillPages bounds how far a gap in one room is filled after a long
// absence (pages of 100 events).
const maxBackfillPages = 50

// syncFilter keeps /sync to what the adapter reads: messages, edits,
// redactions and reactions in the timeline, membership and encryption in
// the state, members loaded lazily, and nothing else (no presence, typing,
// receipts or account data).
func (a *Adapter) syncFilter() *mautrix.Filter {
	none := &mautrix.FilterPart{NotTypes: []event.Type{{Type: "*"}}}
	return &mautrix.Filter{
		EventFormat: mautrix.EventFormatClient,
		AccountData: none,
		Presence:    none,
		Room: &mautrix.RoomFilter{
			AccountData: none,
			Ephemeral:   none,
			State: &mautrix.FilterPart{
				Types:           []event.Type{event.StateMember, event.StateEncryption},
				LazyLoadMembers: true,
			},
			Timeline: &mautrix.FilterPart{
				Types: []event.Type{event.EventMessage, event.EventRedaction, event.EventReaction,
					event.StateMember, event.StateEncryption},
				Limit:           a.opt.TimelineLimit,
				LazyLoadMembers: true,
			},
		},
	}
}

// syncLoop long-polls /sync and hands every event to in. The position is
// stored only after in accepted every event of a batch, so a restart
// resumes exactly where the last run stopped: nothing replayed, nothing
// skipped.
func (a *Adapter) syncLoop(ctx context.Context, in bot.Inbox) error {
	cli, err := a.connect(ctx)
	if err != nil {
		return err
	}
	pos, err := a.loadPosition(ctx)
	if err != nil {
		return err
	}
	filterID := ""
	backoff := firstBackoff
	for ctx.Err() == nil {
		since := pos.Since
		if filterID == "" {
			resp, err := cli.CreateFilter(ctx, a.syncFilter())
			if err == nil {
				filterID = resp.FilterID
			}
			if err := a.syncFailed(ctx, err, &backoff); err != nil {
				return err
			}
			if filterID == "" {
				continue
			}
		}
		resp, err := cli.FullSyncRequest(ctx, mautrix.ReqSync{
			Timeout:  int(a.opt.SyncTimeout.Milliseconds()),
			Since:    since,
			FilterID: filterID,
		})
		if err != nil {
			if errors.Is(err, mautrix.MUnknownToken) && a.opt.Password != "" {
				a.log.Warn("matrix access token revoked, logging in again")
				if cli, err = a.reconnect(ctx); err != nil {
					return err
				}
				continue
			}
			if err := a.syncFailed(ctx, err, &backoff); err != nil {
				return err
			}
			if !judge(err).retry {
				filterID = "" // a refused request may mean a filter the server lost
			}
			continue
		}
		backoff = firstBackoff
		events, last, err := a.batch(ctx, cli, resp, pos)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// The same batch is asked for again: nothing was handed over yet.
			a.log.Warn("matrix could not read a sync batch, retrying", slog.String("error", err.Error()))
			if err := sleep(ctx, a.jitter(time.Second)); err != nil {
				return err
			}
			continue
		}
		for _, ev := range events {
			if err := a.deliver(ctx, in, ev); err != nil {
				return err
			}
		}
		next := position{Since: resp.NextBatch, Last: maps.Clone(pos.Last)}
		if next.Last == nil {
			next.Last = map[id.RoomID]id.EventID{}
		}
		maps.Copy(next.Last, last)
		// The inbox has every event of the batch: keep the position even if
		// Run is being stopped right now, or the next run would replay it.
		keepCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		err = a.retryPlain(keepCtx, "keep sync position", func(ctx context.Context) error {
			return a.storePosition(ctx, next)
		})
		cancel()
		if err != nil {
			return err
		}
		pos = next
	}
	return ctx.Err()
}

// position is where the adapter is in the event stream: the /sync token,
// and the last timeline event handed over in each room. The token alone is
// not enough: when a room's timeline is limited, the gap is fetched with
// /messages, and Dendrite does not stop that at the token, so the last
// event seen is where the gap ends. Both are one value in the state store,
// written at once.
type position struct {
	Since string                   `json:"since"`
	Last  map[id.RoomID]id.EventID `json:"last,omitempty"`
}

func (a *Adapter) loadPosition(ctx context.Context) (position, error) {
	raw, err := a.state(ctx, "sync_position")
	if err != nil || raw == "" {
		return position{}, err
	}
	var p position
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		// Starting over would skip what was said meanwhile; better to say so.
		return position{}, bot.Permanent(fmt.Errorf("matrix: the kept sync position is damaged (%v); delete state key %q to start from now", err, a.stateKey("sync_position")))
	}
	return p, nil
}

func (a *Adapter) storePosition(ctx context.Context, p position) error {
	raw, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("matrix: keep sync position: %w", err)
	}
	return a.setState(ctx, "sync_position", string(raw))
}

// syncFailed waits after a failed /sync or filter request; nil err passes.
// Only a revoked token without a password to log in again ends the loop:
// everything else, even an answer that looks final, is waited out, because
// a homeserver shutting down or starting says odd things and Run must keep
// going until ctx ends.
func (a *Adapter) syncFailed(ctx context.Context, err error, backoff *time.Duration) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, mautrix.MUnknownToken) {
		return bot.Permanent(fmt.Errorf("matrix: the access token of %s was revoked; configure a new one or a password: %w", a.user, err))
	}
	v := judge(err)
	wait := v.wait
	if wait == 0 {
		wait = a.jitter(*backoff)
		*backoff = min(*backoff*2, a.opt.MaxBackoff)
	}
	level := slog.LevelWarn
	if !v.retry {
		level, wait = slog.LevelError, max(wait, a.opt.MaxBackoff)
	}
	a.log.Log(ctx, level, "matrix sync failed, retrying", slog.Duration("wait", wait), slog.String("error", err.Error()))
	return sleep(ctx, wait)
}

// batch turns one /sync response into events for the inbox, in timeline
// order per room, after handling invites, leaves, member names and
// encryption. On the very first sync (no stored position) it hands over
// nothing: what was said before Herald arrived is not its business.
func (a *Adapter) batch(ctx context.Context, cli *mautrix.Client, resp *mautrix.RespSync, pos position) ([]bot.Event, map[id.RoomID]id.EventID, error) {
	since := pos.Since
	last := map[id.RoomID]id.EventID{}
	for room, inv := range resp.Rooms.Invite {
		a.invited(ctx, cli, room, inv)
	}
	for room := range resp.Rooms.Leave {
		a.mu.Lock()
		delete(a.joined, room)
		a.mu.Unlock()
	}
	rooms := make([]id.RoomID, 0, len(resp.Rooms.Join))
	for room := range resp.Rooms.Join {
		rooms = append(rooms, room)
	}
	slices.Sort(rooms) // a stable order makes logs and tests repeatable
	var out []bot.Event
	for _, room := range rooms {
		jr := resp.Rooms.Join[room]
		a.mu.Lock()
		a.joined[room] = true
		a.mu.Unlock()
		for _, ev := range jr.State.Events {
			ev.RoomID = room
			a.observeState(ev)
		}
		if n := len(jr.Timeline.Events); n > 0 {
			last[room] = jr.Timeline.Events[n-1].ID
		}
		if since == "" {
			for _, ev := range jr.Timeline.Events {
				ev.RoomID = room
				a.observeState(ev)
			}
			continue
		}
		timeline := jr.Timeline.Events
		if jr.Timeline.Limited && jr.Timeline.PrevBatch != "" {
			gap, err := a.backfill(ctx, cli, room, jr.Timeline.PrevBatch, since, pos.Last[room])
			if err != nil {
				return nil, nil, err
			}
			timeline = append(gap, timeline...)
		}
		for _, ev := range timeline {
			ev.RoomID = room
			a.observeState(ev)
			if got, ok := a.toEvent(ctx, cli, ev); ok {
				out = append(out, got)
			}
		}
	}
	return out, last, nil
}

// backfill fetches the events a limited timeline left out, oldest first:
// back from the timeline's start to the last event handed over before
// (seen), or to the previous sync token when there is none.
func (a *Adapter) backfill(ctx context.Context, cli *mautrix.Client, room id.RoomID, from, to string, seen id.EventID) ([]*event.Event, error) {
	var newestFirst []*event.Event
	found := false
	for page := 0; page < maxBackfillPages && !found; page++ {
		resp, err := cli.Messages(ctx, room, from, to, mautrix.DirectionBackward, nil, 100)
		if err != nil {
			return nil, fmt.Errorf("fill the gap in %s: %w", room, err)
		}
		for _, ev := range resp.Chunk {
			if seen != "" && ev.ID == seen {
				found = true
				break
			}
			newestFirst = append(newestFirst, ev)
		}
		if found || len(resp.Chunk) == 0 || resp.End == "" || resp.End == from {
			break
		}
		from = resp.End
		if page == maxBackfillPages-1 {
			a.log.Warn("matrix gap too long, older events skipped", slog.String("room_id", string(room)),
				slog.Int("events", len(newestFirst)))
		}
	}
	slices.Reverse(newestFirst)
	a.log.Info("matrix filled a gap in the timeline", slog.String("room_id", string(room)), slog.Int("events", len(newestFirst)),
		slog.Bool("reached_last_seen", found))
	return newestFirst, nil
}

// invited accepts an invite to a configured room or from an admin.
func (a *Adapter) invited(ctx context.Context, cli *mautrix.Client, room id.RoomID, inv *mautrix.SyncInvitedRoom) {
	var inviter id.UserID
	for _, ev := range inv.State.Events {
		if ev.Type == event.StateMember && ev.StateKey != nil && *ev.StateKey == string(a.user) {
			inviter = ev.Sender
		}
	}
	log := a.log.With(slog.String("room_id", string(room)), slog.String("inviter", string(inviter)))
	if !a.wantInvite(ctx, cli, room, inviter) {
		log.Info("matrix ignores an invite to a room that is not configured, from someone who is not an admin")
		return
	}
	if err := a.join(ctx, cli, string(room)); err != nil {
		log.Error("matrix could not accept an invite", slog.String("error", err.Error()))
		return
	}
	a.mu.Lock()
	a.joined[room] = true
	a.mu.Unlock()
}

// deliver hands one event to the inbox, retrying until it is accepted: the
// inbox only fails when it could not record the event (its store is down).
func (a *Adapter) deliver(ctx context.Context, in bot.Inbox, ev bot.Event) error {
	if a.command(ctx, ev) {
		return nil // a `!herald` command, answered in the room: not a comment
	}
	backoff := firstBackoff
	for {
		err := in.Receive(ctx, ev)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		a.log.Warn("matrix inbox refused an event, retrying", slog.String("event", string(ev.Kind)),
			slog.String("message", string(ev.Message)), slog.String("error", err.Error()))
		if err := sleep(ctx, a.jitter(backoff)); err != nil {
			return err
		}
		backoff = min(backoff*2, a.opt.MaxBackoff)
	}
}

// retryPlain retries an operation that is not a homeserver request (the
// state store) until it works or ctx ends.
func (a *Adapter) retryPlain(ctx context.Context, what string, op func(ctx context.Context) error) error {
	backoff := firstBackoff
	for {
		err := op(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, bot.ErrPermanent) {
			return err
		}
		a.log.Warn("matrix "+what+" failed, retrying", slog.String("error", err.Error()))
		if err := sleep(ctx, a.jitter(backoff)); err != nil {
			return err
		}
		backoff = min(backoff*2, a.opt.MaxBackoff)
	}
}

func (a *Adapter) jitter(d time.Duration) time.Duration { return d/2 + rand.N(d/2+1) }

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
