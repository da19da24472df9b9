package discord

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/bot/render"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/richtext/discordmd"
)

// nonceFor turns an outbox key into a Discord nonce, which may be at most 25
// characters: the first 100 bits of its SHA-256, the same on every run.
func nonceFor(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])[:25]
}

// sendBody is a message create with the idempotency fields discordgo's
// MessageSend lacks.
type sendBody struct {
	*discordgo.MessageSend
	Nonce        string `json:"nonce,omitempty"`
	EnforceNonce bool   `json:"enforce_nonce,omitempty"`
}

// articleMessage renders an article, falling back to its title and link
// when the renderer fails, so a rendering bug delays nothing.
func (a *Adapter) articleMessage(art bot.Article, ro RouteOptions) *discordgo.MessageSend {
	ms, err := render.DiscordArticle(art, ro.Render)
	if err != nil || ms == nil {
		a.log.Warn("render article failed: posting title and link only", slog.Int64("article_id", art.ID),
			slog.Any("error", err))
		text := discordmd.Render(richtext.FromPlain(art.Title))
		if art.URL != "" {
			text += "\n" + art.URL
		}
		ms = &discordgo.MessageSend{Content: richtext.TruncateString(text, 2000, richtext.Runes)}
	}
	if ms.Embed != nil {
		ms.Embeds = append([]*discordgo.MessageEmbed{ms.Embed}, ms.Embeds...)
		ms.Embed = nil
	}
	for _, e := range ms.Embeds {
		if e.Type == "" {
			e.Type = discordgo.EmbedTypeRich
		}
	}
	if ms.AllowedMentions == nil {
		ms.AllowedMentions = &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
	}
	return ms
}

// threadName is an article title fit for a thread name: one line, 1-100
// characters.
func threadName(title string) string {
	t := strings.Join(strings.Fields(title), " ")
	if t == "" {
		t = "Discussion"
	}
	return richtext.TruncateString(t, 100, richtext.Runes)
}

func archiveMinutes(ro RouteOptions) int {
	switch ro.ThreadArchiveMinutes {
	case 60, 1440, 4320, 10080:
		return ro.ThreadArchiveMinutes
	}
	return 1440
}

// PostArticle posts an article into a text channel (a message, then a
// thread on it named after the title) or a forum channel (one post). A
// resend with the same key returns the first post: Discord's enforced
// nonce for messages, a recorded attempt plus a look at the forum's active
// threads for forum posts.
func (a *Adapter) PostArticle(ctx context.Context, to bot.Place, art bot.Article, key string) (bot.PostRef, error) {
	if err := a.refused(string(to.Channel)); err != nil {
		return bot.PostRef{}, err
	}
	ch, err := a.channel(ctx, string(to.Channel))
	if err != nil {
		return bot.PostRef{}, err
	}
	ro := a.route(to)
	msg := a.articleMessage(art, ro)
	if isForum(ch) {
		return a.postForum(ctx, to, ch, art, msg, ro, key)
	}
	if ch.Type != discordgo.ChannelTypeGuildText && ch.Type != discordgo.ChannelTypeGuildNews {
		return bot.PostRef{}, bot.Permanent(fmt.Errorf("discord: channel %s is neither a text nor a forum channel (type %d)", ch.ID, ch.Type))
	}
	// The state record answers a resend without asking Discord again: it
	// holds the message id once sent and a " thread" mark once the thread
	// exists, so a crash after this returns (before the core records the
	// post), or a thread that failed (say, a permission granted only
	// later), never sends the message twice, however long the pause. The
	// nonce covers the gap between Discord's answer and the record, within
	// Discord's nonce window (a few minutes).
	stateKey := "discord.post." + nonceFor(key)
	prev, err := a.opt.State.State(ctx, stateKey)
	if err != nil && !errors.Is(err, bot.ErrNotFound) {
		return bot.PostRef{}, fmt.Errorf("discord: read send record: %w", err)
	}
	msgID, threaded := strings.CutSuffix(prev, " thread")
	if msgID == "" {
		m, err := a.sendMessage(ctx, ch.ID, msg, nonceFor(key))
		if err != nil {
			return bot.PostRef{}, err
		}
		msgID = m.ID
		if err := a.opt.State.SetState(ctx, stateKey, msgID); err != nil {
			a.log.Warn("article posted but not recorded", slog.String("message", msgID), slog.String("error", err.Error()))
		}
	}
	ref := bot.PostRef{Place: to, Message: bot.RemoteID(msgID), Thread: bot.RemoteID(msgID)}
	if threaded {
		return ref, nil
	}
	if err := a.startThread(ctx, ch.ID, msgID, threadName(art.Title), archiveMinutes(ro)); err != nil {
		return bot.PostRef{}, err
	}
	if err := a.opt.State.SetState(ctx, stateKey, msgID+" thread"); err != nil {
		a.log.Warn("thread opened but not recorded", slog.String("message", msgID), slog.String("error", err.Error()))
	}
	return ref, nil
}

