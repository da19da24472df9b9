package discord

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store/storetest"
)

func TestPostArticleTextChannel(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	a := newAdapter(t, srv, nil, func(o *Options) {
		o.Route = func(bot.Place) RouteOptions { return RouteOptions{ThreadArchiveMinutes: 60} }
	})
	long := strings.Repeat("Very long headline ", 10) // 190 characters
	tests := []struct {
		name, title, wantThread string
	}{
		{"short title", "Rust 2.0 released", "Rust 2.0 released"},
		{"long title is cut to 100", long, ""},
		{"empty title", "", "Discussion"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, err := a.PostArticle(context.Background(), place(news), article(tt.title), "post-"+string(rune('a'+i)))
			if err != nil {
				t.Fatalf("PostArticle: %v", err)
			}
			if ref.Place != place(news) || ref.Message == "" || ref.Thread != ref.Message {
				t.Fatalf("got ref %+v, want the message in %s with a thread of the same id", ref, news)
			}
			m, ok := srv.Message(string(ref.Message))
			if !ok || m.ChannelID != news || (m.Content == "" && len(m.Embeds) == 0) {
				t.Fatalf("got message %+v, want a non-empty message in %s", m, news)
			}
			// The renderer's default is one embed linking the article.
			if len(m.Embeds) != 1 || m.Embeds[0].URL != article(tt.title).URL {
				t.Errorf("got embeds %+v, want one linking %s", m.Embeds, article(tt.title).URL)
			}
			if m.Nonce == "" || len(m.Nonce) > 25 {
				t.Errorf("got nonce %q, want one of 1-25 characters", m.Nonce)
			}
			th, ok := srv.Channel(string(ref.Thread))
			if !ok || th.ParentID != news || th.ThreadMetadata.AutoArchiveDuration != 60 {
				t.Fatalf("got thread %+v, want a thread of %s archiving after 60 min", th, news)
			}
			if n := utf8.RuneCountInString(th.Name); n < 1 || n > 100 {
				t.Errorf("got thread name of %d characters, want 1-100", n)
			}
			if tt.wantThread != "" && th.Name != tt.wantThread {
				t.Errorf("got thread name %q, want %q", th.Name, tt.wantThread)
			}
		})
	}
}

func TestPostArticleForum(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	forum, tags := srv.AddForumChannel("news-forum", "News", "Tech")
	st := storetest.Open(t)
	route := func(o *Options) {
		o.Route = func(bot.Place) RouteOptions { return RouteOptions{ForumTags: []string{"tech", "missing"}} }
	}
	a := newAdapter(t, srv, st, route)
	ctx := context.Background()
	ref, err := a.PostArticle(ctx, place(forum), article("Forum headline"), "forum-1")
	if err != nil {
		t.Fatalf("PostArticle: %v", err)
	}
	th, ok := srv.Channel(string(ref.Thread))
	if !ok || th.ParentID != forum || th.Name != "Forum headline" || ref.Message != ref.Thread {
		t.Fatalf("got ref %+v thread %+v, want a forum post in %s", ref, th, forum)
	}
	if len(th.AppliedTags) != 1 || th.AppliedTags[0] != tags["Tech"] {
		t.Errorf("got tags %v, want [%s] (Tech; the unknown tag skipped)", th.AppliedTags, tags["Tech"])
	}
	starter, ok := srv.Message(string(ref.Message))
	if !ok || starter.ChannelID != string(ref.Thread) {
		t.Errorf("got starter %+v, want the post's message inside its thread", starter)
	}

	// A crash after Discord made the post but before the adapter recorded
	// it leaves the attempt open; the resend adopts the post.
	if err := st.SetState(ctx, "discord.forum_post."+nonceFor("forum-1"), "pending:"+itoa(starter.Created.UnixMilli()-500)); err != nil {
		t.Fatal(err)
	}
	again, err := newAdapter(t, srv, st, route).PostArticle(ctx, place(forum), article("Forum headline"), "forum-1")
	if err != nil {
		t.Fatalf("resend: %v", err)
	}
	if again != ref || len(srv.Threads(forum)) != 1 {
		t.Errorf("got %+v and %d posts, want %+v and 1 post", again, len(srv.Threads(forum)), ref)
	}
}

