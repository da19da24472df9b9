package matrix

import (
	"fmt"
	"testing"

	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
)

// TestAdapterRestartNeitherReplaysNorSkips is the second acceptance test:
// the adapter stops in the middle of a conversation, more is said than one
// /sync timeline holds, and the next run hands over exactly what it missed,
// in order, even though the inbox refuses the first attempts.
func TestAdapterRestartNeitherReplaysNorSkips(t *testing.T) {
	srv := homeserver.Server(t)
	alice := newPeer(t, srv, homeserver.NewUser(t, "alice"), "")
	room := alice.room(t)
	state := openState(t)
	o := botOptions(t, srv, homeserver.NewUser(t, "herald"), state, room)
	o.TimelineLimit = 3 // so the messages sent while stopped overflow one sync

	first := New(o)
	in1 := newInbox()
	stop := running(t, first, in1)
	synced(t, first)
	ref, err := first.PostArticle(testCtx(t), bot.Place{Platform: bot.Matrix, Channel: bot.RemoteID(room)},
		bot.Article{ID: 1, Title: "Talk", URL: "https://news.example/talk"}, "art-1")
	if err != nil {
		t.Fatal(err)
	}
	root := id.EventID(ref.Thread)
	var said []id.EventID
	sayN := func(from, to int) {
		for i := from; i <= to; i++ {
			said = append(said, alice.say(t, room, fmt.Sprintf("m%d", i), inThread(root, root)))
		}
	}
	sayN(1, 2)
	in1.await(t, "m2", func(ev bot.Event) bool { return ev.Message == bot.RemoteID(said[1]) })
	stop()

	sayN(3, 8) // while Herald is down
	second := New(o)
	in2 := newInbox()
	in2.refuse = 2 // the core's store is down for the first two attempts
	running(t, second, in2)
	in2.await(t, "m8", func(ev bot.Event) bool { return ev.Message == bot.RemoteID(said[7]) })
	sayN(9, 9)
	in2.await(t, "m9", func(ev bot.Event) bool { return ev.Message == bot.RemoteID(said[8]) })

	if got, want := messages(in1.all()), ids(said[:2]); got != want {
		t.Errorf("first run got %s, want %s", got, want)
	}
	if got, want := messages(in2.all()), ids(said[2:]); got != want {
		t.Errorf("second run got %s, want exactly the messages it missed and the new one, in order: %s", got, want)
	}
	for _, ev := range in2.all() {
		if ev.Thread != ref.Thread {
			t.Errorf("event %s has thread %q, want %q", ev.Message, ev.Thread, ref.Thread)
		}
	}
	if first.device == "" || second.device != first.device {
		t.Errorf("devices = %q then %q, want the same device reused", first.device, second.device)
	}
}

// TestLoginAfterRevokedToken checks that a kept token that no longer works
// leads to a password login on the same device.
func TestLoginAfterRevokedToken(t *testing.T) {
	srv := homeserver.Server(t)
	state := openState(t)
	o := botOptions(t, srv, homeserver.NewUser(t, "herald"), state)
	ctx := testCtx(t)
	first := New(o)
	cli, err := first.connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	revoked := cli.AccessToken
	if _, err := cli.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	// A send with the revoked token fails, but not for good: the next one
	// logs in again on the same device.
	alice := newPeer(t, srv, homeserver.NewUser(t, "alice"), "")
	room := alice.room(t)
	_, err = first.PostArticle(ctx, placeOf(room), artWith("revoked"), "rev-1")
	if err == nil || isPermanent(err) {
		t.Errorf("post with a revoked token = %v, want a transient error", err)
	}
	if _, err := first.PostArticle(ctx, placeOf(room), artWith("again"), "rev-2"); err != nil {
		t.Errorf("post after re-login: %v", err)
	}

	second := New(o)
	if _, err := second.connect(ctx); err != nil {
		t.Fatalf("connect after the token was revoked: %v", err)
	}
	if second.device != first.device {
		t.Errorf("device after re-login = %q, want %q", second.device, first.device)
	}
	tok, _ := second.state(ctx, "access_token")
	if tok == "" || tok == revoked {
		t.Errorf("kept token was not replaced after re-login")
	}

	// With a bad password and no usable token, the error is permanent.
	o.Password = "wrong password"
	third := New(o)
	if err := state.SetState(ctx, third.stateKey("access_token"), "revoked"); err != nil {
		t.Fatal(err)
	}
	_, err = third.connect(ctx)
	if err == nil || !isPermanent(err) {
		t.Errorf("login with a wrong password = %v, want a permanent error", err)
	}

	// An access token from the config is used as it is.
	tokenOnly := Options{Homeserver: srv.URL, AccessToken: tok, Logger: testLogger(t)}
	fourth := New(tokenOnly)
	if _, err := fourth.connect(ctx); err != nil {
		t.Fatalf("token login: %v", err)
	}
	if fourth.user != id.UserID(o.UserID) || fourth.device != first.device {
		t.Errorf("token login = %s/%s, want %s/%s", fourth.user, fourth.device, o.UserID, first.device)
	}
}

func messages(evs []bot.Event) string {
	var out []string
	for _, ev := range evs {
		out = append(out, string(ev.Message))
	}
	return fmt.Sprint(out)
}

func ids(evs []id.EventID) string {
	var out []string
	for _, ev := range evs {
		out = append(out, string(ev))
	}
	return fmt.Sprint(out)
}
