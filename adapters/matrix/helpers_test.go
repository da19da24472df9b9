package matrix

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/internal/dendritetest"
	"github.com/heraldchat/herald/store/storetest"
)

// homeserver is one Dendrite shared by the tests of this package that do
// not stop or restart it.
var homeserver = dendritetest.NewShared(dendritetest.Config{})

func TestMain(m *testing.M) { os.Exit(homeserver.Run(m)) }

// waitFor bounds every wait for something to arrive; generous, because the
// machine is shared, and never a measure of speed.
const waitFor = 60 * time.Second

func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// peer is a person's client: it creates rooms, writes in threads and
// counts what the bot posted, all through the real client-server API.
type peer struct {
	*mautrix.Client
	user dendritetest.User
}

func newPeer(t testing.TB, srv *dendritetest.Server, u dendritetest.User, displayName string) *peer {
	t.Helper()
	cli, err := mautrix.NewClient(srv.URL, id.UserID(u.ID), u.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	cli.DeviceID = id.DeviceID(u.DeviceID)
	if displayName != "" {
		if err := cli.SetDisplayName(testCtx(t), displayName); err != nil {
			t.Fatalf("set display name of %s: %v", u.ID, err)
		}
	}
	return &peer{Client: cli, user: u}
}

// room creates a public room the bot may join.
func (p *peer) room(t testing.TB, initial ...*event.Event) id.RoomID {
	t.Helper()
	resp, err := p.CreateRoom(testCtx(t), &mautrix.ReqCreateRoom{Preset: "public_chat", Name: t.Name(), InitialState: initial})
	if err != nil {
		t.Fatalf("create room: %v", err)
	}
	return resp.RoomID
}

// say posts a plain message with an optional relation and returns its id.
func (p *peer) say(t testing.TB, room id.RoomID, text string, rel *event.RelatesTo) id.EventID {
	t.Helper()
	content := &event.MessageEventContent{MsgType: event.MsgText, Body: text, RelatesTo: rel}
	resp, err := p.SendMessageEvent(testCtx(t), room, event.EventMessage, content)
	if err != nil {
		t.Fatalf("send %q: %v", text, err)
	}
	return resp.EventID
}

// inThread is the relation a thread-aware client puts on a thread message.
func inThread(root, previous id.EventID) *event.RelatesTo {
	return (&event.RelatesTo{}).SetThread(root, previous)
}

// roomEvents lists every m.room.message of a room, oldest first. It pages
// backwards from the newest event: Dendrite rejects a forward /messages
// without a from token.
func (p *peer) roomEvents(t *testing.T, room id.RoomID) []*event.Event {
	t.Helper()
	var newestFirst []*event.Event
	from := ""
	for {
		resp, err := p.Messages(testCtx(t), room, from, "", mautrix.DirectionBackward, nil, 100)
		if err != nil {
			t.Fatalf("read %s from %q: %v", room, from, err)
		}
		for _, ev := range resp.Chunk {
			if ev.Type == event.EventMessage {
				_ = ev.Content.ParseRaw(ev.Type)
				newestFirst = append(newestFirst, ev)
			}
		}
		if len(resp.Chunk) == 0 || resp.End == "" || resp.End == from {
			slices.Reverse(newestFirst)
			return newestFirst
		}
		from = resp.End
	}
}

// botUser makes an account for the adapter and Options pointing at it.
func botOptions(t *testing.T, srv *dendritetest.Server, u dendritetest.User, state bot.StateStore, rooms ...id.RoomID) Options {
	t.Helper()
	o := Options{
		Homeserver:  srv.URL,
		UserID:      u.ID,
		Password:    u.Password,
		State:       state,
		Logger:      testLogger(t),
		SyncTimeout: 2 * time.Second,
		MaxBackoff:  time.Second,
	}
	for _, r := range rooms {
		o.Rooms = append(o.Rooms, string(r))
	}
	return o
}

// testLogger writes the adapter's log into the test's log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// inbox records what the adapter hands over; it can refuse the first
// events to show the adapter retries.
type inbox struct {
	mu      sync.Mutex
	events  []bot.Event
	refuse  int // refuse this many Receive calls first
	changed chan struct{}
}

func newInbox() *inbox { return &inbox{changed: make(chan struct{}, 1)} }

func (in *inbox) Receive(_ context.Context, ev bot.Event) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.refuse > 0 {
		in.refuse--
		return errors.New("store is down (test)")
	}
	in.events = append(in.events, ev)
	select {
	case in.changed <- struct{}{}:
	default:
	}
	return nil
}

func (in *inbox) all() []bot.Event {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]bot.Event(nil), in.events...)
}

// await waits until an event matching ok has arrived and returns it.
func (in *inbox) await(t *testing.T, what string, ok func(bot.Event) bool) bot.Event {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		for _, ev := range in.all() {
			if ok(ev) {
				return ev
			}
		}
		select {
		case <-in.changed:
		case <-deadline:
			t.Fatalf("no %s arrived within %s; got %d events: %+v", what, waitFor, len(in.all()), in.all())
		}
	}
}

// running starts Run in the background and returns a stop function that
// cancels it and waits for it to return.
func running(t *testing.T, a *Adapter, in bot.Inbox) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, in) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run returned %v, want nil after cancel", err)
				}
			case <-time.After(waitFor):
				t.Errorf("Run did not return within %s of cancel", waitFor)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// synced waits until the adapter has stored a sync position, which means
// its first /sync is done and later messages will be handed over.
func synced(t *testing.T, a *Adapter) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		if tok, err := a.state(context.Background(), "sync_position"); err == nil && tok != "" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the adapter stored no sync token within %s", waitFor)
}

func openState(t testing.TB) bot.StateStore { return storetest.Open(t) }

// testLogCapture writes the adapter's log into the test's log and keeps a
// copy the test can read.
func testLogCapture(t *testing.T) (*slog.Logger, func() string) {
	var mu sync.Mutex
	var kept strings.Builder
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		kept.Write(p)
		mu.Unlock()
		return tWriter{t}.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	return log, func() string {
		mu.Lock()
		defer mu.Unlock()
		return kept.String()
	}
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// awaitTrue polls cond until it holds.
func awaitTrue(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", waitFor, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func isPermanent(err error) bool { return errors.Is(err, bot.ErrPermanent) }

// event reads one event as a client would, waiting for Dendrite to make it
// readable (its sync API takes events from the room server asynchronously).
func (p *peer) event(t *testing.T, room id.RoomID, ev id.EventID) *event.Event {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		got, err := p.GetEvent(testCtx(t), room, ev)
		if err == nil {
			_ = got.Content.ParseRaw(got.Type)
			return got
		}
		if !errors.Is(err, mautrix.MNotFound) || time.Now().After(deadline) {
			t.Fatalf("read event %s: %v", ev, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// settled lists the room's messages once everything sent before the call is
// readable: it sends a marker and waits until /messages shows it, since
// Dendrite's sync API takes a room's events in order.
func (p *peer) settled(t *testing.T, room id.RoomID) []*event.Event {
	t.Helper()
	marker := p.say(t, room, "marker", nil)
	deadline := time.Now().Add(waitFor)
	for {
		evs := p.roomEvents(t, room)
		for i, ev := range evs {
			if ev.ID == marker {
				return append(evs[:i:i], evs[i+1:]...)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("marker %s did not show up in %s within %s", marker, room, waitFor)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
