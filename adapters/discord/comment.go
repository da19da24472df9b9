package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/bot/render"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/richtext/discordmd"
)

// PostComment mirrors a comment into an article's thread through the
// channel's webhook, under the author's name and avatar.
func (a *Adapter) PostComment(ctx context.Context, in bot.PostRef, c bot.Comment, key string) ([]bot.RemoteID, error) {
	return a.postComment(ctx, in, c, nil, key)
}

// PostReply is PostComment for a reply. Webhook messages cannot reference
// another message, so the renderer quotes the parent instead.
func (a *Adapter) PostReply(ctx context.Context, in bot.PostRef, c bot.Comment, parent bot.Parent, key string) ([]bot.RemoteID, error) {
	return a.postComment(ctx, in, c, &parent.Comment, key)
}

// commentRecord is what the state store keeps per comment send: the ids of
// the parts sent so far, and when the next part's attempt began (0 when no
// attempt is open). Webhook executes take no nonce, so this record is what
// makes a resend safe.
type commentRecord struct {
	IDs     []string `json:"ids"`
	Pending int64    `json:"pending,omitempty"` // unix ms
}

func commentStateKey(key string) string { return "discord.comment." + nonceFor(key) }

func msgThreadKey(id string) string { return "discord.msg_thread." + id }

// postComment sends each part once. Before each execute it records the
// attempt; a resend that finds an open attempt first looks in the thread
// for a message of our webhook with the same name and text posted since,
// and adopts it instead of posting again.
func (a *Adapter) postComment(ctx context.Context, in bot.PostRef, c bot.Comment, parent *bot.Comment, key string) ([]bot.RemoteID, error) {
	channel, thread := string(in.Place.Channel), string(in.Thread)
	if err := a.refused(channel); err != nil {
		return nil, err
	}
	parts := a.commentParts(c, parent)
	body := webhookMessage{Username: webhookUsername(c.Author), AvatarURL: avatarURL(c.Author.AvatarURL), AllowedMentions: noPings}
	sk := commentStateKey(key)
	var rec commentRecord
	v, err := a.opt.State.State(ctx, sk)
	switch {
	case err == nil && v != "":
		if err := json.Unmarshal([]byte(v), &rec); err != nil {
			return nil, fmt.Errorf("discord: send record %s is damaged: %w", sk, err)
		}
	case err != nil && !errors.Is(err, bot.ErrNotFound):
		return nil, fmt.Errorf("discord: read send record: %w", err)
	}
	save := func() error {
		b, _ := json.Marshal(rec)
		if err := a.opt.State.SetState(ctx, sk, string(b)); err != nil {
			return fmt.Errorf("discord: record comment send: %w", err)
		}
		return nil
	}
	for i := len(rec.IDs); i < len(parts); i++ {
		body.Content = parts[i]
		if rec.Pending != 0 {
			id, err := a.findSent(ctx, channel, thread, body, time.UnixMilli(rec.Pending))
			if err != nil {
				return nil, err
			}
			if id != "" {
				a.log.Info("resend found the earlier comment part", slog.String("message", id))
				rec.IDs, rec.Pending = append(rec.IDs, id), 0
				if err := save(); err != nil {
					return nil, err
				}
				if err := a.recordThread(ctx, id, thread); err != nil {
					return nil, err
				}
				continue
			}
		}
		rec.Pending = time.Now().UnixMilli()
		if err := save(); err != nil {
			return nil, err
		}
		m, err := a.execute(ctx, channel, thread, body)
		if err != nil {
			return nil, err
		}
		rec.IDs, rec.Pending = append(rec.IDs, m.ID), 0
		if err := save(); err != nil {
			return nil, err
		}
		if err := a.recordThread(ctx, m.ID, thread); err != nil {
			return nil, err
		}
	}
	ids := make([]bot.RemoteID, len(rec.IDs))
	for i, id := range rec.IDs {
		ids[i] = bot.RemoteID(id)
	}
	return ids, nil
}

// recordThread remembers which thread a mirrored message is in: the core
// later names only the route's channel, and webhook edits and deletes of a
// thread message need the thread.
func (a *Adapter) recordThread(ctx context.Context, id, thread string) error {
	if thread == "" {
		return nil
	}
	if err := a.opt.State.SetState(ctx, msgThreadKey(id), thread); err != nil {
		return fmt.Errorf("discord: record thread of %s: %w", id, err)
	}
	return nil
}

// findSent looks for a message our webhook posted in thread since with the
// same name and content. It reads at most the 100 messages after since.
func (a *Adapter) findSent(ctx context.Context, parent, thread string, body webhookMessage, since time.Time) (string, error) {
	w, err := a.webhookFor(ctx, parent)
	if err != nil {
		return "", err
	}
	where := firstNonEmpty(thread, parent)
	msgs, err := a.sess.ChannelMessages(where, 100, "", snowflakeAt(since.Add(-2*time.Second)), "", discordgo.WithContext(ctx))
	if err != nil {
		return "", a.classify(ctx, "look for an earlier send", where, discordgo.PermissionViewChannel|discordgo.PermissionReadMessageHistory, err)
	}
	for _, m := range msgs {
		// Discord trims the content it stores, so compare trimmed.
		if m.WebhookID == w.id && m.Author != nil && m.Author.Username == body.Username &&
			strings.TrimSpace(m.Content) == strings.TrimSpace(body.Content) {
			return m.ID, nil
		}
	}
	return "", nil
}

