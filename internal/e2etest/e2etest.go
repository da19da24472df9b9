// Package e2etest runs Herald end to end for tests: the fake Discord
// (adapters/discord/discordtest, driven through the real discordgo and the
// Discord adapter), a real Dendrite (internal/dendritetest, driven through
// the Matrix adapter), a real SQLite store in a file, and the real relay,
// moderation rules, deliverer and command tree wired as `herald run` wires
// them. One Env is one article discussion with a Discord channel and a
// Matrix room; Stop and Start restart every Herald part over the same
// database file while the platforms keep running, as a process restart
// would.
//
// Use it from a test binary that shares one Dendrite:
//
//	var homeserver = dendritetest.NewShared(dendritetest.Config{})
//	func TestMain(m *testing.M) { os.Exit(homeserver.Run(m)) }
//	func TestX(t *testing.T) { env := e2etest.New(t, homeserver, e2etest.Options{}); … }
package e2etest

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/adapters/discord"
	"github.com/heraldchat/herald/adapters/discord/discordtest"
	"github.com/heraldchat/herald/adapters/matrix"
	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/config"
	"github.com/heraldchat/herald/internal/dendritetest"
	"github.com/heraldchat/herald/store"
)

// WaitLimit bounds every wait for something to happen. It guards against a
// hang on a busy machine; it is not a measure of speed.
const WaitLimit = 60 * time.Second

// Options shape an Env.
type Options struct {
	// Moderation are the automatic rules (config.Moderation); the zero value
	// has none, but bans and the review queue still work.
	Moderation config.Moderation
	// NoManageMessages leaves the bot without Discord's Manage Messages, so
	// it cannot remove members' messages.
	NoManageMessages bool
	// NoRedactPower leaves Herald's Matrix account at power level 0, below
	// the room's redact level, so it cannot redact people's events.
	NoRedactPower bool
	// Logger receives every part's log; HERALD_TEST_LOG=1 prints it, else
	// it is discarded.
	Logger *slog.Logger
}

// Env is one running Herald with its platforms.
type Env struct {
	t   testing.TB
	opt Options

	Discord     *discordtest.Server
	Channel     string // the Discord channel articles are posted to
	Homeserver  *dendritetest.Server
	BotUser     dendritetest.User // Herald's Matrix account
	RoomCreator *mautrix.Client   // owns the room (power 100); reads it as a client
	Room        id.RoomID
	DBPath      string

	// Set while running (between Start and Stop).
	DB        *store.DB
	Relay     *bot.Relay
	Deliverer *bot.Deliverer
	Commands  *bot.Commands
	Matrix    *matrix.Adapter
	DiscordA  *discord.Adapter

	cancel context.CancelFunc
	wg     sync.WaitGroup
	feedID int64
	users  func(prefix string) dendritetest.User
}

// New builds the platforms (a fake Discord with one channel, a room on the
// shared Dendrite with Herald's account at power 100) and starts Herald.
// Everything stops when the test ends.
func New(t testing.TB, hs *dendritetest.Shared, opt Options) *Env {
	t.Helper()
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
		if os.Getenv("HERALD_TEST_LOG") != "" {
			opt.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
	}
	e := &Env{t: t, opt: opt, DBPath: filepath.Join(t.TempDir(), "herald.db")}
	e.Homeserver = hs.Server(t)
	e.users = func(prefix string) dendritetest.User { return hs.NewUser(t, prefix) }

	e.Discord = discordtest.New(discordtest.Config{NoRateLimits: true, Logger: opt.Logger.With(slog.String("part", "discordtest"))})
	t.Cleanup(e.Discord.Close)
	e.Channel = e.Discord.AddTextChannel("news")
	if !opt.NoManageMessages {
		role := e.Discord.AddRole("Herald moderation", discordgo.PermissionManageMessages)
		e.Discord.GiveRole(e.Discord.BotUser().ID, role)
	}

	e.BotUser = e.users("herald")
	owner := e.users("owner")
	e.RoomCreator = e.client(owner)
	ctx, cancel := context.WithTimeout(context.Background(), WaitLimit)
	defer cancel()
	botPower := 100
	if opt.NoRedactPower {
		botPower = 0
	}
	resp, err := e.RoomCreator.CreateRoom(ctx, &mautrix.ReqCreateRoom{
		Preset: "public_chat", Name: "news",
		PowerLevelOverride: &event.PowerLevelsEventContent{Users: map[id.UserID]int{
			id.UserID(owner.ID): 100, id.UserID(e.BotUser.ID): botPower,
		}},
	})
	if err != nil {
		t.Fatalf("e2etest: create the Matrix room: %v", err)
	}
	e.Room = resp.RoomID
	t.Cleanup(e.Stop)
	e.Start()
	return e
}

func (e *Env) client(u dendritetest.User) *mautrix.Client {
	e.t.Helper()
	cli, err := mautrix.NewClient(e.Homeserver.URL, id.UserID(u.ID), u.AccessToken)
	if err != nil {
		e.t.Fatalf("e2etest: Matrix client for %s: %v", u.ID, err)
	}
	cli.DeviceID = id.DeviceID(u.DeviceID)
	return cli
}

// DiscordPlace and MatrixPlace are where articles go.
func (e *Env) DiscordPlace() bot.Place {
	return bot.Place{Platform: bot.Discord, Channel: bot.RemoteID(e.Channel)}
}

