package matrix

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
)

// relation reads an event's m.relates_to as JSON-shaped maps, the way
// another client would see it.
func relation(t *testing.T, ev *event.Event) map[string]any {
	t.Helper()
	rel, _ := ev.Content.Raw["m.relates_to"].(map[string]any)
	return rel
}

func inReplyTo(rel map[string]any) string {
	r, _ := rel["m.in_reply_to"].(map[string]any)
	s, _ := r["event_id"].(string)
	return s
}

func TestCommentsInThread(t *testing.T) {
	srv := homeserver.Server(t)
	alice := newPeer(t, srv, homeserver.NewUser(t, "alice"), "")
	room := alice.room(t)
	a := New(botOptions(t, srv, homeserver.NewUser(t, "herald"), openState(t), room))
	ctx := testCtx(t)
	place := bot.Place{Platform: bot.Matrix, Channel: bot.RemoteID(room)}
	ref, err := a.PostArticle(ctx, place, bot.Article{ID: 1, Title: "Thread root", URL: "https://news.example/1"}, "a1")
	if err != nil {
		t.Fatalf("PostArticle: %v", err)
	}
	root := string(ref.Thread)
	comment := bot.Comment{ID: 10, Author: bot.Author{Platform: bot.Discord, ID: "42", Name: "Dana"},
		Body: richtext.FromPlain("Nice article")}

	ids, err := a.PostComment(ctx, ref, comment, "c10")
	if err != nil || len(ids) != 1 {
		t.Fatalf("PostComment = %v, %v; want one event", ids, err)
	}
	ev := alice.event(t, room, id.EventID(ids[0]))
	rel := relation(t, ev)
	if rel["rel_type"] != "m.thread" || rel["event_id"] != root || rel["is_falling_back"] != true || inReplyTo(rel) != root {
		t.Errorf("comment relation = %v, want m.thread on %s falling back to it", rel, root)
	}
	if body, _ := ev.Content.Raw["body"].(string); !strings.Contains(body, "Dana") || !strings.Contains(body, "Nice article") {
		t.Errorf("comment body = %q, want the author's name and the text", body)
	}

	reply := bot.Comment{ID: 11, ParentID: 10, Author: bot.Author{Platform: bot.Web, ID: "w1", Name: "Eve"},
		Body: richtext.FromPlain("I agree")}
	replyIDs, err := a.PostReply(ctx, ref, reply, bot.Parent{Comment: comment, IDs: ids}, "c11")
	if err != nil || len(replyIDs) != 1 {
		t.Fatalf("PostReply = %v, %v", replyIDs, err)
	}
	ev = alice.event(t, room, id.EventID(replyIDs[0]))
	rel = relation(t, ev)
	if rel["rel_type"] != "m.thread" || rel["event_id"] != root || rel["is_falling_back"] == true || inReplyTo(rel) != string(ids[0]) {
		t.Errorf("reply relation = %v, want m.thread on %s replying to %s without fallback", rel, root, ids[0])
	}

	edited := comment
	edited.Body = richtext.FromPlain("Nice article, really")
	if err := a.EditComment(ctx, place, ids, edited); err != nil {
		t.Fatalf("EditComment: %v", err)
	}
	var replacement *event.Event
	for _, ev := range alice.settled(t, room) {
		if r := relation(t, ev); r["rel_type"] == "m.replace" && r["event_id"] == string(ids[0]) {
			replacement = ev
		}
	}
	if replacement == nil {
		t.Fatal("no m.replace event for the edited comment")
	}
	newContent, _ := replacement.Content.Raw["m.new_content"].(map[string]any)
	if body, _ := newContent["body"].(string); !strings.Contains(body, "Nice article, really") {
		t.Errorf("m.new_content body = %q, want the new text", body)
	}
	if _, ok := newContent["m.relates_to"]; ok {
		t.Errorf("m.new_content carries a relation: %v", newContent)
	}

	if err := a.Delete(ctx, place, replyIDs); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	alice.settled(t, room)
	gone := alice.event(t, room, id.EventID(replyIDs[0]))
	if len(gone.Content.Raw) != 0 || gone.Unsigned.RedactedBecause == nil {
		t.Errorf("deleted comment = content %v, redacted_because %v; want it redacted", gone.Content.Raw, gone.Unsigned.RedactedBecause)
	}
	if err := a.Delete(ctx, place, replyIDs); err != nil {
		t.Errorf("Delete again: %v, want nil (already gone)", err)
	}
}