// commentParts renders a comment in parts of at most 2000 characters,
// falling back to the plain Markdown of its body when the renderer fails.
func (a *Adapter) commentParts(c bot.Comment, parent *bot.Comment) []string {
	parts, err := render.DiscordComment(c, parent, true)
	if err != nil || len(parts) == 0 {
		a.log.Warn("render comment failed: posting its text only", slog.Int64("comment_id", c.ID), slog.Any("error", err))
		parts = discordmd.SplitLimit(withQuote(c.Body, parent), 2000)
	}
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		out = []string{"(empty comment)"}
	}
	return out
}

// platformHints follow the author's name so readers know where they wrote.
var platformHints = map[bot.Platform]string{bot.Matrix: "Matrix", bot.Web: "web", bot.Source: "site"}

// forbiddenName matches what Discord refuses in a webhook username.
var forbiddenName = regexp.MustCompile(`(?i)(d)(iscord)|(c)(lyde)`)

// webhookUsername is the name a mirrored comment shows: the author's name
// and platform, 1-80 characters, with "discord" and "clyde" (which
// Discord refuses) broken by a zero-width space.
func webhookUsername(au bot.Author) string {
	name := strings.Join(strings.Fields(au.Name), " ")
	if name == "" {
		name = "Someone"
	}
	if hint := platformHints[au.Platform]; hint != "" {
		name = richtext.TruncateString(name, 80-len(hint)-3, richtext.Runes) + " (" + hint + ")"
	}
	name = forbiddenName.ReplaceAllString(name, "$1$3\u200b$2$4")
	return richtext.TruncateString(name, 80, richtext.Runes)
}

// avatarURL passes only http(s) avatars; Discord rejects anything else.
func avatarURL(u string) string {
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return u
	}
	return ""
}

// threadOf finds the thread a mirrored message is in: recorded when it was
// posted, or at itself when it names a thread. The core passes the route's
// channel, and webhook edits and deletes need the thread.
func (a *Adapter) threadOf(ctx context.Context, at bot.Place, id string) (parent, thread string, err error) {
	channel := string(at.Channel)
	ch, err := a.channel(ctx, channel)
	if err != nil {
		return "", "", err
	}
	if ch.IsThread() {
		return ch.ParentID, ch.ID, nil
	}
	t, err := a.opt.State.State(ctx, msgThreadKey(id))
	if err != nil && !errors.Is(err, bot.ErrNotFound) {
		return "", "", fmt.Errorf("discord: read thread of %s: %w", id, err)
	}
	return channel, t, nil
}

// EditComment changes a mirrored comment's messages. When the new text
// needs fewer parts the extra messages are deleted; when it needs more the
// last message carries the rest, shortened to fit.
func (a *Adapter) EditComment(ctx context.Context, at bot.Place, ids []bot.RemoteID, c bot.Comment) error {
	if len(ids) == 0 {
		return nil
	}
	if err := a.refused(string(at.Channel)); err != nil {
		return err
	}
	parts := a.commentParts(c, nil)
	if len(parts) > len(ids) {
		last := strings.Join(parts[len(ids)-1:], "\n")
		parts = append(parts[:len(ids)-1], richtext.TruncateString(last, 2000, richtext.Runes))
	}
	for i, id := range ids {
		parent, thread, err := a.threadOf(ctx, at, string(id))
		if err != nil {
			return err
		}
		if i >= len(parts) {
			if err := a.editWebhookMessage(ctx, parent, thread, string(id), nil); err != nil {
				return err
			}
			continue
		}
		body := &webhookMessage{Content: parts[i], AllowedMentions: noPings}
		if err := a.editWebhookMessage(ctx, parent, thread, string(id), body); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes messages Herald posted: webhook messages through their
// webhook, anything else (an article post) as the bot. Already gone is
// success.
func (a *Adapter) Delete(ctx context.Context, at bot.Place, ids []bot.RemoteID) error {
	if err := a.refused(string(at.Channel)); err != nil {
		return err
	}
	for _, id := range ids {
		parent, thread, err := a.threadOf(ctx, at, string(id))
		if err != nil {
			return err
		}
		if thread != "" {
			if err := a.editWebhookMessage(ctx, parent, thread, string(id), nil); err != nil {
				return err
			}
			continue
		}
		err = a.sess.ChannelMessageDelete(parent, string(id), discordgo.WithContext(ctx))
		if _, code := restCode(err); code == codeUnknownMessage {
			continue
		}
		if err != nil {
			return a.classify(ctx, "delete message", parent, discordgo.PermissionManageMessages, err)
		}
	}
	return nil
}

// withQuote puts a one-line quote of the parent (its author and the start
// of its text) before body: webhook messages cannot reply, so this is how
// a reader sees what a mirrored reply answers.
func withQuote(body richtext.Text, parent *bot.Comment) richtext.Text {
	if parent == nil {
		return body
	}
	snippet := strings.Join(strings.Fields(parent.Body.PlainText()), " ")
	snippet = richtext.TruncateString(snippet, 100, richtext.Runes)
	name := strings.Join(strings.Fields(parent.Author.Name), " ")
	if name == "" {
		name = "Someone"
	}
	quote := richtext.Q(richtext.Para(richtext.B(richtext.Str(name)), richtext.Str(": "+snippet)))
	return richtext.Text{Blocks: append([]richtext.Node{quote}, body.Blocks...)}
}
