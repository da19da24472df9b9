package matrix

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/bot/render"
	"github.com/heraldchat/herald/richtext"
)

// target prepares a post into a place: logged in, the room resolved,
// joined, and not encrypted.
func (a *Adapter) target(ctx context.Context, at bot.Place) (*mautrix.Client, id.RoomID, error) {
	if at.Platform != bot.Matrix {
		return nil, "", bot.Permanent(fmt.Errorf("matrix: place %s is not a Matrix room", at))
	}
	cli, err := a.connect(ctx)
	if err != nil {
		return nil, "", err
	}
	room, err := a.roomID(ctx, cli, at.Channel)
	if err != nil {
		return nil, "", err
	}
	if err := a.ensureJoined(ctx, cli, room); err != nil {
		return nil, "", err
	}
	if err := a.refuseEncrypted(ctx, cli, room); err != nil {
		return nil, "", err
	}
	return cli, room, nil
}

// PostArticle posts an article; its event is the root of the article's
// thread. key is the transaction id, so a resend returns the same event.
func (a *Adapter) PostArticle(ctx context.Context, to bot.Place, art bot.Article, key string) (bot.PostRef, error) {
	cli, room, err := a.target(ctx, to)
	if err != nil {
		return bot.PostRef{}, err
	}
	content := a.articleContent(art)
	ev, err := a.sendEvent(ctx, cli, room, event.EventMessage, content, key)
	if err != nil {
		return bot.PostRef{}, fmt.Errorf("post article %d: %w", art.ID, err)
	}
	a.rememberThread(ev, ev)
	// The place names the room by id, as the events that come back do.
	place := bot.Place{Platform: bot.Matrix, Channel: bot.RemoteID(room)}
	return bot.PostRef{Place: place, Message: bot.RemoteID(ev), Thread: bot.RemoteID(ev)}, nil
}

// PostComment mirrors a comment into the article's thread, in as many
// events as the renderer split it into. Part i uses key.i as its
// transaction id (the first part uses key itself).
func (a *Adapter) PostComment(ctx context.Context, in bot.PostRef, c bot.Comment, key string) ([]bot.RemoteID, error) {
	return a.postComment(ctx, in, c, nil, "", key)
}

// PostReply mirrors a comment that answers another: the first part replies
// to the parent's first message in the thread (no fallback), so clients
// show it as an answer.
func (a *Adapter) PostReply(ctx context.Context, in bot.PostRef, c bot.Comment, parent bot.Parent, key string) ([]bot.RemoteID, error) {
	var to id.EventID
	if len(parent.IDs) > 0 {
		to = id.EventID(parent.IDs[0])
	}
	return a.postComment(ctx, in, c, &parent.Comment, to, key)
}

func (a *Adapter) postComment(ctx context.Context, in bot.PostRef, c bot.Comment, parent *bot.Comment,
	replyTo id.EventID, key string) ([]bot.RemoteID, error) {
	cli, room, err := a.target(ctx, in.Place)
	if err != nil {
		return nil, err
	}
	root := id.EventID(in.Thread)
	if root == "" {
		root = id.EventID(in.Message)
	}
	if root == "" {
		return nil, bot.Permanent(fmt.Errorf("matrix: comment %d: the post in %s has no thread root", c.ID, in.Place))
	}
	parts := a.commentContent(c, parent)
	ids := make([]bot.RemoteID, 0, len(parts))
	last := root
	for i, part := range parts {
		rel := &event.RelatesTo{}
		if i == 0 && replyTo != "" {
			rel.SetThread(root, "").SetReplyTo(replyTo) // a real reply: is_falling_back stays false
		} else {
			// Thread-unaware clients show the fallback as a reply to the
			// previous event of the thread.
			rel.SetThread(root, last)
		}
		part.RelatesTo = rel
		txn := key
		if i > 0 {
			txn = fmt.Sprintf("%s.%d", key, i)
		}
		ev, err := a.sendEvent(ctx, cli, room, event.EventMessage, part, txn)
		if err != nil {
			return ids, fmt.Errorf("post comment %d part %d of %d: %w", c.ID, i+1, len(parts), err)
		}
		a.rememberThread(ev, root)
		ids = append(ids, bot.RemoteID(ev))
		last = ev
	}
	return ids, nil
}

