package discord

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store/storetest"
)

func comment(id int64, name string, p bot.Platform, text string) bot.Comment {
	return bot.Comment{ID: id, Author: bot.Author{Platform: p, ID: "@u:example.org", Name: name,
		AvatarURL: "https://avatars.example/" + name + ".png"}, Body: richtext.FromPlain(text)}
}

func TestPostCommentThroughWebhook(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	st := storetest.Open(t)
	a := newAdapter(t, srv, st)
	ctx := context.Background()
	ref, err := a.PostArticle(ctx, place(news), article("Headline"), "art")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, author string
		platform     bot.Platform
		text         string
		wantUser     string
	}{
		{"matrix author", "Ada Lovelace", bot.Matrix, "first!", "Ada Lovelace (Matrix)"},
		{"web author", "Grace", bot.Web, "second", "Grace (web)"},
		{"name Discord refuses", "Discord Fan", bot.Matrix, "third", "D\u200biscord Fan (Matrix)"},
		{"blank name", "  ", bot.Matrix, "fourth", "Someone (Matrix)"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := comment(int64(i+1), tt.author, tt.platform, tt.text)
			ids, err := a.PostComment(ctx, ref, c, "c-"+itoa(c.ID))
			if err != nil {
				t.Fatalf("PostComment: %v", err)
			}
			if len(ids) != 1 {
				t.Fatalf("got ids %v, want one", ids)
			}
			m, ok := srv.Message(string(ids[0]))
			if !ok || m.ChannelID != string(ref.Thread) || m.WebhookID == "" {
				t.Fatalf("got %+v, want a webhook message in thread %s", m, ref.Thread)
			}
			if m.Author.Username != tt.wantUser || m.Author.Avatar != c.Author.AvatarURL {
				t.Errorf("got author %q avatar %q, want %q %q", m.Author.Username, m.Author.Avatar, tt.wantUser, c.Author.AvatarURL)
			}
			if !strings.Contains(m.Content, tt.text) {
				t.Errorf("got content %q, want it to hold %q", m.Content, tt.text)
			}
		})
	}
	if hooks := srv.Webhooks(news); len(hooks) != 1 {
		t.Errorf("got %d webhooks, want 1 reused for every comment", len(hooks))
	}
	// A restarted adapter on the same store reuses the webhook too.
	b := newAdapter(t, srv, st)
	if _, err := b.PostComment(ctx, ref, comment(5, "Lin", bot.Matrix, "after restart"), "c-5"); err != nil {
		t.Fatal(err)
	}
	if hooks := srv.Webhooks(news); len(hooks) != 1 {
		t.Errorf("after restart: got %d webhooks, want 1", len(hooks))
	}
	// An admin deletes the webhook: the next comment makes another.
	srv.DeleteWebhook(srv.Webhooks(news)[0].ID)
	if _, err := b.PostComment(ctx, ref, comment(6, "Lin", bot.Matrix, "webhook gone"), "c-6"); err != nil {
		t.Fatalf("after webhook deletion: %v", err)
	}
}

func TestEditAndDeleteComment(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	a := newAdapter(t, srv, nil)
	ctx := context.Background()
	ref, err := a.PostArticle(ctx, place(news), article("Headline"), "art")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := a.PostComment(ctx, ref, comment(1, "Ada", bot.Matrix, "original"), "c-1")
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.PostComment(ctx, ref, comment(2, "Bob", bot.Matrix, "untouched"), "c-2")
	if err != nil {
		t.Fatal(err)
	}
	// The core passes the route's place (the parent channel).
	if err := a.EditComment(ctx, place(news), ids, comment(1, "Ada", bot.Matrix, "changed")); err != nil {
		t.Fatalf("EditComment: %v", err)
	}
	m, _ := srv.Message(string(ids[0]))
	if !strings.Contains(m.Content, "changed") || m.EditedTimestamp == nil {
		t.Errorf("got %q, want the edited text", m.Content)
	}
	if err := a.Delete(ctx, place(news), ids); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if m, _ := srv.Message(string(ids[0])); !m.Deleted {
		t.Errorf("got message not deleted")
	}
	if m, _ := srv.Message(string(other[0])); m.Deleted || m.Content != "untouched" {
		t.Errorf("got other comment %+v, want it untouched", m)
	}
	if err := a.Delete(ctx, place(news), ids); err != nil {
		t.Errorf("second Delete: got %v, want nil (already gone is done)", err)
	}
}

