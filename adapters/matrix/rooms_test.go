package matrix

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/internal/dendritetest"
	"github.com/heraldchat/herald/richtext"
)

// privateRoom creates an invite-only room.
func (p *peer) privateRoom(t *testing.T) id.RoomID {
	t.Helper()
	resp, err := p.CreateRoom(testCtx(t), &mautrix.ReqCreateRoom{Preset: "private_chat", Name: t.Name()})
	if err != nil {
		t.Fatalf("create room: %v", err)
	}
	return resp.RoomID
}

func (p *peer) invite(t *testing.T, room id.RoomID, user id.UserID) {
	t.Helper()
	if _, err := p.InviteUser(testCtx(t), room, &mautrix.ReqInviteUser{UserID: user}); err != nil {
		t.Fatalf("invite %s to %s: %v", user, room, err)
	}
}

func (p *peer) members(t *testing.T, room id.RoomID) map[id.UserID]bool {
	t.Helper()
	resp, err := p.JoinedMembers(testCtx(t), room)
	if err != nil {
		t.Fatalf("members of %s: %v", room, err)
	}
	out := map[id.UserID]bool{}
	for u := range resp.Joined {
		out[u] = true
	}
	return out
}

// TestInvitesAndRooms covers how rooms are joined: a configured private
// room once invited, any room an admin invites to, never a room a stranger
// invites to; aliases resolve to room ids; history from before the first
// run is not handed over, and messages outside threads are (commands).
func TestInvitesAndRooms(t *testing.T) {
	srv := homeserver.Server(t)
	admin := newPeer(t, srv, homeserver.NewUser(t, "admin"), "")
	stranger := newPeer(t, srv, homeserver.NewUser(t, "stranger"), "")
	configured := admin.privateRoom(t)
	adminRoom := admin.privateRoom(t)
	strangerRoom := stranger.privateRoom(t)
	aliased := admin.room(t)
	alias := id.RoomAlias(fmt.Sprintf("#herald-%s:localhost", admin.user.Localpart))
	if _, err := admin.CreateAlias(testCtx(t), alias, aliased); err != nil {
		t.Fatal(err)
	}
	admin.say(t, aliased, "said before Herald came", nil)

	botUser := homeserver.NewUser(t, "herald")
	o := botOptions(t, srv, botUser, openState(t), configured)
	o.Rooms = append(o.Rooms, string(alias))
	o.AdminUsers = []string{admin.user.ID}
	a := New(o)
	in := newInbox()
	running(t, a, in)
	synced(t, a)

	botID := id.UserID(botUser.ID)
	admin.invite(t, configured, botID)
	admin.invite(t, adminRoom, botID)
	stranger.invite(t, strangerRoom, botID)
	for _, room := range []id.RoomID{configured, adminRoom, aliased} {
		awaitTrue(t, fmt.Sprintf("the bot to join %s", room), func() bool { return admin.members(t, room)[botID] })
	}
	// The stranger's invite was seen in the same syncs as the others; give
	// it one more round trip and check it was left alone.
	admin.say(t, configured, "sync barrier", nil)
	in.await(t, "the barrier", func(ev bot.Event) bool { return ev.Body.PlainText() == "sync barrier" })
	if stranger.members(t, strangerRoom)[botID] {
		t.Errorf("the bot joined a room a stranger invited it to")
	}

	ref, err := a.PostArticle(testCtx(t), placeOf(id.RoomID(alias)), artWith("by alias"), "alias-1")
	if err != nil {
		t.Fatalf("post to alias: %v", err)
	}
	if ref.Place.Channel != bot.RemoteID(aliased) {
		t.Errorf("post by alias went to %s, want room id %s", ref.Place.Channel, aliased)
	}

	cmd := admin.say(t, aliased, "!herald status", nil)
	got := in.await(t, "the command", func(ev bot.Event) bool { return ev.Message == bot.RemoteID(cmd) })
	if got.Thread != "" || got.Place != placeOf(aliased) {
		t.Errorf("top-level message = thread %q place %v, want no thread in %s", got.Thread, got.Place, aliased)
	}
	for _, ev := range in.all() {
		if ev.Body.PlainText() == "said before Herald came" {
			t.Errorf("history from before the first run was handed over: %+v", ev)
		}
	}
}

