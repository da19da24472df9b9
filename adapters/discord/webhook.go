package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldchat/herald/bot"
)

// webhook is a channel webhook Herald posts comments through.
type webhook struct{ id, token string }

func webhookStateKey(channel string) string { return "discord.webhook." + channel }

// webhookFor returns the channel's Herald webhook: remembered, recorded in
// the state store (so a restart reuses it), found among the channel's
// webhooks (made by this application under our name), or created.
func (a *Adapter) webhookFor(ctx context.Context, channel string) (*webhook, error) {
	a.hookMu.Lock()
	defer a.hookMu.Unlock()
	a.mu.Lock()
	w := a.hooks[channel]
	a.mu.Unlock()
	if w != nil {
		return w, nil
	}
	v, err := a.opt.State.State(ctx, webhookStateKey(channel))
	if err != nil && !errors.Is(err, bot.ErrNotFound) {
		return nil, fmt.Errorf("discord: read webhook of %s: %w", channel, err)
	}
	if id, tok, ok := strings.Cut(v, " "); ok && id != "" && tok != "" {
		return a.remember(channel, &webhook{id, tok}), nil
	}
	me, err := a.botID(ctx)
	if err != nil {
		return nil, err
	}
	list, err := a.sess.ChannelWebhooks(channel, discordgo.WithContext(ctx))
	if err != nil {
		return nil, a.classify(ctx, "list webhooks", channel, discordgo.PermissionViewChannel|discordgo.PermissionManageWebhooks, err)
	}
	for _, h := range list {
		mine := h.ApplicationID == me || (h.User != nil && h.User.ID == me)
		if mine && h.Name == a.opt.WebhookName && h.Token != "" {
			w = &webhook{h.ID, h.Token}
			break
		}
	}
	if w == nil {
		h, err := a.sess.WebhookCreate(channel, a.opt.WebhookName, "", discordgo.WithContext(ctx))
		if err != nil {
			return nil, a.classify(ctx, "create webhook", channel, discordgo.PermissionViewChannel|discordgo.PermissionManageWebhooks, err)
		}
		a.log.Info("created webhook", slog.String("channel", channel), slog.String("webhook", h.ID))
		w = &webhook{h.ID, h.Token}
	}
	if err := a.opt.State.SetState(ctx, webhookStateKey(channel), w.id+" "+w.token); err != nil {
		return nil, fmt.Errorf("discord: record webhook of %s: %w", channel, err)
	}
	return a.remember(channel, w), nil
}

func (a *Adapter) remember(channel string, w *webhook) *webhook {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.hooks[channel] = w
	a.hookIDs[w.id] = true
	return w
}

// forgetWebhook drops a webhook Discord no longer knows (an admin deleted
// it), so the next use finds or creates another.
func (a *Adapter) forgetWebhook(ctx context.Context, channel string, w *webhook) {
	a.mu.Lock()
	if a.hooks[channel] == w {
		delete(a.hooks, channel)
	}
	a.mu.Unlock()
	if err := a.opt.State.SetState(ctx, webhookStateKey(channel), ""); err != nil {
		a.log.Warn("cannot clear webhook record", slog.String("channel", channel), slog.String("error", err.Error()))
	}
}

// isOurWebhook says whether a webhook id is one of Herald's, consulting the
// state store for channels this process has not posted in yet.
func (a *Adapter) isOurWebhook(ctx context.Context, id, parent string) bool {
	a.mu.Lock()
	known := a.hookIDs[id]
	a.mu.Unlock()
	if known || parent == "" {
		return known
	}
	v, err := a.opt.State.State(ctx, webhookStateKey(parent))
	if err != nil {
		return false
	}
	wid, _, _ := strings.Cut(v, " ")
	if wid == id {
		a.mu.Lock()
		a.hookIDs[id] = true
		a.mu.Unlock()
		return true
	}
	return false
}

// goneWebhook says whether an error means the webhook no longer exists.
func goneWebhook(err error) bool {
	_, code := restCode(err)
	return code == codeUnknownWebhook || code == codeInvalidWebhookToken
}