func TestCrashBetweenSendAndRecordNeverDuplicates(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	ctx := context.Background()

	// Article: the first process sends with key K and dies before anything
	// is recorded; the new process (fresh state) sends K again. Discord's
	// enforced nonce returns the first message.
	first, err := newAdapter(t, srv, nil).PostArticle(ctx, place(news), article("Once"), "K")
	if err != nil {
		t.Fatal(err)
	}
	second, err := newAdapter(t, srv, nil).PostArticle(ctx, place(news), article("Once"), "K")
	if err != nil {
		t.Fatal(err)
	}
	if first != second || len(srv.Messages(news)) != 1 || len(srv.Threads(news)) != 1 {
		t.Fatalf("got %+v then %+v, %d messages, %d threads; want one post", first, second,
			len(srv.Messages(news)), len(srv.Threads(news)))
	}

	// Comment: webhooks take no nonce. The first process records the
	// attempt, the execute succeeds, and it dies before recording the id.
	st := storetest.Open(t)
	a := newAdapter(t, srv, st)
	ids, err := a.PostComment(ctx, first, comment(1, "Ada", bot.Matrix, "only once"), "C")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := srv.Message(string(ids[0]))
	crashed, _ := json.Marshal(commentRecord{Pending: m.Created.Add(-time.Second).UnixMilli()})
	if err := st.SetState(ctx, commentStateKey("C"), string(crashed)); err != nil {
		t.Fatal(err)
	}
	again, err := newAdapter(t, srv, st).PostComment(ctx, first, comment(1, "Ada", bot.Matrix, "only once"), "C")
	if err != nil {
		t.Fatal(err)
	}
	var hooked int
	for _, m := range srv.Messages(string(first.Thread)) {
		if m.WebhookID != "" {
			hooked++
		}
	}
	if len(again) != 1 || again[0] != ids[0] || hooked != 1 {
		t.Errorf("got ids %v then %v and %d webhook messages, want the same id and 1 message", ids, again, hooked)
	}
	// And a plain resend after success answers from the record alone.
	before := srv.Stats().Requests
	if _, err := newAdapter(t, srv, st).PostComment(ctx, first, comment(1, "Ada", bot.Matrix, "only once"), "C"); err != nil {
		t.Fatal(err)
	}
	if got := srv.Stats().Requests - before; got != 0 {
		t.Errorf("got %d requests for a recorded resend, want 0", got)
	}
}

func TestReplyQuotesItsParent(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	a := newAdapter(t, srv, nil)
	ctx := context.Background()
	ref, err := a.PostArticle(ctx, place(news), article("Headline"), "art")
	if err != nil {
		t.Fatal(err)
	}
	parent := comment(1, "Grace Hopper", bot.Matrix, "the parent says hello")
	ids, err := a.PostReply(ctx, ref, comment(2, "Ada", bot.Matrix, "I agree"), bot.Parent{Comment: parent}, "r-2")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := srv.Message(string(ids[0]))
	if !strings.Contains(m.Content, "I agree") || !strings.Contains(m.Content, "Grace Hopper") || m.MessageReference != nil {
		t.Errorf("got %q (reference %v), want the reply quoting its parent's author, and no reference", m.Content, m.MessageReference)
	}
}

func TestLongCommentSplitsAndEditShrinks(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	forum, _ := srv.AddForumChannel("forum")
	a := newAdapter(t, srv, nil)
	ctx := context.Background()
	ref, err := a.PostArticle(ctx, place(forum), article("Forum post"), "art")
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("word ", 700) // 3500 characters: two messages
	ids, err := a.PostComment(ctx, ref, comment(1, "Ada", bot.Matrix, long), "long")
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 {
		t.Fatalf("got %d messages for 3500 characters, want 2", len(ids))
	}
	for _, id := range ids {
		m, _ := srv.Message(string(id))
		if m.ChannelID != string(ref.Thread) || len([]rune(m.Content)) > 2000 {
			t.Errorf("got part in %s of %d characters, want it in the forum post %s within 2000", m.ChannelID, len([]rune(m.Content)), ref.Thread)
		}
	}
	if err := a.EditComment(ctx, place(forum), ids, comment(1, "Ada", bot.Matrix, "short now")); err != nil {
		t.Fatalf("EditComment: %v", err)
	}
	first, _ := srv.Message(string(ids[0]))
	second, _ := srv.Message(string(ids[1]))
	if !strings.Contains(first.Content, "short now") || !second.Deleted {
		t.Errorf("got first %q and second deleted=%v, want the text in the first and the second gone", first.Content, second.Deleted)
	}
}

func TestCommentWithoutManageWebhooksNamesIt(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	a := newAdapter(t, srv, nil)
	ctx := context.Background()
	ref, err := a.PostArticle(ctx, place(news), article("Headline"), "art")
	if err != nil {
		t.Fatal(err)
	}
	srv.Deny(news, discordgo.PermissionManageWebhooks)
	_, err = a.PostComment(ctx, ref, comment(1, "Ada", bot.Matrix, "hi"), "c-1")
	var pe *PermissionError
	if !errors.As(err, &pe) || !errors.Is(err, bot.ErrPermanent) || !strings.Contains(err.Error(), "Manage Webhooks") {
		t.Errorf("got %v, want a permanent PermissionError naming Manage Webhooks", err)
	}
}
