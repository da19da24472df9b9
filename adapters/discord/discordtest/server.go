// Package discordtest is a fake Discord: REST v9 and the gateway websocket,
// served on a loopback port, close enough to the API documentation that the
// real discordgo client can be pointed at it unpatched (through the
// *http.Client and *websocket.Dialer it exposes) and tests exercise the same
// code paths production does: error bodies, rate-limit headers and 429s,
// nonces, thread ids equal to their starter message ids, resume with replay.
//
// Tests build one Server each (New, then Close). In the same process, give
// discordgo the Server's Client and Dialer: every request and websocket
// then reaches this Server whatever URL discordgo builds, and discordgo's
// global endpoint variables stay untouched, so parallel fakes never mix.
// A client in another process is given URL (the adapter's APIBase) and
// finds the gateway through GET /gateway. Nothing here is for production.
package discordtest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Limit is a fixed-window rate limit: Count requests per Window.
type Limit struct {
	Count  int
	Window time.Duration
}

func (l Limit) off() bool { return l.Count <= 0 || l.Window <= 0 }

// Config shapes a fake. The zero value gives Discord's documented defaults.
type Config struct {
	Token         string // the bot token, without "Bot "; default "fake-bot-token"
	ApplicationID string // default a fresh snowflake
	BotName       string // default "Herald"
	// HeartbeatInterval sent in HELLO; default 41.25 s like Discord.
	HeartbeatInterval time.Duration
	// GlobalLimit is requests per second across the bot; default 50, <0 off.
	GlobalLimit int
	// MessageLimit is per channel for message creation; default 5 per 5 s.
	MessageLimit Limit
	// WebhookLimit is per webhook for executes; default 5 per 2 s.
	WebhookLimit Limit
	// NoRateLimits turns every limit off (for tests that are not about them).
	NoRateLimits bool
	// NonceWindow is how long an enforced nonce is remembered; Discord says
	// "a few minutes"; default 5 min.
	NonceWindow time.Duration
	// DenyMessageContent makes IDENTIFY with the privileged MESSAGE_CONTENT
	// intent fail with close code 4014, as for an app without that intent.
	DenyMessageContent bool
	Logger             *slog.Logger
}