// sendMessage creates a message with nonce and enforce_nonce, through
// discordgo's request path so its bucket limiter and 429 retries apply.
func (a *Adapter) sendMessage(ctx context.Context, channel string, msg *discordgo.MessageSend, nonce string) (*discordgo.Message, error) {
	url := discordgo.EndpointChannelMessages(channel)
	body := sendBody{MessageSend: msg, Nonce: nonce, EnforceNonce: nonce != ""}
	resp, err := a.sess.RequestWithBucketID("POST", url, body, url, discordgo.WithContext(ctx))
	if err != nil {
		return nil, a.classify(ctx, "post message", channel,
			discordgo.PermissionViewChannel|discordgo.PermissionSendMessages|discordgo.PermissionEmbedLinks, err)
	}
	var m discordgo.Message
	if err := discordgo.Unmarshal(resp, &m); err != nil {
		return nil, fmt.Errorf("discord: post message in %s: decode reply: %w", channel, err)
	}
	return &m, nil
}

// startThread opens the thread of a message; a thread that already exists
// (an earlier attempt made it) is success, since its id is the message's.
func (a *Adapter) startThread(ctx context.Context, channel, message, name string, archive int) error {
	_, err := a.sess.MessageThreadStartComplex(channel, message, &discordgo.ThreadStart{
		Name: name, AutoArchiveDuration: archive}, discordgo.WithContext(ctx))
	if _, code := restCode(err); code == codeThreadExists {
		return nil
	}
	return a.classify(ctx, "start thread", channel, discordgo.PermissionCreatePublicThreads, err)
}

// postForum creates one forum post. Discord takes no nonce here, so the
// attempt is recorded first: a resend that finds the record looks for an
// active thread of ours with the same name created since, and adopts it.
func (a *Adapter) postForum(ctx context.Context, to bot.Place, forum *discordgo.Channel, art bot.Article,
	msg *discordgo.MessageSend, ro RouteOptions, key string) (bot.PostRef, error) {
	stateKey := "discord.forum_post." + nonceFor(key)
	name := threadName(art.Title)
	ref := func(id string) bot.PostRef {
		return bot.PostRef{Place: to, Message: bot.RemoteID(id), Thread: bot.RemoteID(id)}
	}
	prev, err := a.opt.State.State(ctx, stateKey)
	switch {
	case err == nil && strings.HasPrefix(prev, "done:"):
		return ref(strings.TrimPrefix(prev, "done:")), nil
	case err == nil:
		since, _ := strconv.ParseInt(strings.TrimPrefix(prev, "pending:"), 10, 64)
		id, err := a.findForumPost(ctx, forum, name, time.UnixMilli(since))
		if err != nil {
			return bot.PostRef{}, err
		}
		if id != "" {
			a.log.Info("resend found the earlier forum post", slog.String("thread", id))
			return ref(id), a.opt.State.SetState(ctx, stateKey, "done:"+id)
		}
	case !errors.Is(err, bot.ErrNotFound):
		return bot.PostRef{}, fmt.Errorf("discord: read send record: %w", err)
	}
	if err := a.opt.State.SetState(ctx, stateKey, "pending:"+strconv.FormatInt(time.Now().UnixMilli(), 10)); err != nil {
		return bot.PostRef{}, fmt.Errorf("discord: record forum post attempt: %w", err)
	}
	th, err := a.sess.ForumThreadStartComplex(forum.ID, &discordgo.ThreadStart{
		Name: name, AutoArchiveDuration: archiveMinutes(ro), AppliedTags: a.forumTags(ctx, forum, ro.ForumTags),
	}, msg, discordgo.WithContext(ctx))
	if err != nil {
		return bot.PostRef{}, a.classify(ctx, "create forum post", forum.ID,
			discordgo.PermissionViewChannel|discordgo.PermissionSendMessages|discordgo.PermissionEmbedLinks, err)
	}
	if err := a.opt.State.SetState(ctx, stateKey, "done:"+th.ID); err != nil {
		a.log.Warn("forum post made but not recorded", slog.String("thread", th.ID), slog.String("error", err.Error()))
	}
	return ref(th.ID), nil
}

