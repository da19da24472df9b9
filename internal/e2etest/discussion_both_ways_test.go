package e2etest_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/internal/e2etest"
)

// TestDiscussionBothWays is issue 7's first acceptance in one flow: an
// article routed to the Discord channel and the Matrix room appears on both
// with threads; comments, replies, edits and deletes written on either side
// follow to the other; and the shared model, read as `herald export -format
// json` reads it, holds each comment once with both platforms' ids.
func TestDiscussionBothWays(t *testing.T) {
	env := e2etest.New(t, homeserver, e2etest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), e2etest.WaitLimit)
	defer cancel()

	th := env.PostArticle("both-ways", "Discussed both ways")
	if ch, ok := env.Discord.Channel(th.Discord); !ok || !ch.IsThread() || ch.ParentID != env.Channel {
		t.Fatalf("Discord thread %s = %+v (found %v), want a thread of channel %s", th.Discord, ch, ok, env.Channel)
	}
	if root := matrixEvent(env, th.MatrixRoot); root == nil || !strings.Contains(root.Content.AsMessage().Body, "Discussed both ways") {
		t.Fatalf("Matrix thread root %s = %v, want the article post", th.MatrixRoot, root)
	}
	ana := env.DiscordPerson("Ana")
	cai := env.MatrixPerson("Cai")

	// A member's comment on Discord shows in the Matrix thread with her name.
	d1 := ana.Say(th, "bw01 written on Discord")
	var d1m id.EventID
	env.WaitFor("bw01 on Matrix", func() bool { d1m = env.MatrixMirror(bot.Discord, d1); return d1m != "" })
	if ev := matrixEvent(env, d1m); ev == nil {
		t.Fatalf("bw01's Matrix mirror %s cannot be read", d1m)
	} else {
		msg := ev.Content.AsMessage()
		if !strings.Contains(msg.Body, "bw01 written on Discord") || !strings.Contains(msg.Body, "Ana") {
			t.Errorf("bw01 on Matrix reads %q, want the text with the author's name", msg.Body)
		}
		if p := msg.BeeperPerMessageProfile; p == nil || !strings.HasPrefix(p.Displayname, "Ana") {
			t.Errorf("bw01 on Matrix has per-message profile %+v, want Ana's name (with a platform hint)", p)
		}
		if rel := msg.RelatesTo; rel == nil || rel.GetThreadParent() != th.MatrixRoot {
			t.Errorf("bw01 on Matrix relates %+v, want the thread of %s", rel, th.MatrixRoot)
		}
	}

	// A Matrix user's comment shows in the Discord thread through the
	// webhook, under his name.
	m1 := cai.Say(th, "bw02 written on Matrix")
	var m1d string
	env.WaitFor("bw02 on Discord", func() bool { m1d = env.DiscordMirror(bot.Matrix, string(m1)); return m1d != "" })
	if got, ok := env.Discord.Message(m1d); !ok || got.ChannelID != th.Discord || got.WebhookID == "" ||
		got.Author == nil || !strings.Contains(got.Author.Username, "Cai") || !strings.Contains(got.Content, "bw02 written on Matrix") {
		t.Errorf("bw02 on Discord = %+v (found %v), want a webhook message in thread %s named Cai", got.Message, ok, th.Discord)
	}

	// Ana replies on Discord to bw02's mirror: on Matrix the mirror is a
	// real reply to Cai's original event.
	r1, err := env.Discord.Say(th.Discord, ana.User, "bw03 a reply on Discord", m1d)
	if err != nil {
		t.Fatalf("Ana replies on Discord: %v", err)
	}
	d2 := r1.ID
	var d2m id.EventID
	env.WaitFor("bw03 on Matrix", func() bool { d2m = env.MatrixMirror(bot.Discord, d2); return d2m != "" })
	if ev := matrixEvent(env, d2m); ev == nil {
		t.Fatalf("bw03's Matrix mirror %s cannot be read", d2m)
	} else if rel := ev.Content.AsMessage().RelatesTo; rel == nil || rel.GetNonFallbackReplyTo() != m1 || rel.GetThreadParent() != th.MatrixRoot {
		t.Errorf("bw03 on Matrix relates %+v, want m.in_reply_to %s in the thread of %s", rel, m1, th.MatrixRoot)
	}

	// Cai replies on Matrix to bw01's mirror: a webhook message cannot
	// reply on Discord, so the mirror starts with a quote of the parent.
	reply := &event.MessageEventContent{MsgType: event.MsgText, Body: "bw04 a reply on Matrix",
		RelatesTo: (&event.RelatesTo{}).SetThread(th.MatrixRoot, "").SetReplyTo(d1m)}
	resp, err := cai.Client.SendMessageEvent(ctx, env.Room, event.EventMessage, reply)
	if err != nil {
		t.Fatalf("Cai replies on Matrix: %v", err)
	}
	m2 := resp.EventID
	var m2d string
	env.WaitFor("bw04 on Discord", func() bool { m2d = env.DiscordMirror(bot.Matrix, string(m2)); return m2d != "" })
	if got, ok := env.Discord.Message(m2d); !ok || got.WebhookID == "" || !quotes(got.Content, "Ana", "bw01") ||
		!strings.Contains(got.Content, "bw04 a reply on Matrix") {
		t.Errorf("bw04 on Discord reads %q (found %v), want a webhook message quoting Ana's bw01, then the reply", got.Content, ok)
	}

	// Edits follow both ways.
	if err := env.Discord.EditBy(d1, "bw01 corrected on Discord"); err != nil {
		t.Fatal(err)
	}
	env.WaitFor("bw01's Matrix copy edited", func() bool { return matrixEditedTo(env, d1m, "bw01 corrected on Discord") })
	edit := &event.MessageEventContent{MsgType: event.MsgText, Body: "bw02 corrected on Matrix"}
	edit.SetEdit(m1)
	if _, err := cai.Client.SendMessageEvent(ctx, env.Room, event.EventMessage, edit); err != nil {
		t.Fatalf("Cai edits bw02: %v", err)
	}
	env.WaitFor("bw02's Discord copy edited", func() bool {
		got, ok := env.Discord.Message(m1d)
		return ok && strings.Contains(got.Content, "bw02 corrected on Matrix")
	})

	// Deletes follow both ways.
	d3 := ana.Say(th, "bw05 deleted on Discord")
	var d3m id.EventID
	env.WaitFor("bw05 on Matrix", func() bool { d3m = env.MatrixMirror(bot.Discord, d3); return d3m != "" })
	m3 := cai.Say(th, "bw06 redacted on Matrix")
	var m3d string
	env.WaitFor("bw06 on Discord", func() bool { m3d = env.DiscordMirror(bot.Matrix, string(m3)); return m3d != "" })
	if err := env.Discord.DeleteBy(d3); err != nil {
		t.Fatal(err)
	}
	env.WaitFor("bw05's Matrix copy redacted", func() bool { return !env.MatrixLive(d3m) })
	if _, err := cai.Client.RedactEvent(ctx, env.Room, m3); err != nil {
		t.Fatalf("Cai redacts bw06: %v", err)
	}
	env.WaitFor("bw06's Discord copy deleted", func() bool {
		got, ok := env.Discord.Message(m3d)
		return ok && got.Deleted
	})
	env.Idle()

	// What each platform shows now: every live comment once, in the thread.
	for _, text := range []string{"bw01 corrected", "bw02 corrected", "bw03", "bw04"} {
		if n := env.DiscordCount(th, text); n != 1 {
			t.Errorf("%q shows %d times on Discord, want once", text, n)
		}
	}
	// (A Matrix edit is an event of its own beside the one it replaces,
	// so the thread still holds the first texts of bw01 and bw02.)
	for _, text := range []string{"bw01 written", "bw02 written", "bw03", "bw04"} {
		if n := env.MatrixCount(th, text); n != 1 {
			t.Errorf("%q shows %d times in the Matrix thread, want once", text, n)
		}
	}
	for _, text := range []string{"bw05", "bw06"} {
		if n := env.DiscordCount(th, text); n != 0 {
			t.Errorf("deleted %q shows %d times on Discord, want 0", text, n)
		}
		if n := env.MatrixCount(th, text); n != 0 {
			t.Errorf("deleted %q shows %d times on Matrix, want 0", text, n)
		}
	}

	checkExport(t, env, th, []exportWant{
		{name: "bw01", text: "bw01 corrected on Discord", origin: bot.Discord, discord: d1, matrix: string(d1m), edited: true},
		{name: "bw02", text: "bw02 corrected on Matrix", origin: bot.Matrix, discord: m1d, matrix: string(m1), edited: true},
		{name: "bw03", text: "bw03 a reply on Discord", origin: bot.Discord, discord: d2, matrix: string(d2m), replyTo: "bw02"},
		{name: "bw04", text: "bw04 a reply on Matrix", origin: bot.Matrix, discord: m2d, matrix: string(m2), replyTo: "bw01"},
		{name: "bw05", origin: bot.Discord, discord: d3, matrix: string(d3m), deleted: true},
		{name: "bw06", origin: bot.Matrix, discord: m3d, matrix: string(m3), deleted: true},
	})
}

