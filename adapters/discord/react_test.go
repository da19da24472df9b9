package discord

import (
	"context"
	"slices"
	"testing"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
	"github.com/heraldchat/herald/bot"
)

// A member's reactions in a thread become events; the bot's own mirrored
// reactions (which Discord also dispatches) do not.
func TestReactions(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	ada := srv.AddMember("Ada Lovelace")
	a := newAdapter(t, srv, nil)
	in := &inbox{}
	run(t, srv, a, in)
	ctx := context.Background()
	ref, err := a.PostArticle(ctx, place(news), article("Headline"), "art")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := a.PostComment(ctx, ref, comment(1, "Bob", bot.Matrix, "mirrored"), "m-1")
	if err != nil {
		t.Fatal(err)
	}
	mirror := string(ids[0])
	first, err := srv.Say(string(ref.Thread), ada, "hello", "")
	if err != nil {
		t.Fatal(err)
	}

	// The bot reacts on a webhook mirror and on a member's message: both
	// live in the thread, which React finds from the article's post.
	for _, tt := range []struct {
		msg, emoji string
	}{{mirror, "👍"}, {first.ID, "#️⃣"}, {first.ID, "party:1234"}} {
		if err := a.React(ctx, ref, bot.RemoteID(tt.msg), tt.emoji, true, "k"); err != nil {
			t.Fatalf("React add %s on %s: %v", tt.emoji, tt.msg, err)
		}
		if err := a.React(ctx, ref, bot.RemoteID(tt.msg), tt.emoji, true, "k"); err != nil {
			t.Fatalf("React add %s on %s again: %v", tt.emoji, tt.msg, err)
		}
		if got, want := srv.Reactions(tt.msg, tt.emoji), []string{srv.BotUser().ID}; !slices.Equal(got, want) {
			t.Errorf("reactions %s on %s = %v, want the bot's %v", tt.emoji, tt.msg, got, want)
		}
	}
	if err := a.React(ctx, ref, bot.RemoteID(mirror), "👍", false, "k"); err != nil {
		t.Fatalf("React remove: %v", err)
	}
	if err := a.React(ctx, ref, bot.RemoteID(mirror), "🎉", false, "k"); err != nil {
		t.Fatalf("React remove of a reaction never added: %v", err)
	}
	if got := srv.Reactions(mirror, "👍"); len(got) != 0 {
		t.Errorf("reactions 👍 on the mirror after removal = %v, want none", got)
	}

	// Then a member reacts and takes one back.
	if err := srv.React(first.ID, ada, "🎉", true); err != nil {
		t.Fatal(err)
	}
	if err := srv.React(first.ID, ada, "🎉", false); err != nil {
		t.Fatal(err)
	}
	got := in.wait(t, 3) // the member's message and two reactions
	type ev struct {
		kind    bot.EventKind
		message string
		emoji   string
		author  string
	}
	var gotEv []ev
	for _, e := range got {
		if e.Thread != ref.Thread || e.Place != place(news) {
			t.Errorf("event %s in %s thread %s, want %s thread %s", e.Kind, e.Place, e.Thread, news, ref.Thread)
		}
		gotEv = append(gotEv, ev{e.Kind, string(e.Message), e.Emoji, string(e.Author.ID)})
	}
	want := []ev{
		{bot.MessageCreated, first.ID, "", ada.ID},
		{bot.ReactionAdded, first.ID, "🎉", ada.ID},
		{bot.ReactionGone, first.ID, "🎉", ada.ID},
	}
	if !slices.Equal(gotEv, want) {
		t.Errorf("events = %+v, want %+v (the bot's own reactions ignored)", gotEv, want)
	}
	if name := got[1].Author.Name; name != "Ada Lovelace" {
		t.Errorf("reaction author name %q, want %q", name, "Ada Lovelace")
	}
}