// findForumPost returns the id of an active thread in forum that the bot
// started after since with that name, or "".
func (a *Adapter) findForumPost(ctx context.Context, forum *discordgo.Channel, name string, since time.Time) (string, error) {
	me, err := a.botID(ctx)
	if err != nil {
		return "", err
	}
	list, err := a.sess.GuildThreadsActive(forum.GuildID, discordgo.WithContext(ctx))
	if err != nil {
		return "", a.classify(ctx, "list active threads", forum.ID, discordgo.PermissionViewChannel, err)
	}
	floor := snowflakeAt(since.Add(-2 * time.Second))
	for _, th := range list.Threads {
		if th.ParentID == forum.ID && th.OwnerID == me && th.Name == name && !idBefore(th.ID, floor) {
			return th.ID, nil
		}
	}
	return "", nil
}

// forumTags maps configured tag names to the forum's tag ids.
func (a *Adapter) forumTags(ctx context.Context, forum *discordgo.Channel, names []string) []string {
	if len(names) == 0 {
		return nil
	}
	tags := forum.AvailableTags
	if st := a.stateChannel(forum.ID); st != nil {
		tags = st.AvailableTags
	}
	var ids []string
	for _, n := range names {
		found := false
		for _, t := range tags {
			if strings.EqualFold(t.Name, n) {
				ids, found = append(ids, t.ID), true
				break
			}
		}
		if !found {
			a.log.Warn("forum tag not found: posting without it", slog.String("channel", forum.ID), slog.String("tag", n))
		}
	}
	if len(ids) > 5 {
		ids = ids[:5] // Discord allows five tags per post
	}
	return ids
}

// snowflakeAt is the smallest snowflake of an instant.
func snowflakeAt(t time.Time) string {
	ms := t.UnixMilli() - 1420070400000
	if ms < 0 {
		ms = 0
	}
	return strconv.FormatUint(uint64(ms)<<22, 10)
}

// idBefore compares snowflakes numerically.
func idBefore(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// EditArticle changes a posted article's message and renames its thread
// when the title changed.
func (a *Adapter) EditArticle(ctx context.Context, at bot.PostRef, art bot.Article) error {
	channel := string(at.Place.Channel)
	if err := a.refused(channel); err != nil {
		return err
	}
	ch, err := a.channel(ctx, channel)
	if err != nil {
		return err
	}
	msg := a.articleMessage(art, a.route(at.Place))
	where := channel
	if isForum(ch) {
		where = string(at.Thread) // a forum post's message lives in its thread
	}
	content := msg.Content
	_, err = a.sess.ChannelMessageEditComplex(&discordgo.MessageEdit{
		ID: string(at.Message), Channel: where, Content: &content, Embeds: &msg.Embeds,
		AllowedMentions: msg.AllowedMentions,
	}, discordgo.WithContext(ctx))
	if err != nil {
		return a.classify(ctx, "edit article", where, discordgo.PermissionViewChannel, err)
	}
	if at.Thread == "" {
		return nil
	}
	name := threadName(art.Title)
	th := a.stateChannel(string(at.Thread))
	if th == nil {
		th, err = a.sess.Channel(string(at.Thread), discordgo.WithContext(ctx))
		if err != nil {
			return a.classify(ctx, "look up thread", string(at.Thread), discordgo.PermissionViewChannel, err)
		}
	}
	if th.Name == name {
		return nil
	}
	_, err = a.sess.ChannelEdit(string(at.Thread), &discordgo.ChannelEdit{Name: name}, discordgo.WithContext(ctx))
	return a.classify(ctx, "rename thread", string(at.Thread), discordgo.PermissionManageThreads, err)
}