// exportWant is one comment as the export must hold it.
type exportWant struct {
	name            string
	text            string // the body's plain text; not checked for deleted ones
	origin          bot.Platform
	discord, matrix string // its one message on each platform (origin or mirror)
	replyTo         string // the name of the comment it answers
	edited, deleted bool
}

// checkExport reads the shared model as `herald export -format json` does
// (DiscussedArticles, then each article's comments and their mirrors; the
// JSON builder lives in package main) and checks that each comment is there
// once with both platforms' ids.
func checkExport(t *testing.T, env *e2etest.Env, th e2etest.Thread, wants []exportWant) {
	t.Helper()
	ctx := context.Background()
	articles, err := env.DB.DiscussedArticles(ctx)
	if err != nil {
		t.Fatalf("discussed articles: %v", err)
	}
	if !slices.Equal(articles, []int64{th.ArticleID}) {
		t.Fatalf("the export lists articles %v, want [%d]", articles, th.ArticleID)
	}
	comments, err := env.DB.Comments(ctx, th.ArticleID)
	if err != nil {
		t.Fatalf("comments: %v", err)
	}
	if len(comments) != len(wants) {
		t.Errorf("the export holds %d comments, want %d", len(comments), len(wants))
	}
	byName := map[string]int64{}
	for _, w := range wants {
		origin := w.discord
		if w.origin == bot.Matrix {
			origin = w.matrix
		}
		var found []bot.Comment
		for _, c := range comments {
			if c.Origin.Place.Platform == w.origin && string(c.Origin.Message) == origin {
				found = append(found, c)
			}
		}
		if len(found) != 1 {
			t.Errorf("%s (%s message %s) is in the export %d times, want once", w.name, w.origin, origin, len(found))
			continue
		}
		c := found[0]
		byName[w.name] = c.ID
		// The ids per platform, assembled as the JSON export's "ids" field:
		// the origin, then every mirror.
		ids := map[bot.Platform][]string{w.origin: {origin}}
		mirrors, err := env.DB.Mirrors(ctx, c.ID)
		if err != nil {
			t.Fatalf("mirrors of %s: %v", w.name, err)
		}
		for _, m := range mirrors {
			for _, x := range m.IDs {
				ids[m.Place.Platform] = append(ids[m.Place.Platform], string(x))
			}
		}
		if got := ids[bot.Discord]; !slices.Equal(got, []string{w.discord}) {
			t.Errorf("%s's Discord ids = %v, want [%s]", w.name, got, w.discord)
		}
		if got := ids[bot.Matrix]; !slices.Equal(got, []string{w.matrix}) {
			t.Errorf("%s's Matrix ids = %v, want [%s]", w.name, got, w.matrix)
		}
		if got := !c.Edited.IsZero(); got != w.edited {
			t.Errorf("%s marked edited = %v, want %v", w.name, got, w.edited)
		}
		if got := !c.Deleted.IsZero(); got != w.deleted {
			t.Errorf("%s marked deleted = %v, want %v", w.name, got, w.deleted)
		}
		if got := c.Body.PlainText(); !w.deleted && !strings.Contains(got, w.text) {
			t.Errorf("%s's text = %q, want %q", w.name, got, w.text)
		}
		wantAuthor := map[bot.Platform]string{bot.Discord: "Ana", bot.Matrix: "Cai"}[w.origin]
		if c.Author.Platform != w.origin || c.Author.Name != wantAuthor {
			t.Errorf("%s's author = %+v, want %s on %s", w.name, c.Author, wantAuthor, w.origin)
		}
	}
	for _, w := range wants {
		c, ok := byName[w.name]
		if !ok {
			continue
		}
		var parent int64
		for _, x := range comments {
			if x.ID == c {
				parent = x.ParentID
			}
		}
		if want := byName[w.replyTo]; parent != want {
			t.Errorf("%s replies to comment %d, want %d (%q)", w.name, parent, want, w.replyTo)
		}
	}
}

// matrixEvent is a live event of the room as a client reads it; nil when
// there is none.
func matrixEvent(env *e2etest.Env, evID id.EventID) *event.Event {
	for _, ev := range env.MatrixEvents() {
		if ev.ID == evID {
			return ev
		}
	}
	return nil
}

// matrixEditedTo reports whether Herald's account replaced target with a
// text containing want (an m.replace event whose m.new_content says so).
func matrixEditedTo(env *e2etest.Env, target id.EventID, want string) bool {
	for _, ev := range env.MatrixEvents() {
		if ev.Sender != id.UserID(env.BotUser.ID) {
			continue
		}
		msg := ev.Content.AsMessage()
		if msg.RelatesTo == nil || msg.RelatesTo.Type != event.RelReplace || msg.RelatesTo.EventID != target {
			continue
		}
		if msg.NewContent != nil && strings.Contains(msg.NewContent.Body, want) {
			return true
		}
	}
	return false
}

// quotes reports whether a Discord message starts with a quote line naming
// author and holding text.
func quotes(content, author, text string) bool {
	first, _, _ := strings.Cut(content, "\n")
	return strings.HasPrefix(first, ">") && strings.Contains(first, author) && strings.Contains(first, text)
}
