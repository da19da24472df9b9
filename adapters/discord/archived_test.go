package discord

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
	"github.com/heraldchat/herald/bot"
)

// TestArchivedThread changes comments in a thread that archived itself
// after its inactivity time (a day by default): Discord refuses edits,
// deletes and reactions there (50083) until the thread is unarchived, and
// an edit made on Matrix a day later must still reach Discord.
func TestArchivedThread(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	a := newAdapter(t, srv, nil)
	ctx := context.Background()
	ref, err := a.PostArticle(ctx, place(news), article("Archived"), "art")
	if err != nil {
		t.Fatal(err)
	}
	var ids [][]bot.RemoteID
	for i := range 3 {
		got, err := a.PostComment(ctx, ref, comment(int64(i+1), "Ada", bot.Matrix, "comment"), "c-"+itoa(int64(i+1)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got)
	}
	archive := func(t *testing.T) {
		t.Helper()
		yes := true
		if _, err := a.sess.ChannelEdit(string(ref.Thread), &discordgo.ChannelEdit{Archived: &yes}); err != nil {
			t.Fatalf("archive the thread: %v", err)
		}
	}
	tests := []struct {
		name  string
		do    func() error
		check func() string // "" when Discord shows the change
	}{
		{"edit", func() error {
			return a.EditComment(ctx, ref.Place, ids[0], comment(1, "Ada", bot.Matrix, "edited a day later"))
		}, func() string {
			if m, _ := srv.Message(string(ids[0][0])); !strings.Contains(m.Content, "edited a day later") {
				return "content is " + m.Content
			}
			return ""
		}},
		{"delete", func() error { return a.Delete(ctx, ref.Place, ids[1]) }, func() string {
			if m, _ := srv.Message(string(ids[1][0])); !m.Deleted {
				return "message not deleted"
			}
			return ""
		}},
		{"react", func() error { return a.React(ctx, ref, ids[2][0], "👍", true, "r-1") }, func() string {
			if got := srv.Reactions(string(ids[2][0]), "👍"); !slices.Equal(got, []string{srv.BotUser().ID}) {
				return "reactions are " + strings.Join(got, ",")
			}
			return ""
		}},
		{"comment", func() error {
			_, err := a.PostComment(ctx, ref, comment(9, "Ada", bot.Matrix, "new"), "c-9")
			return err
		}, func() string { return "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			archive(t)
			if err := tt.do(); err != nil {
				t.Fatalf("got %v, want the change made in the archived thread", err)
			}
			if problem := tt.check(); problem != "" {
				t.Errorf("after the change: %s", problem)
			}
		})
	}
}
