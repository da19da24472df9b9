// Package discord connects Herald to Discord through discordgo: it posts
// articles (a message and its thread, or a forum post), mirrors comments
// into threads through a channel webhook so each shows its author's name
// and avatar, edits and deletes what it posted, and hands what people write
// in threads to the core's inbox.
package discord

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/bot/render"
)

// Intents are the gateway intents Herald asks for: GUILDS (channels and
// threads: THREAD_CREATE tells which channel is a thread of which parent),
// GUILD_MESSAGES (MESSAGE_CREATE/UPDATE/DELETE in guild channels and
// threads), MESSAGE_CONTENT (privileged: without it the content of
// members' messages arrives empty and there would be nothing to mirror) and
// GUILD_MESSAGE_REACTIONS (MESSAGE_REACTION_ADD/REMOVE: reactions are
// counted per comment and mirrored; not privileged). Interactions arrive
// without any intent.
const Intents = discordgo.IntentGuilds | discordgo.IntentGuildMessages | discordgo.IntentMessageContent |
	discordgo.IntentGuildMessageReactions

// RouteOptions are the per-place choices the adapter needs to post.
type RouteOptions struct {
	Render render.Options
	// ThreadArchiveMinutes is the thread's auto-archive duration: 60, 1440,
	// 4320 or 10080; 0 means 1440 (a day).
	ThreadArchiveMinutes int
	// ForumTags are tag names applied to forum posts; unknown names are
	// logged and skipped.
	ForumTags []string
}

// Options configure an Adapter.
type Options struct {
	Token         string // the bot token (with or without "Bot ")
	ApplicationID string // the application id, which is also the bot's user id
	GuildID       string // the guild slash commands are registered in; empty = global
	ShardID       int
	ShardCount    int    // 0 or 1 means unsharded
	WebhookName   string // the name of the webhooks Herald creates; default "Herald"
	Logger        *slog.Logger
	// State keeps webhook ids and tokens and the send records that make
	// resends safe across restarts. Required.
	State bot.StateStore
	// Route returns a place's options; nil means defaults everywhere.
	Route func(bot.Place) RouteOptions
	// GlobalLimit caps REST request starts in any sliding window of a
	// second (plus a small margin for network jitter) across the bot, below
	// Discord's global 50/s; default 48.
	GlobalLimit int
	// DeniedFor is how long a channel that answered 403 is refused without
	// asking Discord again, so retries cannot approach the invalid-request
	// ban (10,000 401/403/429 in 10 minutes); default 1 minute.
	DeniedFor time.Duration
	// Interactions answers slash commands; nil ignores them. Each runs in
	// its own goroutine so a command never waits behind the message stream.
	Interactions InteractionFunc
	// APIBase, when set, sends REST requests there instead of
	// https://discord.com/ (e.g. "http://127.0.0.1:8080/" for a fake
	// Discord serving a separate test process); the gateway URL then comes
	// from that server's /gateway answer.
	APIBase string
	// HTTPClient and Dialer replace discordgo's defaults (tests point them
	// at a fake Discord).
	HTTPClient *http.Client
	Dialer     *websocket.Dialer
}

// Adapter is Herald's Discord connector. It implements bot.Connector,
// bot.Editor, bot.Deleter and bot.ReplyPoster.
type Adapter struct {
	opt  Options
	sess *discordgo.Session
	log  *slog.Logger

	inboxMu sync.Mutex // serializes Inbox.Receive: see handlers.go

	mu       sync.Mutex
	me       string                        // the bot's user id
	channels map[string]*discordgo.Channel // type and parent, which never change
	hooks    map[string]*webhook           // by parent channel id
	hookIDs  map[string]bool               // every webhook id of ours seen
	denied   map[string]deniedEntry        // channel → when and why it answered 403

	hookMu sync.Mutex // one webhook lookup or creation at a time
}

type deniedEntry struct {
	at  time.Time
	err error
}

var (
	_ bot.Connector   = (*Adapter)(nil)
	_ bot.Editor      = (*Adapter)(nil)
	_ bot.Deleter     = (*Adapter)(nil)
	_ bot.ReplyPoster = (*Adapter)(nil)
)