// TestReactionsAndArticleEdit covers reactions (added and removed) on a
// comment in a thread and the edit of a posted article.
func TestReactionsAndArticleEdit(t *testing.T) {
	srv := homeserver.Server(t)
	alice := newPeer(t, srv, homeserver.NewUser(t, "alice"), "")
	room := alice.room(t)
	a := New(botOptions(t, srv, homeserver.NewUser(t, "herald"), openState(t), room))
	in := newInbox()
	running(t, a, in)
	synced(t, a)
	ctx := testCtx(t)
	ref, err := a.PostArticle(ctx, placeOf(room), artWith("v1"), "edit-1")
	if err != nil {
		t.Fatal(err)
	}
	root := id.EventID(ref.Thread)
	msg := alice.say(t, room, "react to me", inThread(root, root))
	resp, err := alice.SendReaction(ctx, room, msg, "👍")
	if err != nil {
		t.Fatal(err)
	}
	got := in.await(t, "the reaction", func(ev bot.Event) bool { return ev.Kind == bot.ReactionAdded })
	if got.Message != bot.RemoteID(msg) || got.Emoji != "👍" || got.Thread != ref.Thread {
		t.Errorf("reaction = %+v, want 👍 on %s in %s", got, msg, ref.Thread)
	}
	if _, err := alice.RedactEvent(ctx, room, resp.EventID); err != nil {
		t.Fatal(err)
	}
	got = in.await(t, "the reaction removal", func(ev bot.Event) bool { return ev.Kind == bot.ReactionGone })
	if got.Message != bot.RemoteID(msg) || got.Emoji != "👍" || got.Thread != ref.Thread {
		t.Errorf("reaction removal = %+v, want 👍 off %s in %s", got, msg, ref.Thread)
	}

	if err := a.EditArticle(ctx, ref, artWith("v2 with a fix")); err != nil {
		t.Fatalf("EditArticle: %v", err)
	}
	var found bool
	for _, ev := range alice.settled(t, room) {
		rel := relation(t, ev)
		nc, _ := ev.Content.Raw["m.new_content"].(map[string]any)
		body, _ := nc["body"].(string)
		if rel["rel_type"] == "m.replace" && rel["event_id"] == string(ref.Message) && strings.Contains(body, "v2 with a fix") {
			found = true
		}
	}
	if !found {
		t.Errorf("no m.replace of the article carrying the new title")
	}
}

// TestJoinHonoursRealRateLimit runs against a Dendrite that rate-limits
// joins (one per second per device) and configures more rooms than that
// allows: every join must succeed after Dendrite's M_LIMIT_EXCEEDED.
func TestJoinHonoursRealRateLimit(t *testing.T) {
	srv := dendritetest.Start(t, dendritetest.Config{RateLimit: true, RateThreshold: 1, RateCooloff: 700 * time.Millisecond})
	alice := newPeer(t, srv, srv.User(t, "alice"), "")
	var rooms []id.RoomID
	for range 4 {
		rooms = append(rooms, alice.room(t))
	}
	botUser := srv.User(t, "herald")
	o := botOptions(t, srv, botUser, openState(t), rooms...)
	var logged func() string
	o.Logger, logged = testLogCapture(t)
	a := New(o)
	running(t, a, newInbox())
	for _, room := range rooms {
		awaitTrue(t, "the bot to join "+string(room), func() bool { return alice.members(t, room)[id.UserID(botUser.ID)] })
	}
	if !strings.Contains(logged(), "M_LIMIT_EXCEEDED") {
		t.Errorf("the joins were never rate limited; the test proves nothing")
	}
}

func placeOf(room id.RoomID) bot.Place {
	return bot.Place{Platform: bot.Matrix, Channel: bot.RemoteID(room)}
}

func artWith(title string) bot.Article {
	return bot.Article{ID: 9, Title: title, URL: "https://news.example/a", Summary: richtext.FromPlain("summary")}
}
