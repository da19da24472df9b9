package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/richtext/discordmd"
)

// Event order. discordgo reads the gateway in one goroutine and, by
// default, runs every handler in a goroutine of its own, so two messages of
// a thread could reach the inbox in either order. The adapter sets
// SyncEvents: handlers run in the reading goroutine, in sequence order.
// Serializing per channel instead would let a slow thread not hold up the
// others, but needs queues with owners and bounds; one ordered stream is
// simpler, and the inbox (a database insert) is far faster than people
// type. inboxMu keeps the order across a reconnect too, when a handler of
// the dropped connection may still be retrying while the new connection's
// reader starts.

// fatalClose are gateway close codes that no reconnect fixes: a bad token,
// shard, API version or intents (e.g. MESSAGE_CONTENT not enabled for the
// application in the developer portal).
var fatalClose = map[int]string{
	4004: "the bot token was refused",
	4010: "the shard id or count is invalid",
	4011: "the bot is in too many guilds for one shard: set a shard count",
	4012: "the gateway API version is invalid",
	4013: "the intents are invalid",
	4014: "a privileged intent is not enabled: enable MESSAGE CONTENT INTENT for the bot in the developer portal",
}

// Run connects to the gateway and hands messages, edits and deletes in
// threads to in until ctx ends. After a drop it reconnects and resumes the
// session (Discord replays the missed events); it only returns early when
// Discord refuses the connection for a reason a retry cannot fix.
func (a *Adapter) Run(ctx context.Context, in bot.Inbox) error {
	removers := []func(){
		a.sess.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
			a.log.Info("gateway ready", slog.String("user", r.User.ID), slog.Int("guilds", len(r.Guilds)))
		}),
		a.sess.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) {
			a.onMessage(ctx, in, bot.MessageCreated, m.Message)
		}),
		a.sess.AddHandler(func(_ *discordgo.Session, r *discordgo.MessageReactionAdd) {
			a.onReaction(ctx, in, bot.ReactionAdded, r.MessageReaction, r.Member)
		}),
		a.sess.AddHandler(func(_ *discordgo.Session, r *discordgo.MessageReactionRemove) {
			a.onReaction(ctx, in, bot.ReactionGone, r.MessageReaction, nil)
		}),
		a.sess.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageUpdate) {
			// Link previews arrive as updates without an edit time; only a
			// real edit is news.
			if m.Message == nil || m.EditedTimestamp == nil {
				return
			}
			a.onMessage(ctx, in, bot.MessageEdited, m.Message)
		}),
		a.sess.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageDelete) {
			a.onMessage(ctx, in, bot.MessageDeleted, m.Message)
		}),
	}
	// Interactions need no order but an answer within 3 s: each gets a
	// goroutine, and Run waits for them before it returns.
	var (
		wg      sync.WaitGroup
		wgMu    sync.Mutex
		stopped bool
	)
	removers = append(removers, a.sess.AddHandler(func(s *discordgo.Session, i *discordgo.InteractionCreate) {
		if a.opt.Interactions == nil {
			return
		}
		wgMu.Lock()
		defer wgMu.Unlock()
		if stopped {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.opt.Interactions(ctx, s, i)
		}()
	}))
	defer func() {
		for _, r := range removers {
			r()
		}
		wgMu.Lock()
		stopped = true
		wgMu.Unlock()
		wg.Wait()
	}()
	// Reconnects are Run's, not discordgo's: its own reconnect loop cannot
	// be stopped and would outlive Run. A lost connection (read error,
	// missed heartbeat ACKs, Discord's op 7) shows up as a Disconnect
	// event; Open then resumes the session, and Discord replays what the
	// connection missed.
	drops := make(chan struct{}, 1)
	removers = append(removers, a.sess.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
		select {
		case drops <- struct{}{}:
		default:
		}
	}))
	if err := a.connect(ctx); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			if err := a.sess.Close(); err != nil {
				a.log.Warn("close gateway", slog.String("error", err.Error()))
			}
			return nil
		case <-drops:
			a.log.Warn("gateway connection lost: resuming")
			if err := a.connect(ctx); err != nil {
				return err
			}
		}
	}
}

