package e2etest

import (
	"context"
	"slices"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
)

// MatrixMirror is the first Matrix event that mirrors the comment written
// as message on platform; "" while there is none.
func (e *Env) MatrixMirror(platform bot.Platform, message string) id.EventID {
	ids := e.mirror(platform, message, e.MatrixPlace())
	if len(ids) == 0 {
		return ""
	}
	return id.EventID(ids[0])
}

// DiscordMirror is the first Discord message that mirrors the comment
// written as message on platform; "" while there is none.
func (e *Env) DiscordMirror(platform bot.Platform, message string) string {
	ids := e.mirror(platform, message, e.DiscordPlace())
	if len(ids) == 0 {
		return ""
	}
	return string(ids[0])
}

func (e *Env) mirror(platform bot.Platform, message string, in bot.Place) []bot.RemoteID {
	e.t.Helper()
	c, ok := e.WebComment(platform, message)
	if !ok {
		return nil
	}
	ms, err := e.DB.Mirrors(context.Background(), c.ID)
	if err != nil {
		e.t.Fatalf("e2etest: mirrors of comment %d: %v", c.ID, err)
	}
	for _, m := range ms {
		if m.Place == in {
			return m.IDs
		}
	}
	return nil
}

// MatrixReactions are the keys of the live (unredacted) m.reaction
// annotations by sender on target, as a client reads the room, sorted.
func (e *Env) MatrixReactions(target id.EventID, sender id.UserID) []string {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitLimit)
	defer cancel()
	var keys []string
	from := ""
	for {
		resp, err := e.RoomCreator.Messages(ctx, e.Room, from, "", mautrix.DirectionBackward, nil, 100)
		if err != nil {
			e.t.Fatalf("e2etest: read the Matrix room: %v", err)
		}
		for _, ev := range resp.Chunk {
			if ev.Type != event.EventReaction || ev.Sender != sender || ev.Unsigned.RedactedBecause != nil {
				continue
			}
			rel, _ := ev.Content.Raw["m.relates_to"].(map[string]any)
			if rel["rel_type"] != string(event.RelAnnotation) || rel["event_id"] != string(target) {
				continue
			}
			if key, _ := rel["key"].(string); key != "" {
				keys = append(keys, key)
			}
		}
		if len(resp.Chunk) == 0 || resp.End == "" || resp.End == from {
			slices.Sort(keys)
			return keys
		}
		from = resp.End
	}
}