func (c *Config) defaults() {
	if c.Token == "" {
		c.Token = "fake-bot-token"
	}
	if c.BotName == "" {
		c.BotName = "Herald"
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = 41250 * time.Millisecond
	}
	if c.GlobalLimit == 0 {
		c.GlobalLimit = 50
	}
	if c.MessageLimit == (Limit{}) {
		c.MessageLimit = Limit{5, 5 * time.Second}
	}
	if c.WebhookLimit == (Limit{}) {
		c.WebhookLimit = Limit{5, 2 * time.Second}
	}
	if c.NonceWindow == 0 {
		c.NonceWindow = 5 * time.Minute
	}
	if c.NoRateLimits {
		c.GlobalLimit = -1
		c.MessageLimit = Limit{}
		c.WebhookLimit = Limit{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// Server is one fake Discord with one guild.
type Server struct {
	cfg  Config
	http *httptest.Server
	log  *slog.Logger
	ids  snowflakes

	mu          sync.Mutex
	guild       *discordgo.Guild
	bot         *discordgo.User
	users       map[string]*discordgo.User
	channels    map[string]*discordgo.Channel
	messages    map[string]*record   // by message id
	order       map[string][]*record // by channel id, in creation order
	nonces      map[nonceKey]*record
	webhooks    map[string]*discordgo.Webhook
	commands    map[string][]*discordgo.ApplicationCommand // by guild id, "" = global
	interacts   map[string]*Interaction                    // by token
	sessions    map[string]*gwSession
	limits      *limiter
	stats       Stats
	identifies  []discordgo.Identify
	resumes     int
	closed      bool
	gwConnected atomic.Int32
	reactions   reactionSet // see reactions.go
}

// record is a message the fake holds, with what the wire shape lacks.
type record struct {
	msg       *discordgo.Message
	nonce     string
	appID     string // set on messages of the app's webhooks and of the bot
	deleted   bool
	createdAt time.Time
}

type nonceKey struct{ author, nonce string }

// Stats counts what the bot did to the fake.
type Stats struct {
	Requests  int            // REST requests received
	Status    map[int]int    // responses by HTTP status
	Codes     map[int]int    // JSON error codes returned
	Routes    map[string]int // "POST /channels/{id}/messages" style
	Global429 int            // 429s with global: true
}

// New starts a fake on a free loopback port. Close it when done.
func New(cfg Config) *Server {
	cfg.defaults()
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger,
		users:     map[string]*discordgo.User{},
		channels:  map[string]*discordgo.Channel{},
		messages:  map[string]*record{},
		order:     map[string][]*record{},
		nonces:    map[nonceKey]*record{},
		webhooks:  map[string]*discordgo.Webhook{},
		commands:  map[string][]*discordgo.ApplicationCommand{},
		interacts: map[string]*Interaction{},
		sessions:  map[string]*gwSession{},
		stats:     Stats{Status: map[int]int{}, Codes: map[int]int{}, Routes: map[string]int{}},
	}
	s.ids.start = time.Now()
	if s.cfg.ApplicationID == "" {
		s.cfg.ApplicationID = s.ids.next()
	}
	s.limits = newLimiter(cfg)
	s.bot = &discordgo.User{ID: s.cfg.ApplicationID, Username: cfg.BotName, Bot: true}
	s.users[s.bot.ID] = s.bot
	owner := &discordgo.User{ID: s.ids.next(), Username: "owner", GlobalName: "Guild Owner"}
	s.users[owner.ID] = owner
	gid := s.ids.next()
	s.guild = &discordgo.Guild{
		ID: gid, Name: "Fake Guild", OwnerID: owner.ID,
		Roles: []*discordgo.Role{{ID: gid, Name: "@everyone", Permissions: everyonePermissions}},
		Members: []*discordgo.Member{
			{GuildID: gid, User: s.bot, Roles: []string{}},
			{GuildID: gid, User: owner, Roles: []string{}},
		},
	}
	s.http = httptest.NewServer(s.routes())
	return s
}

// everyonePermissions is what @everyone may do in the fake guild by default:
// enough for a bot to post, thread, use webhooks and read history.
const everyonePermissions = discordgo.PermissionViewChannel | discordgo.PermissionSendMessages |
	discordgo.PermissionEmbedLinks | discordgo.PermissionReadMessageHistory |
	discordgo.PermissionCreatePublicThreads | discordgo.PermissionSendMessagesInThreads |
	discordgo.PermissionManageWebhooks | discordgo.PermissionAttachFiles | discordgo.PermissionAddReactions

// Close stops the server and drops every gateway connection.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for _, g := range s.sessions {
		g.drop()
	}
	s.mu.Unlock()
	s.http.CloseClientConnections()
	s.http.Close()
}

// Config is the configuration in effect, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Token is the bot token the fake accepts.
func (s *Server) Token() string { return s.cfg.Token }

// ApplicationID is the bot's application (and user) id.
func (s *Server) ApplicationID() string { return s.cfg.ApplicationID }

// BotUser is the bot's user.
func (s *Server) BotUser() discordgo.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.bot
}

// GuildID is the fake guild's id.
func (s *Server) GuildID() string { return s.guild.ID }

// addr is host:port of the loopback listener.
func (s *Server) addr() string { return s.http.Listener.Addr().String() }

// Client is an HTTP client that sends every request, whatever its host, to
// this fake: a bug that builds a real Discord URL still stays on loopback.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: &rewrite{addr: s.addr(), base: http.DefaultTransport}, Timeout: 20 * time.Second}
}

// Dialer is a websocket dialer that only ever connects to this fake.
func (s *Server) Dialer() *websocket.Dialer {
	addr := s.addr()
	return &websocket.Dialer{
		HandshakeTimeout: 5 * time.Second,
		NetDialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
}

// rewrite points every request at the fake's loopback address.
type rewrite struct {
	addr string
	base http.RoundTripper
}

func (r *rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	u := *req.URL
	u.Scheme, u.Host = "http", r.addr
	out.URL, out.Host = &u, r.addr
	return r.base.RoundTrip(out)
}

// URL is the fake's base URL ("http://127.0.0.1:port/"), for a client in
// another process that can only be told where Discord is.
func (s *Server) URL() string { return s.http.URL + "/" }

// GatewayURL is what GET /gateway answers.
func (s *Server) GatewayURL() string { return "ws://" + s.addr() + "/" }

// snowflakes makes increasing Discord-style ids.
type snowflakes struct {
	mu    sync.Mutex
	start time.Time
	n     int64
}

const discordEpoch = 1420070400000

func (f *snowflakes) next() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	ms := time.Now().UnixMilli() - discordEpoch
	return fmt.Sprint(ms<<22 | f.n&0x3fffff)
}