// connect opens the gateway, retrying with backoff until it works, ctx
// ends (nil) or Discord refuses for good (an error).
func (a *Adapter) connect(ctx context.Context) error {
	for wait := time.Second; ; wait = min(2*wait, 2*time.Minute) {
		err := a.sess.Open()
		if err == nil || errors.Is(err, discordgo.ErrWSAlreadyOpen) {
			return nil
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) && fatalClose[ce.Code] != "" {
			return fmt.Errorf("discord: connect to the gateway: %s (close code %d)", fatalClose[ce.Code], ce.Code)
		}
		a.log.Warn("gateway connect failed: retrying", slog.String("error", err.Error()), slog.Duration("wait", wait))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// onMessage turns a message event in a thread into a bot.Event. It skips
// the bot's own messages, its webhooks' messages (no echo loops), system
// messages and messages outside threads.
func (a *Adapter) onMessage(ctx context.Context, in bot.Inbox, kind bot.EventKind, m *discordgo.Message) {
	if m == nil || ctx.Err() != nil {
		return
	}
	received := time.Now()
	me, _ := a.botID(ctx)
	if kind != bot.MessageDeleted {
		if m.Author != nil && m.Author.ID == me {
			return
		}
		if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
			return
		}
	}
	ch, err := a.channel(ctx, m.ChannelID)
	if err != nil {
		a.log.Warn("message in a channel the bot cannot look up: skipped", slog.String("channel", m.ChannelID),
			slog.String("message", m.ID), slog.String("error", err.Error()))
		return
	}
	if !ch.IsThread() {
		return
	}
	if m.WebhookID != "" && a.isOurWebhook(ctx, m.WebhookID, ch.ParentID) {
		return
	}
	ev := bot.Event{
		Kind:     kind,
		Place:    bot.Place{Platform: bot.Discord, Channel: bot.RemoteID(ch.ParentID)},
		Thread:   bot.RemoteID(ch.ID),
		Message:  bot.RemoteID(m.ID),
		Received: received,
		Time:     received,
	}
	if kind != bot.MessageDeleted {
		ev.Author = author(m)
		ev.Body = discordmd.Parse(m.Content)
		ev.Body.Blocks = append(ev.Body.Blocks, attachmentLinks(m.Attachments)...)
		ev.Time = m.Timestamp
		if kind == bot.MessageEdited && m.EditedTimestamp != nil {
			ev.Time = *m.EditedTimestamp
		}
		if ref := m.MessageReference; ref != nil && ref.MessageID != "" && m.Type == discordgo.MessageTypeReply {
			ev.ReplyTo = bot.RemoteID(ref.MessageID)
		}
	}
	a.deliver(ctx, in, ev)
}

// attachmentLinks are the uploaded files of a message, a link each, as a
// paragraph after its text: the content of a message that is only a
// picture is empty, and the comment would be empty on every other platform.
func attachmentLinks(files []*discordgo.MessageAttachment) []richtext.Node {
	var links []richtext.Node
	for _, f := range files {
		if f == nil || f.URL == "" {
			continue
		}
		if len(links) > 0 {
			links = append(links, richtext.Br())
		}
		name := f.Filename
		if name == "" {
			name = f.URL
		}
		links = append(links, richtext.A(f.URL, richtext.Str(name)))
	}
	if links == nil {
		return nil
	}
	return []richtext.Node{richtext.Para(links...)}
}

// author is who wrote a message, with the name the guild shows.
func author(m *discordgo.Message) bot.Author {
	if m.Author == nil {
		return bot.Author{Platform: bot.Discord}
	}
	name := m.Author.Username
	if m.Author.GlobalName != "" {
		name = m.Author.GlobalName
	}
	if m.Member != nil && m.Member.Nick != "" {
		name = m.Member.Nick
	}
	au := bot.Author{Platform: bot.Discord, ID: bot.RemoteID(m.Author.ID), Name: name}
	if m.WebhookID == "" {
		au.AvatarURL = m.Author.AvatarURL("")
	}
	return au
}

// deliver hands an event to the inbox, retrying for about 15 seconds
// while it fails. Blocking here holds up the gateway reader on purpose: the
// next events wait (Discord keeps them for a resume) rather than overtake.
func (a *Adapter) deliver(ctx context.Context, in bot.Inbox, ev bot.Event) {
	a.inboxMu.Lock()
	defer a.inboxMu.Unlock()
	wait := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := in.Receive(ctx, ev)
		if err == nil {
			return
		}
		if attempt == 6 || ctx.Err() != nil {
			a.log.Error("inbox refused an event: dropped", slog.String("kind", string(ev.Kind)),
				slog.String("thread", string(ev.Thread)), slog.String("message", string(ev.Message)),
				slog.Int("attempts", attempt), slog.String("error", err.Error()))
			return
		}
		a.log.Warn("inbox refused an event: retrying", slog.String("message", string(ev.Message)),
			slog.String("error", err.Error()), slog.Duration("wait", wait))
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait *= 2
	}
}