func (e *Env) MatrixPlace() bot.Place {
	return bot.Place{Platform: bot.Matrix, Channel: bot.RemoteID(e.Room)}
}

// Start opens the store and runs the adapters, the relay with the rules,
// and the deliverer, and waits until both adapters listen.
func (e *Env) Start() {
	e.t.Helper()
	if e.cancel != nil {
		e.t.Fatal("e2etest: Start while running")
	}
	log := e.opt.Logger
	ctx, cancel := context.WithTimeout(context.Background(), WaitLimit)
	defer cancel()
	db, err := store.Open(ctx, store.SQLite, e.DBPath)
	if err != nil {
		e.t.Fatalf("e2etest: open the store: %v", err)
	}
	e.DB = db
	feed, err := db.AddFeed(ctx, bot.FeedSpec{URL: "https://news.e2e.test/feed.xml", Name: "e2e news"}, bot.FromCommand)
	if errors.Is(err, bot.ErrExists) {
		feed, err = db.FeedByURL(ctx, "https://news.e2e.test/feed.xml")
	}
	if err != nil {
		e.t.Fatalf("e2etest: add the feed: %v", err)
	}
	e.feedID = feed.ID

	e.DiscordA, err = discord.New(discord.Options{
		Token: e.Discord.Token(), ApplicationID: e.Discord.ApplicationID(), GuildID: e.Discord.GuildID(),
		Logger: log.With(slog.String("part", "discord")), State: db,
		HTTPClient: e.Discord.Client(), Dialer: e.Discord.Dialer(),
	})
	if err != nil {
		e.t.Fatalf("e2etest: Discord adapter: %v", err)
	}
	e.Matrix = matrix.New(matrix.Options{
		Homeserver: e.Homeserver.URL, UserID: e.BotUser.ID, Password: e.BotUser.Password, State: db,
		Rooms: []string{string(e.Room)}, Logger: log.With(slog.String("part", "matrix")),
		SyncTimeout: time.Second, MaxBackoff: time.Second,
	})
	conns := map[bot.Platform]bot.Connector{bot.Discord: e.DiscordA, bot.Matrix: e.Matrix}
	e.Deliverer = bot.NewDeliverer(db, conns, bot.DeliverOptions{
		Owner: "e2e", Poll: 100 * time.Millisecond, BackoffBase: 50 * time.Millisecond, BackoffCap: time.Second,
		Lease: 30 * time.Second, Logger: log.With(slog.String("part", "deliverer")),
	})
	rules, err := bot.NewRules(db, e.opt.Moderation, bot.RulesOptions{Notify: e.Deliverer.Kick, Logger: log.With(slog.String("part", "rules"))})
	if err != nil {
		e.t.Fatalf("e2etest: moderation rules: %v", err)
	}
	e.Relay = bot.NewRelay(db, bot.RelayOptions{Moderator: rules, Notify: e.Deliverer.Kick, Logger: log.With(slog.String("part", "relay"))})
	e.Commands = bot.NewCommands(bot.CommandOptions{Store: db, Notify: e.Deliverer.Kick, Logger: log.With(slog.String("part", "commands"))})
	// The command tree is served on both platforms, as `herald run` does:
	// /herald slash commands on Discord, `!herald` in the Matrix room.
	e.DiscordA.ServeCommands(e.Commands, nil)
	e.Matrix.ServeCommands(&matrix.Commands{Tree: e.Commands, Prefix: "!herald", AdminPowerLevel: 50})

	runCtx, stop := context.WithCancel(context.Background())
	e.cancel = stop
	before := e.Discord.Connected()
	run := func(name string, f func(context.Context) error) {
		e.wg.Go(func() {
			if err := f(runCtx); err != nil && runCtx.Err() == nil {
				e.t.Errorf("e2etest: %s stopped: %v", name, err)
			}
		})
	}
	run("deliverer", e.Deliverer.Run)
	run("discord", func(ctx context.Context) error { return e.DiscordA.Run(ctx, e.Relay) })
	run("matrix", func(ctx context.Context) error { return e.Matrix.Run(ctx, e.Relay) })
	e.WaitFor("the Discord adapter to connect", func() bool { return e.Discord.Connected() > before })
	syncKey := "matrix:" + e.Homeserver.URL + ":" + e.BotUser.ID + ":sync_position"
	e.WaitFor("the Matrix adapter's first sync", func() bool {
		v, err := db.State(context.Background(), syncKey)
		return err == nil && v != ""
	})
}

// Stop stops every Herald part and closes the store; the platforms keep
// running. Safe to call twice.
func (e *Env) Stop() {
	if e.cancel == nil {
		return
	}
	e.cancel()
	e.wg.Wait()
	e.cancel = nil
	if err := e.DB.Close(); err != nil {
		e.t.Errorf("e2etest: close the store: %v", err)
	}
}

// Restart is Stop then Start.
func (e *Env) Restart() {
	e.t.Helper()
	e.Stop()
	e.Start()
}

// WaitFor polls cond until it holds, failing the test after WaitLimit.
func (e *Env) WaitFor(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(WaitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("e2etest: gave up after %s waiting for %s", WaitLimit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Idle waits until no outbox row is pending.
func (e *Env) Idle() {
	e.t.Helper()
	e.WaitFor("the outbox to drain", func() bool {
		rows, err := e.DB.OutboxRows(context.Background(), bot.OutboxPending, 0)
		return err == nil && len(rows) == 0
	})
}