// EditArticle replaces the posted article with its new version.
func (a *Adapter) EditArticle(ctx context.Context, at bot.PostRef, art bot.Article) error {
	cli, room, err := a.target(ctx, at.Place)
	if err != nil {
		return err
	}
	return a.edit(ctx, cli, room, id.EventID(at.Message), a.articleContent(art))
}

// EditComment replaces a mirrored comment's events with its new text. When
// the new text needs fewer parts, the extra events are redacted; when it
// needs more than there are events (an edit cannot add events), the text is
// shortened to fit them.
func (a *Adapter) EditComment(ctx context.Context, at bot.Place, ids []bot.RemoteID, c bot.Comment) error {
	if len(ids) == 0 {
		return nil
	}
	cli, room, err := a.target(ctx, at)
	if err != nil {
		return err
	}
	parts := a.commentContent(c, nil)
	for budget := render.MatrixCommentBytes * len(ids); len(parts) > len(ids) && budget > 0; budget = budget * 9 / 10 {
		short := c
		short.Body = richtext.Truncate(c.Body, budget, richtext.Bytes)
		parts = a.commentContent(short, nil)
	}
	for i, evID := range ids {
		if i < len(parts) {
			err = a.edit(ctx, cli, room, id.EventID(evID), parts[i])
		} else {
			err = a.redact(ctx, cli, room, id.EventID(evID))
		}
		if err != nil {
			return fmt.Errorf("edit comment %d: %w", c.ID, err)
		}
	}
	return nil
}

// Delete redacts the events.
func (a *Adapter) Delete(ctx context.Context, at bot.Place, ids []bot.RemoteID) error {
	if len(ids) == 0 {
		return nil
	}
	if at.Platform != bot.Matrix {
		return bot.Permanent(fmt.Errorf("matrix: place %s is not a Matrix room", at))
	}
	cli, err := a.connect(ctx)
	if err != nil {
		return err
	}
	room, err := a.roomID(ctx, cli, at.Channel)
	if err != nil {
		return err
	}
	for _, evID := range ids {
		if err := a.redact(ctx, cli, room, id.EventID(evID)); err != nil {
			return err
		}
	}
	return nil
}

// editFallbackBytes bounds the plain fallback text of an edit.
const editFallbackBytes = 1000

// edit sends an m.replace of original carrying newContent. Its transaction
// id is derived from the original and the new content, so a retried edit is
// the same edit and a later different edit is a new one.
func (a *Adapter) edit(ctx context.Context, cli *mautrix.Client, room id.RoomID, original id.EventID,
	newContent *event.MessageEventContent) error {
	inner := *newContent
	inner.RelatesTo = nil // the replacement keeps the original's relations
	if inner.Mentions == nil {
		inner.Mentions = &event.Mentions{}
	}
	// The fallback for clients that do not know edits is short: a full copy
	// would double the event and break the homeserver's 64 KiB limit for a
	// comment that already fills a part.
	outer := &event.MessageEventContent{
		MsgType:    inner.MsgType,
		Body:       "* " + richtext.TruncateString(inner.Body, editFallbackBytes, richtext.Bytes),
		Mentions:   &event.Mentions{}, // an edit must not ping again
		NewContent: &inner,
		RelatesTo:  (&event.RelatesTo{}).SetReplace(original),
	}
	raw, err := json.Marshal(outer)
	if err != nil {
		return fmt.Errorf("matrix: edit %s: %w", original, err)
	}
	sum := sha256.Sum256(raw)
	txn := "edit." + string(original) + "." + hex.EncodeToString(sum[:8])
	if _, err := a.sendEvent(ctx, cli, room, event.EventMessage, outer, txn); err != nil {
		return fmt.Errorf("edit %s: %w", original, err)
	}
	return nil
}

// ensureJoined joins a room the first time Herald posts there, so a route
// to a room missing from matrix.rooms still works when the room lets it in.
func (a *Adapter) ensureJoined(ctx context.Context, cli *mautrix.Client, room id.RoomID) error {
	a.mu.Lock()
	joined := a.joined[room]
	a.mu.Unlock()
	if joined {
		return nil
	}
	if err := a.join(ctx, cli, string(room)); err != nil {
		return err
	}
	a.mu.Lock()
	a.joined[room] = true
	a.mu.Unlock()
	a.log.Debug("matrix joined room for posting", slog.String("room_id", string(room)))
	return nil
}