// webhookMessage is the body of a webhook execute or edit.
type webhookMessage struct {
	Content         string                            `json:"content"`
	Username        string                            `json:"username,omitempty"`
	AvatarURL       string                            `json:"avatar_url,omitempty"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
}

// noPings allows no mention of any kind: mirrored text never pings.
var noPings = &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}

// execute posts through the parent channel's webhook into thread (or the
// channel itself when thread is empty), waiting for the message, and
// recreates the webhook once if an admin deleted it.
func (a *Adapter) execute(ctx context.Context, parent, thread string, body webhookMessage) (*discordgo.Message, error) {
	for attempt := 0; ; attempt++ {
		w, err := a.webhookFor(ctx, parent)
		if err != nil {
			return nil, err
		}
		url := discordgo.EndpointWebhookToken(w.id, w.token) + "?wait=true"
		if thread != "" {
			url += "&thread_id=" + thread
		}
		// One bucket per webhook, which is how Discord limits executes.
		resp, err := a.sess.RequestWithBucketID("POST", url, body, discordgo.EndpointWebhookToken(w.id, ""), discordgo.WithContext(ctx))
		err = hideToken(err, w.token)
		if err != nil && goneWebhook(err) && attempt == 0 {
			a.log.Warn("webhook gone: making another", slog.String("channel", parent), slog.String("webhook", w.id))
			a.forgetWebhook(ctx, parent, w)
			continue
		}
		if err != nil {
			return nil, a.classify(ctx, "post comment", firstNonEmpty(thread, parent), 0, err)
		}
		var m discordgo.Message
		if err := discordgo.Unmarshal(resp, &m); err != nil {
			return nil, fmt.Errorf("discord: post comment in %s: decode reply: %w", thread, err)
		}
		return &m, nil
	}
}

// editWebhookMessage changes or (body nil) deletes a webhook message.
// A message that is already gone counts as done.
func (a *Adapter) editWebhookMessage(ctx context.Context, parent, thread, id string, body *webhookMessage) error {
	w, err := a.webhookFor(ctx, parent)
	if err != nil {
		return err
	}
	url := discordgo.EndpointWebhookMessage(w.id, w.token, id)
	if thread != "" {
		url += "?thread_id=" + thread
	}
	method, op := "PATCH", "edit comment"
	if body == nil {
		method, op = "DELETE", "delete comment"
	}
	var data any
	if body != nil {
		data = body
	}
	err = a.unarchived(ctx, thread, func() error {
		_, err := a.sess.RequestWithBucketID(method, url, data, discordgo.EndpointWebhookToken(w.id, "")+"messages", discordgo.WithContext(ctx))
		return hideToken(err, w.token)
	})
	if _, code := restCode(err); code == codeUnknownMessage {
		a.log.Info("message already gone", slog.String("op", op), slog.String("message", id))
		return nil
	}
	if err != nil && goneWebhook(err) {
		a.forgetWebhook(ctx, parent, w)
		// The messages of a deleted webhook cannot be changed any more.
		return bot.Permanent(fmt.Errorf("discord: %s %s: the webhook that posted it was deleted: %w", op, id, err))
	}
	return a.classify(ctx, op, firstNonEmpty(thread, parent), 0, err)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// hideToken takes a webhook's or an interaction's token out of a failed
// request's error before it is wrapped, logged or kept: Go's HTTP client
// names the request URL in its errors (a refused connection, a timeout, a
// cancelled context) and discordgo names it in its rate-limit errors. A
// webhook URL holds the token that lets anyone post as Herald; an
// interaction URL holds one that answers as the bot for 15 minutes.
func hideToken(err error, token string) error {
	if err == nil || token == "" {
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = strings.ReplaceAll(ue.URL, token, "<token>")
	}
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) && rl.RateLimit != nil {
		rl.URL = strings.ReplaceAll(rl.URL, token, "<token>")
	}
	return err
}
