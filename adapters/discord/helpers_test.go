package discord

import (
	"context"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store/storetest"
)

// inbox records events in the order they arrive.
type inbox struct {
	mu     sync.Mutex
	events []bot.Event
}

func (i *inbox) Receive(_ context.Context, ev bot.Event) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.events = append(i.events, ev)
	return nil
}

// wait returns the events once there are at least n, or fails t after a
// generous deadline (the deadline guards a hang; it is not a timing check).
func (i *inbox) wait(t *testing.T, n int) []bot.Event {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		i.mu.Lock()
		got := append([]bot.Event(nil), i.events...)
		i.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d events, want %d: %+v", len(got), n, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testLogger() *slog.Logger {
	if os.Getenv("HERALD_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// newAdapter builds an adapter on srv with state st (a fresh store when nil).
func newAdapter(t testing.TB, srv *discordtest.Server, st bot.StateStore, tweak ...func(*Options)) *Adapter {
	t.Helper()
	if st == nil {
		st = storetest.Open(t)
	}
	opt := Options{
		Token: srv.Token(), ApplicationID: srv.ApplicationID(), GuildID: srv.GuildID(),
		Logger: testLogger(), State: st, HTTPClient: srv.Client(), Dialer: srv.Dialer(),
	}
	for _, f := range tweak {
		f(&opt)
	}
	a, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// run starts a.Run and waits until the fake has one more gateway
// connection; the adapter stops when the test ends.
func run(t *testing.T, srv *discordtest.Server, a *Adapter, in bot.Inbox) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	before := srv.Connected()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, in) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for srv.Connected() <= before {
		if time.Now().After(deadline) {
			t.Fatal("adapter never connected to the gateway")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func article(title string) bot.Article {
	return bot.Article{ID: 1, Title: title, URL: "https://news.example/" + url.PathEscape(title)}
}

func place(ch string) bot.Place { return bot.Place{Platform: bot.Discord, Channel: bot.RemoteID(ch)} }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// newServer starts a fake Discord that closes after the adapters of the
// test have stopped (cleanups run last-registered first).
func newServer(t *testing.T, cfg discordtest.Config) *discordtest.Server {
	t.Helper()
	srv := discordtest.New(cfg)
	t.Cleanup(srv.Close)
	return srv
}
