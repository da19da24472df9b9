package discord

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
)

func TestSlashCommands(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	a := newAdapter(t, srv, nil, func(o *Options) {
		o.Interactions = func(ctx context.Context, s *discordgo.Session, i *discordgo.InteractionCreate) {
			name := i.ApplicationCommandData().Name
			err := s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
				Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Content: "ran " + name, Flags: discordgo.MessageFlagsEphemeral},
			}, discordgo.WithContext(ctx))
			if err != nil {
				t.Errorf("respond: %v", err)
			}
		}
	})
	ctx := context.Background()
	_, err := a.RegisterCommands(ctx, []*discordgo.ApplicationCommand{{Name: "Bad Name", Description: "x"}})
	if err == nil || !strings.Contains(err.Error(), "50035") {
		t.Errorf("got %v, want a 50035 refusal of an invalid command name", err)
	}
	cmds, err := a.RegisterCommands(ctx, []*discordgo.ApplicationCommand{{Name: "status", Description: "Herald's status"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Commands(srv.GuildID()); len(got) != 1 || got[0].Name != "status" || cmds[0].ID == "" {
		t.Fatalf("got %+v, want the status command registered in the guild", got)
	}
	run(t, srv, a, &inbox{})
	in := srv.Interact(news, srv.Owner(), discordgo.ApplicationCommandInteractionData{Name: "status"})
	deadline := time.Now().Add(20 * time.Second)
	for len(srv.Replies(in)) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	got := srv.Replies(in)
	if len(got) != 1 || got[0].Content != "ran status" || !got[0].Ephemeral {
		t.Errorf("got replies %+v, want one ephemeral \"ran status\"", got)
	}
}
