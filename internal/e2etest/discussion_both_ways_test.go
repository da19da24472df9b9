package e2etest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/internal/e2etest"
	"github.com/heraldchat/herald/internal/heraldbin"
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

// exported is the part of `herald export -format json` checked here.
type exported struct {
	Articles []struct {
		ID       int64 `json:"id"`
		Comments []struct {
			ID      int64 `json:"id"`
			ReplyTo int64 `json:"reply_to"`
			Origin  struct {
				Platform bot.Platform `json:"platform"`
				Message  string       `json:"message"`
			} `json:"origin"`
			Author  bot.Author                `json:"author"`
			Text    string                    `json:"text"`
			Edited  string                    `json:"edited"`
			Deleted string                    `json:"deleted"`
			IDs     map[bot.Platform][]string `json:"ids"`
		} `json:"comments"`
	} `json:"articles"`
}

// checkExport stops Herald and runs the real `herald export -format json`
// over its database (the JSON builder lives in package main), then checks
// that each comment is there once with both platforms' ids.
func checkExport(t *testing.T, env *e2etest.Env, th e2etest.Thread, wants []exportWant) {
	t.Helper()
	env.Stop()
	dir := filepath.Dir(env.DBPath)
	cmd := exec.Command(heraldbin.Build(t), "export", "-format", "json", "-data", dir)
	cmd.Dir = dir // no herald.yaml here: the built-in defaults name <data>/herald.db
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("herald export -format json: %v\n%s", err, stderr.String())
	}
	var doc exported
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("decode the export: %v\n%s", err, out)
	}
	if os.Getenv("HERALD_TEST_LOG") != "" {
		t.Logf("herald export -format json:\n%s", out)
	}
	if len(doc.Articles) != 1 || doc.Articles[0].ID != th.ArticleID {
		t.Fatalf("the export holds %d articles (%s), want article %d only", len(doc.Articles), out, th.ArticleID)
	}
	comments := doc.Articles[0].Comments
	if len(comments) != len(wants) {
		t.Errorf("the export holds %d comments, want %d", len(comments), len(wants))
	}
	byName := map[string]int64{}
	for _, w := range wants {
		origin := w.discord
		if w.origin == bot.Matrix {
			origin = w.matrix
		}
		var found []int
		for i, c := range comments {
			if c.Origin.Platform == w.origin && c.Origin.Message == origin {
				found = append(found, i)
			}
		}
		if len(found) != 1 {
			t.Errorf("%s (%s message %s) is in the export %d times, want once", w.name, w.origin, origin, len(found))
			continue
		}
		c := comments[found[0]]
		byName[w.name] = c.ID
		if got := c.IDs[bot.Discord]; !slices.Equal(got, []string{w.discord}) {
			t.Errorf("%s's Discord ids = %v, want [%s]", w.name, got, w.discord)
		}
		if got := c.IDs[bot.Matrix]; !slices.Equal(got, []string{w.matrix}) {
			t.Errorf("%s's Matrix ids = %v, want [%s]", w.name, got, w.matrix)
		}
		if got := c.Edited != ""; got != w.edited {
			t.Errorf("%s marked edited = %v (%q), want %v", w.name, got, c.Edited, w.edited)
		}
		if got := c.Deleted != ""; got != w.deleted {
			t.Errorf("%s marked deleted = %v (%q), want %v", w.name, got, c.Deleted, w.deleted)
		}
		if !w.deleted && !strings.Contains(c.Text, w.text) {
			t.Errorf("%s's text = %q, want %q", w.name, c.Text, w.text)
		}
		wantAuthor := map[bot.Platform]string{bot.Discord: "Ana", bot.Matrix: "Cai"}[w.origin]
		if c.Author.Platform != w.origin || c.Author.Name != wantAuthor {
			t.Errorf("%s's author = %+v, want %s on %s", w.name, c.Author, wantAuthor, w.origin)
		}
	}
	for _, c := range comments {
		for _, w := range wants {
			if byName[w.name] == c.ID {
				if want := byName[w.replyTo]; c.ReplyTo != want {
					t.Errorf("%s replies to comment %d, want %d (%q)", w.name, c.ReplyTo, want, w.replyTo)
				}
			}
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
