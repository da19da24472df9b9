package matrix

import (
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
)

// TestArticleThreadRoundTrip is the first acceptance test: an article is
// posted, a person replies in its thread, edits and deletes the reply, and
// the adapter hands each of those to the core with the right thread.
func TestArticleThreadRoundTrip(t *testing.T) {
	srv := homeserver.Server(t)
	alice := newPeer(t, srv, homeserver.NewUser(t, "alice"), "Alice Liddell")
	room := alice.room(t)
	a := New(botOptions(t, srv, homeserver.NewUser(t, "herald"), openState(t), room))
	in := newInbox()
	running(t, a, in)
	synced(t, a)
	ctx := testCtx(t)

	ref, err := a.PostArticle(ctx, bot.Place{Platform: bot.Matrix, Channel: bot.RemoteID(room)},
		bot.Article{ID: 7, Title: "Herald ships", URL: "https://news.example/herald"}, "article-7")
	if err != nil {
		t.Fatalf("PostArticle: %v", err)
	}
	if ref.Thread != ref.Message || ref.Message == "" {
		t.Fatalf("PostArticle = %+v, want the post to be its own thread root", ref)
	}
	if ref.Place != (bot.Place{Platform: bot.Matrix, Channel: bot.RemoteID(room)}) {
		t.Errorf("PostArticle place = %v, want the room id", ref.Place)
	}
	posted := alice.event(t, room, id.EventID(ref.Message))
	msg := posted.Content.AsMessage()
	if msg.MsgType != event.MsgNotice || !strings.Contains(msg.Body, "Herald ships") {
		t.Errorf("post = %s %q, want an m.notice naming the title", msg.MsgType, msg.Body)
	}

	root := id.EventID(ref.Thread)
	reply := alice.say(t, room, "First!", inThread(root, root))
	got := in.await(t, "the reply", func(ev bot.Event) bool { return ev.Message == bot.RemoteID(reply) })
	want := bot.Event{
		Kind:    bot.MessageCreated,
		Place:   ref.Place,
		Thread:  ref.Thread,
		Message: bot.RemoteID(reply),
		Author:  bot.Author{Platform: bot.Matrix, ID: bot.RemoteID(alice.user.ID), Name: "Alice Liddell"},
		Body:    richtext.FromPlain("First!"),
	}
	checkEvent(t, got, want)

	answer := alice.say(t, room, "Replying to myself", (&event.RelatesTo{}).SetThread(root, "").SetReplyTo(reply))
	got = in.await(t, "the answer", func(ev bot.Event) bool { return ev.Message == bot.RemoteID(answer) })
	if got.ReplyTo != bot.RemoteID(reply) || got.Thread != ref.Thread {
		t.Errorf("answer: ReplyTo %q Thread %q, want %q in %q", got.ReplyTo, got.Thread, reply, ref.Thread)
	}

	edit := &event.MessageEventContent{MsgType: event.MsgText, Body: "First (edited)"}
	edit.SetEdit(reply)
	if _, err := alice.SendMessageEvent(ctx, room, event.EventMessage, edit); err != nil {
		t.Fatalf("alice edits: %v", err)
	}
	got = in.await(t, "the edit", func(ev bot.Event) bool { return ev.Kind == bot.MessageEdited })
	want.Kind, want.Body = bot.MessageEdited, richtext.FromPlain("First (edited)")
	checkEvent(t, got, want)

	if _, err := alice.RedactEvent(ctx, room, reply); err != nil {
		t.Fatalf("alice redacts: %v", err)
	}
	got = in.await(t, "the redaction", func(ev bot.Event) bool { return ev.Kind == bot.MessageDeleted })
	want.Kind, want.Body = bot.MessageDeleted, richtext.Text{}
	checkEvent(t, got, want)

	for _, ev := range in.all() {
		if ev.Author.ID == bot.RemoteID(a.user) || ev.Message == ref.Message {
			t.Errorf("the adapter handed over its own event: %+v", ev)
		}
	}
}

// checkEvent compares the fields that say what happened; times are only
// checked for being set.
func checkEvent(t *testing.T, got, want bot.Event) {
	t.Helper()
	if got.Kind != want.Kind || got.Place != want.Place || got.Thread != want.Thread || got.Message != want.Message {
		t.Errorf("event = %s %v thread %q message %q, want %s %v thread %q message %q",
			got.Kind, got.Place, got.Thread, got.Message, want.Kind, want.Place, want.Thread, want.Message)
	}
	if got.Author != want.Author {
		t.Errorf("%s author = %+v, want %+v", got.Kind, got.Author, want.Author)
	}
	if g, w := got.Body.PlainText(), want.Body.PlainText(); g != w {
		t.Errorf("%s body = %q, want %q", got.Kind, g, w)
	}
	if got.Time.IsZero() || got.Received.IsZero() {
		t.Errorf("%s times = %v / %v, want both set", got.Kind, got.Time, got.Received)
	}
}