// TestSendIsIdempotent checks that the outbox key is the transaction id: a
// repeated send with the same key gives the same event and no new one.
func TestSendIsIdempotent(t *testing.T) {
	srv := homeserver.Server(t)
	alice := newPeer(t, srv, homeserver.NewUser(t, "alice"), "")
	room := alice.room(t)
	a := New(botOptions(t, srv, homeserver.NewUser(t, "herald"), openState(t), room))
	ctx := testCtx(t)
	place := bot.Place{Platform: bot.Matrix, Channel: bot.RemoteID(room)}
	art := bot.Article{ID: 3, Title: "Once", URL: "https://news.example/once"}

	first, err := a.PostArticle(ctx, place, art, "key-1")
	if err != nil {
		t.Fatal(err)
	}
	again, err := a.PostArticle(ctx, place, art, "key-1")
	if err != nil {
		t.Fatal(err)
	}
	if again.Message != first.Message {
		t.Errorf("resend with the same key = %s, want the first event %s", again.Message, first.Message)
	}
	c := bot.Comment{ID: 5, Author: bot.Author{Name: "Dana"}, Body: richtext.FromPlain("hello")}
	ids1, err := a.PostComment(ctx, first, c, "key-c")
	if err != nil {
		t.Fatal(err)
	}
	ids2, err := a.PostComment(ctx, first, c, "key-c")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids1) != fmt.Sprint(ids2) {
		t.Errorf("comment resend = %v, want %v", ids2, ids1)
	}
	other, err := a.PostArticle(ctx, place, art, "key-2")
	if err != nil {
		t.Fatal(err)
	}
	if other.Message == first.Message {
		t.Errorf("a new key gave the old event %s", other.Message)
	}
	if n := len(botEvents(t, alice, room, a)); n != 3 {
		t.Errorf("room holds %d events from the bot, want 3 (two articles, one comment)", n)
	}
}

// botEvents lists the messages the adapter's user sent to a room.
func botEvents(t *testing.T, p *peer, room id.RoomID, a *Adapter) []*event.Event {
	t.Helper()
	var out []*event.Event
	for _, ev := range p.settled(t, room) {
		if ev.Sender == a.user {
			out = append(out, ev)
		}
	}
	return out
}

func TestEncryptedRoomIsRefused(t *testing.T) {
	srv := homeserver.Server(t)
	alice := newPeer(t, srv, homeserver.NewUser(t, "alice"), "")
	encState := &event.Event{Type: event.StateEncryption, StateKey: new(string),
		Content: event.Content{Parsed: &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}}}
	encrypted := alice.room(t, encState)
	later := alice.room(t)
	o := botOptions(t, srv, homeserver.NewUser(t, "herald"), openState(t), encrypted, later)
	var logged func() string
	o.Logger, logged = testLogCapture(t)
	a := New(o)
	in := newInbox()
	running(t, a, in)
	synced(t, a)
	ctx := testCtx(t)

	_, err := a.PostArticle(ctx, bot.Place{Platform: bot.Matrix, Channel: bot.RemoteID(encrypted)}, bot.Article{Title: "x"}, "k1")
	checkEncryptedErr(t, err, encrypted)
	if !strings.Contains(logged(), "end-to-end encrypted") {
		t.Errorf("no warning about the encrypted room in the log")
	}

	// A room that turns encryption on after Herald joined is refused too,
	// once /sync has shown the change.
	ref, err := a.PostArticle(ctx, bot.Place{Platform: bot.Matrix, Channel: bot.RemoteID(later)}, bot.Article{Title: "y"}, "k2")
	if err != nil {
		t.Fatalf("post before encryption: %v", err)
	}
	if _, err := alice.SendStateEvent(ctx, later, event.StateEncryption, "", &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}); err != nil {
		t.Fatal(err)
	}
	awaitTrue(t, "the encryption to be seen", func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.encrypted[later]
	})
	_, err = a.PostComment(ctx, ref, bot.Comment{Author: bot.Author{Name: "x"}, Body: richtext.FromPlain("x")}, "k3")
	checkEncryptedErr(t, err, later)
}

func checkEncryptedErr(t *testing.T, err error, room id.RoomID) {
	t.Helper()
	if !errors.Is(err, ErrEncryptedRoom) || !errors.Is(err, bot.ErrPermanent) || !strings.Contains(fmt.Sprint(err), string(room)) {
		t.Errorf("post to encrypted room = %v, want a permanent ErrEncryptedRoom naming %s", err, room)
	}
}
