package e2etest_test

import (
	"context"
	"slices"
	"testing"

	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/internal/e2etest"
)

// TestReactionsMirrored: a member reacts 👍 on Discord to a comment that
// was mirrored to Matrix, and the Matrix copy gets Herald's 👍 annotation;
// the reaction is taken back and the annotation is redacted. The other way,
// a Matrix user's 🎉 on the mirror puts Herald's 🎉 on the Discord
// original, and redacting it takes that away. Herald's own reactions come
// back through both platforms and must count for nothing.
func TestReactionsMirrored(t *testing.T) {
	env := e2etest.New(t, homeserver, e2etest.Options{})
	th := env.PostArticle("reactions", "An article to react to")
	ana := env.DiscordPerson("Ana")
	cai := env.MatrixPerson("Cai")
	herald := id.UserID(env.BotUser.ID)
	ctx, cancel := context.WithTimeout(context.Background(), e2etest.WaitLimit)
	defer cancel()

	msg := ana.Say(th, "r01 react to me")
	var mirror id.EventID
	env.WaitFor("r01 mirrored to Matrix", func() bool {
		mirror = env.MatrixMirror(bot.Discord, msg)
		return mirror != ""
	})
	counts := func() map[string]int {
		c, _ := env.WebComment(bot.Discord, msg)
		n, err := env.DB.Reactions(ctx, c.ID)
		if err != nil {
			t.Fatalf("reactions: %v", err)
		}
		return n
	}

	if err := env.Discord.React(msg, ana.User, "👍", true); err != nil {
		t.Fatal(err)
	}
	env.WaitFor("Herald's 👍 on the Matrix copy", func() bool {
		return slices.Equal(env.MatrixReactions(mirror, herald), []string{"👍"})
	})
	env.Idle()
	if got := counts(); len(got) != 1 || got["👍"] != 1 {
		t.Errorf("counts after Ana's 👍 = %v, want map[👍:1] (Herald's own 👍 not counted)", got)
	}

	resp, err := cai.Client.SendReaction(ctx, env.Room, mirror, "🎉")
	if err != nil {
		t.Fatalf("Cai reacts: %v", err)
	}
	env.WaitFor("Herald's 🎉 on the Discord original", func() bool {
		return slices.Equal(env.Discord.Reactions(msg, "🎉"), []string{env.Discord.BotUser().ID})
	})

	if err := env.Discord.React(msg, ana.User, "👍", false); err != nil {
		t.Fatal(err)
	}
	env.WaitFor("Herald's 👍 on the Matrix copy redacted", func() bool {
		return len(env.MatrixReactions(mirror, herald)) == 0
	})
	if _, err := cai.Client.RedactEvent(ctx, env.Room, resp.EventID); err != nil {
		t.Fatalf("Cai takes the 🎉 back: %v", err)
	}
	env.WaitFor("Herald's 🎉 gone from Discord", func() bool {
		return len(env.Discord.Reactions(msg, "🎉")) == 0
	})
	env.Idle()
	if got := counts(); len(got) != 0 {
		t.Errorf("counts at the end = %v, want none", got)
	}
}