func TestEditArticle(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	forum, _ := srv.AddForumChannel("forum")
	a := newAdapter(t, srv, nil)
	ctx := context.Background()
	for _, ch := range []string{news, forum} {
		ref, err := a.PostArticle(ctx, place(ch), article("Old title"), "edit-"+ch)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.EditArticle(ctx, ref, article("New title")); err != nil {
			t.Fatalf("EditArticle in %s: %v", ch, err)
		}
		m, _ := srv.Message(string(ref.Message))
		th, _ := srv.Channel(string(ref.Thread))
		text := m.Content
		for _, e := range m.Embeds {
			text += e.Title + e.Description
		}
		if m.EditedTimestamp == nil || !strings.Contains(text, "New title") || th.Name != "New title" {
			t.Errorf("in %s: got message %q (edited %v) and thread %q, want both to say New title", ch, text, m.EditedTimestamp, th.Name)
		}
	}
}

func TestPermissionRefusalIsPermanentAndNotRepeated(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	tests := []struct {
		name    string
		deny    int64
		code    int
		missing string
	}{
		{"send messages", discordgo.PermissionSendMessages, 50013, "Send Messages"},
		{"create threads", discordgo.PermissionCreatePublicThreads, 50013, "Create Public Threads"},
		{"view channel", discordgo.PermissionViewChannel, 50001, "View Channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := srv.AddTextChannel(tt.name)
			srv.Deny(ch, tt.deny)
			a := newAdapter(t, srv, nil)
			before := srv.Stats().Status[403]
			for i := 0; i < 5; i++ {
				_, err := a.PostArticle(context.Background(), place(ch), article("Headline"), "denied-"+tt.name)
				var pe *PermissionError
				if !errors.As(err, &pe) || !errors.Is(err, bot.ErrPermanent) {
					t.Fatalf("attempt %d: got %v, want a permanent PermissionError", i, err)
				}
				if pe.Code != tt.code || !strings.Contains(err.Error(), tt.missing) {
					t.Errorf("attempt %d: got %q (code %d), want code %d naming %q", i, err, pe.Code, tt.code, tt.missing)
				}
			}
			if got := srv.Stats().Status[403] - before; got != 1 {
				t.Errorf("got %d 403 answers for 5 attempts, want 1: the channel must not be asked again", got)
			}
		})
	}
}

func TestGlobal429IsWaitedOutAndNothingLost(t *testing.T) {
	// The fake allows 5 requests/s while the adapter is told 100/s: the
	// fake answers global 429s, and discordgo must wait and retry them.
	srv := newServer(t, discordtest.Config{GlobalLimit: 5, MessageLimit: discordtest.Limit{Count: 100, Window: 1e9}})
	news := srv.AddTextChannel("news")
	a := newAdapter(t, srv, nil, func(o *Options) { o.GlobalLimit = 100 })
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			_, err := a.PostArticle(context.Background(), place(news), article("Burst"), "burst-"+itoa(int64(i)))
			errs <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Errorf("PostArticle: %v", err)
		}
	}
	if got := len(srv.Messages(news)); got != 8 {
		t.Errorf("got %d messages, want 8", got)
	}
	if st := srv.Stats(); st.Global429 == 0 {
		t.Errorf("got no global 429s, want some (the test must exercise the retry): %+v", st.Status)
	}
}

func TestThreadRefusedThenGrantedPostsOnce(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true, NonceWindow: time.Nanosecond})
	news := srv.AddTextChannel("news")
	srv.Deny(news, discordgo.PermissionCreatePublicThreads)
	st := storetest.Open(t)
	ctx := context.Background()
	_, err := newAdapter(t, srv, st).PostArticle(ctx, place(news), article("Headline"), "K")
	if !errors.Is(err, bot.ErrPermanent) {
		t.Fatalf("got %v, want a permanent refusal to open the thread", err)
	}
	// An admin grants the permission long after Discord forgot the nonce;
	// the parked row is retried.
	srv.Allow(news, discordgo.PermissionCreatePublicThreads)
	ref, err := newAdapter(t, srv, st).PostArticle(ctx, place(news), article("Headline"), "K")
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n := len(srv.Messages(news)); n != 1 || len(srv.Threads(news)) != 1 || ref.Thread != ref.Message {
		t.Errorf("got %d messages and %d threads (ref %+v), want the first message and its thread", n, len(srv.Threads(news)), ref)
	}
}
