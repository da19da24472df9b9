package discord

import (
	"context"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
	"github.com/heraldchat/herald/richtext/discordmd"
)

// TestAttachmentsReachTheComment posts messages with uploaded files, one
// with no text at all (someone posts a picture): the comment must carry a
// link to each file, or it is empty on every other platform.
func TestAttachmentsReachTheComment(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	ada := srv.AddMember("Ada Lovelace")
	a := newAdapter(t, srv, nil)
	in := &inbox{}
	run(t, srv, a, in)
	ref, err := a.PostArticle(context.Background(), place(news), article("Pictures"), "art")
	if err != nil {
		t.Fatal(err)
	}
	file := func(name string) *discordgo.MessageAttachment {
		return &discordgo.MessageAttachment{ID: name, Filename: name,
			URL: "https://cdn.discordapp.com/attachments/1/2/" + name, ContentType: "image/png"}
	}
	tests := []struct {
		name    string
		content string
		files   []*discordgo.MessageAttachment
		want    []string
	}{
		{"only a picture", "", []*discordgo.MessageAttachment{file("cat.png")},
			[]string{"cat.png", "https://cdn.discordapp.com/attachments/1/2/cat.png"}},
		{"text and two files", "look at these", []*discordgo.MessageAttachment{file("a.png"), file("b.png")},
			[]string{"look at these", "https://cdn.discordapp.com/attachments/1/2/a.png", "https://cdn.discordapp.com/attachments/1/2/b.png"}},
	}
	for i, tt := range tests {
		if _, err := srv.SayFiles(string(ref.Thread), ada, tt.content, "", tt.files...); err != nil {
			t.Fatal(err)
		}
		got := in.wait(t, i+1)[i]
		body := discordmd.Render(got.Body)
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: got body %q, want it to hold %q", tt.name, body, w)
			}
		}
	}
}