// New builds an adapter; nothing touches the network until it is used.
func New(opt Options) (*Adapter, error) {
	if opt.Token == "" {
		return nil, errors.New("discord: no bot token (set discord.token, usually from ${DISCORD_TOKEN})")
	}
	if opt.State == nil {
		return nil, errors.New("discord: no state store")
	}
	if opt.WebhookName == "" {
		opt.WebhookName = "Herald"
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opt.GlobalLimit <= 0 {
		opt.GlobalLimit = 48
	}
	if opt.DeniedFor <= 0 {
		opt.DeniedFor = time.Minute
	}
	if opt.ShardCount > 1 && (opt.ShardID < 0 || opt.ShardID >= opt.ShardCount) {
		return nil, fmt.Errorf("discord: shard id %d is outside 0..%d", opt.ShardID, opt.ShardCount-1)
	}
	token := opt.Token
	if !strings.HasPrefix(token, "Bot ") {
		token = "Bot " + token
	}
	sess, err := discordgo.New(token)
	if err != nil {
		return nil, fmt.Errorf("discord: new session: %w", err)
	}
	client := opt.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 20 * time.Second}
	}
	// discordgo limits per bucket (from the X-RateLimit headers) but has no
	// global limit of its own until a global 429 arrives; the transport adds
	// one so bursts across many channels stay below Discord's 50/s.
	base := client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	if opt.APIBase != "" {
		u, err := url.Parse(opt.APIBase)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("discord: api base %q is not an http(s) URL", opt.APIBase)
		}
		base = &rebase{to: u, base: base}
	}
	limited := *client
	limited.Transport = &globalLimit{base: base, win: newStartWindow(opt.GlobalLimit, time.Second+globalMargin)}
	sess.Client = &limited
	if opt.Dialer != nil {
		sess.Dialer = opt.Dialer
	}
	sess.Identify.Intents = Intents
	if opt.ShardCount > 1 {
		sess.ShardID, sess.ShardCount = opt.ShardID, opt.ShardCount
	}
	// Handlers run one at a time in gateway order; see handlers.go.
	sess.SyncEvents = true
	sess.ShouldReconnectOnError = false // Run reconnects; see handlers.go
	sess.LogLevel = discordgo.LogError
	sess.MaxRestRetries = 3
	return &Adapter{
		me:  opt.ApplicationID,
		opt: opt, sess: sess, log: opt.Logger.With(slog.String("platform", "discord")),
		channels: map[string]*discordgo.Channel{}, hooks: map[string]*webhook{},
		hookIDs: map[string]bool{}, denied: map[string]deniedEntry{},
	}, nil
}

// Name is bot.Discord.
func (a *Adapter) Name() bot.Platform { return bot.Discord }

// Session is the discordgo session, for the slash-command layer.
func (a *Adapter) Session() *discordgo.Session { return a.sess }

// rebase sends requests for discordgo's endpoints to another server.
// discordgo's endpoint variables are package globals; rewriting here keeps
// them untouched, so several adapters in one process can differ.
type rebase struct {
	to   *url.URL
	base http.RoundTripper
}

func (r *rebase) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	u := *req.URL
	u.Scheme, u.Host = r.to.Scheme, r.to.Host
	u.Path = strings.TrimSuffix(r.to.Path, "/") + req.URL.Path
	u.RawPath = ""
	out.URL, out.Host = &u, r.to.Host
	return r.base.RoundTrip(out)
}

// globalLimit holds each request until the global window admits it.
type globalLimit struct {
	base http.RoundTripper
	win  *startWindow
	obs  Observer // set by Observe before use; nil = nobody
}

func (g *globalLimit) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	if err := g.win.wait(req.Context()); err != nil {
		return nil, fmt.Errorf("discord: wait for the global rate limit: %w", err)
	}
	if waited := time.Since(start); g.obs != nil && waited > time.Millisecond {
		g.obs.RateLimitWait(waited)
	}
	resp, err := g.base.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests && g.obs != nil {
		g.obs.TooManyRequests()
	}
	return resp, err
}

func (a *Adapter) route(p bot.Place) RouteOptions {
	if a.opt.Route == nil {
		return RouteOptions{}
	}
	return a.opt.Route(p)
}

// botID is the bot's user id: a bot user shares its application's id, so
// the configured application id answers without a request.
func (a *Adapter) botID(ctx context.Context) (string, error) {
	a.mu.Lock()
	me := a.me
	a.mu.Unlock()
	if me != "" {
		return me, nil
	}
	u, err := a.sess.User("@me", discordgo.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("discord: who am I: %w", err)
	}
	a.mu.Lock()
	a.me = u.ID
	a.mu.Unlock()
	return u.ID, nil
}

// stateChannel copies a channel out of discordgo's gateway state, under
// the state's lock (the gateway reader updates it in place); nil when the
// state does not have it.
func (a *Adapter) stateChannel(id string) *discordgo.Channel {
	st := a.sess.State
	c, err := st.Channel(id)
	if err != nil || c == nil {
		return nil
	}
	st.RLock()
	defer st.RUnlock()
	cp := *c
	return &cp
}

// channel returns a channel's (immutable) type and parent, from the cache,
// the gateway state or REST.
func (a *Adapter) channel(ctx context.Context, id string) (*discordgo.Channel, error) {
	a.mu.Lock()
	ch := a.channels[id]
	a.mu.Unlock()
	if ch != nil {
		return ch, nil
	}
	if ch = a.stateChannel(id); ch == nil {
		var err error
		ch, err = a.sess.Channel(id, discordgo.WithContext(ctx))
		if err != nil {
			return nil, a.classify(ctx, "look up channel", id, discordgo.PermissionViewChannel, err)
		}
	}
	a.mu.Lock()
	a.channels[id] = &discordgo.Channel{ID: ch.ID, GuildID: ch.GuildID, ParentID: ch.ParentID, Type: ch.Type,
		Name: ch.Name, AvailableTags: ch.AvailableTags, OwnerID: ch.OwnerID}
	ch = a.channels[id]
	a.mu.Unlock()
	return ch, nil
}

func isForum(ch *discordgo.Channel) bool {
	return ch.Type == discordgo.ChannelTypeGuildForum || ch.Type == discordgo.ChannelTypeGuildMedia
}
