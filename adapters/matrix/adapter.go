// Package matrix connects Herald to a Matrix homeserver as an ordinary user
// through the mautrix client API: it posts articles as thread roots, mirrors
// comments into those threads, edits and redacts what it posted, and hands
// what people write in the threads to the core through /sync.
package matrix

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/bot/render"
)

// Options configure the adapter.
type Options struct {
	Homeserver  string // base URL: https://matrix.example.org
	UserID      string // @herald:example.org
	AccessToken string // either this …
	Password    string // … or this (the device and token are then kept in State)
	DeviceName  string // shown in the user's session list; "Herald" when empty
	Rooms       []string
	// AdminUsers may invite the bot into rooms that are not configured.
	AdminUsers []string
	// State keeps the device id, the access token and the sync position.
	State  bot.StateStore
	Logger *slog.Logger
	// Render are the formatting choices for articles (m.notice unless MatrixText).
	Render render.Options
	// HTTPClient is used for every request; a client with a 2-minute timeout
	// when nil (a long-poll /sync waits up to SyncTimeout).
	HTTPClient *http.Client
	// SyncTimeout is how long one /sync long-poll waits; 30s when zero.
	SyncTimeout time.Duration
	// TimelineLimit caps the events per room in one /sync response; older
	// ones are fetched with /messages so none is skipped. 50 when zero.
	TimelineLimit int
	// MaxBackoff caps the wait between retries of a failing request; 30s
	// when zero.
	MaxBackoff time.Duration
	// Commands answers `!herald …` messages (see commands.go); nil ignores them.
	Commands *Commands
}

// Adapter is the Matrix connector. It implements bot.Connector, bot.Editor
// and bot.Deleter.
type Adapter struct {
	opt Options
	log *slog.Logger

	connMu sync.Mutex // held while logging in
	mu     sync.Mutex // guards client and the caches below
	client *mautrix.Client
	user   id.UserID
	device id.DeviceID
	// aliases maps configured aliases to the room ids they resolved to.
	aliases map[string]id.RoomID
	// encrypted remembers which rooms have m.room.encryption; a missing
	// entry means "not looked up yet".
	encrypted map[id.RoomID]bool
	// names caches display names per room and user, from member events.
	names map[id.RoomID]map[id.UserID]member
	// joined are the rooms the bot is in, from joins and /sync.
	joined map[id.RoomID]bool
	// threads remembers which thread recent events belong to, because an
	// edit or a redaction does not say (and a redacted event no longer
	// does either).
	threads *threadCache
}

// New makes an adapter; nothing connects until Run or the first post.
func New(o Options) *Adapter {
	if o.DeviceName == "" {
		o.DeviceName = "Herald"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 2 * time.Minute}
	}
	if o.SyncTimeout <= 0 {
		o.SyncTimeout = 30 * time.Second
	}
	if o.TimelineLimit <= 0 {
		o.TimelineLimit = 50
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	o.Homeserver = strings.TrimRight(o.Homeserver, "/")
	return &Adapter{
		opt:       o,
		log:       o.Logger.With(slog.String("platform", string(bot.Matrix)), slog.String("user_id", o.UserID)),
		aliases:   map[string]id.RoomID{},
		encrypted: map[id.RoomID]bool{},
		names:     map[id.RoomID]map[id.UserID]member{},
		joined:    map[id.RoomID]bool{},
		threads:   newThreadCache(threadCacheSize),
	}
}

// Name says which platform this is.
func (a *Adapter) Name() bot.Platform { return bot.Matrix }

// Run logs in, joins the configured rooms and hands what people write to in
// until ctx ends. Homeserver outages are waited out; only a problem no retry
// can fix (bad credentials) ends it early with an error.
func (a *Adapter) Run(ctx context.Context, in bot.Inbox) error {
	err := a.run(ctx, in)
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return nil // stopped, as asked
	}
	return err
}

func (a *Adapter) run(ctx context.Context, in bot.Inbox) error {
	if _, err := a.connect(ctx); err != nil {
		return err
	}
	if err := a.joinConfigured(ctx); err != nil {
		return err
	}
	return a.syncLoop(ctx, in)
}

// stateKey names one value of this account in the state store. The
// homeserver and user are part of it so that pointing Herald at another
// account never reuses a stale token or sync position.
func (a *Adapter) stateKey(what string) string {
	user := a.opt.UserID
	if user == "" {
		user = string(a.user) // token login without a configured user id
	}
	return fmt.Sprintf("matrix:%s:%s:%s", a.opt.Homeserver, user, what)
}