// AddTextChannel creates a guild text channel and returns its id.
func (s *Server) AddTextChannel(name string) string {
	return s.addChannel(&discordgo.Channel{Name: name, Type: discordgo.ChannelTypeGuildText})
}

// AddForumChannel creates a forum channel with the given tags and returns
// its id and the tag ids by name.
func (s *Server) AddForumChannel(name string, tags ...string) (string, map[string]string) {
	ch := &discordgo.Channel{Name: name, Type: discordgo.ChannelTypeGuildForum}
	ids := map[string]string{}
	for _, t := range tags {
		id := s.ids.next()
		ch.AvailableTags = append(ch.AvailableTags, discordgo.ForumTag{ID: id, Name: t})
		ids[t] = id
	}
	return s.addChannel(ch), ids
}

func (s *Server) addChannel(ch *discordgo.Channel) string {
	ch.ID = s.ids.next()
	ch.GuildID = s.guild.ID
	ch.PermissionOverwrites = []*discordgo.PermissionOverwrite{}
	s.mu.Lock()
	s.channels[ch.ID] = ch
	s.guild.Channels = append(s.guild.Channels, ch)
	s.mu.Unlock()
	s.dispatchGuild("CHANNEL_CREATE", ch, discordgo.IntentGuilds)
	return ch.ID
}

// AddMember creates a guild member who can then write messages.
func (s *Server) AddMember(name string) *discordgo.User {
	u := &discordgo.User{ID: s.ids.next(), Username: strings.ToLower(strings.ReplaceAll(name, " ", "_")), GlobalName: name,
		Avatar: "a1b2c3"}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
	s.guild.Members = append(s.guild.Members, &discordgo.Member{GuildID: s.guild.ID, User: u, Roles: []string{}})
	return u
}

// Deny adds a member overwrite on the channel denying the bot perm, so that
// requests needing it answer 403 (50013 Missing Permissions, or 50001
// Missing Access for VIEW_CHANNEL) and a permission check can find out why.
func (s *Server) Deny(channelID string, perm int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	if ch == nil {
		panic("discordtest: Deny on unknown channel " + channelID)
	}
	found := false
	for _, o := range ch.PermissionOverwrites {
		if o.ID == s.bot.ID {
			o.Deny |= perm
			found = true
		}
	}
	if !found {
		ch.PermissionOverwrites = append(ch.PermissionOverwrites, &discordgo.PermissionOverwrite{
			ID: s.bot.ID, Type: discordgo.PermissionOverwriteTypeMember, Deny: perm})
	}
	s.dispatchLocked("CHANNEL_UPDATE", ch, discordgo.IntentGuilds)
}

// Allow removes bits from the bot's member overwrite on the channel, as an
// admin granting a permission back would.
func (s *Server) Allow(channelID string, perm int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	if ch == nil {
		panic("discordtest: Allow on unknown channel " + channelID)
	}
	for _, o := range ch.PermissionOverwrites {
		if o.ID == s.bot.ID {
			o.Deny &^= perm
		}
	}
	s.dispatchLocked("CHANNEL_UPDATE", ch, discordgo.IntentGuilds)
}

// Stats is a copy of the request counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := Stats{Requests: s.stats.Requests, Global429: s.stats.Global429,
		Status: map[int]int{}, Codes: map[int]int{}, Routes: map[string]int{}}
	for k, v := range s.stats.Status {
		c.Status[k] = v
	}
	for k, v := range s.stats.Codes {
		c.Codes[k] = v
	}
	for k, v := range s.stats.Routes {
		c.Routes[k] = v
	}
	return c
}

// Identifies are the IDENTIFY payloads received, oldest first.
func (s *Server) Identifies() []discordgo.Identify {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]discordgo.Identify(nil), s.identifies...)
}

// Resumes counts successful RESUMEs.
func (s *Server) Resumes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resumes
}

// Connected is the number of gateway connections that are identified or
// resumed and open now.
func (s *Server) Connected() int { return int(s.gwConnected.Load()) }

// pathID returns the URL path unescaped, for error messages.
func pathID(r *http.Request, name string) string {
	v, _ := url.PathUnescape(r.PathValue(name))
	return v
}
