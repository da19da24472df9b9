package reliability

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
)

// TestMalformedCommandsEndToEnd writes broken `!herald` commands in the
// Matrix room, as an admin and as a stranger, to the running binary: each
// gets an answer that says what is wrong, and the daemon stays up.
func TestMalformedCommandsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts herald and Dendrite")
	}
	p := newPlatforms(t, nil, discordtest.Config{NoRateLimits: true})
	feed := newFeedServer(t, "commands")
	h := newHerald(t, t.TempDir(), p.config(feed.URL(), ""), p.env()...)
	h.Start()
	// An article on Matrix means the adapter is in the room and synced.
	arts := []string{feed.Publish(0)}
	waitFor(t, "the first article on Matrix", func() bool { p.discover(arts); return p.root(arts[0]).Matrix != "" })

	cases := []struct {
		who  *mautrix.Client
		line string
	}{
		{p.Owner, "feed add"},
		{p.Owner, `feed add "https://example.org/rss`},
		{p.Owner, "fed lsit"},
		{p.Owner, "feed remove name=a name=b"},
		{p.Owner, "mod delete"},
		{p.Owner, "mod delete discord:not-a-snowflake"},
		{p.Owner, "feed add --name"},
		{p.Owner, "\x00\x01\u202e garbage \uFFFD"},
		{p.Owner, "feed add " + strings.Repeat("x", 5000)},
		{p.Writer, "feed add https://example.org/rss"},
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	sent := map[id.EventID]string{}
	for _, c := range cases {
		resp, err := c.who.SendMessageEvent(ctx, p.Room, event.EventMessage,
			&event.MessageEventContent{MsgType: event.MsgText, Body: "!herald " + c.line})
		if err != nil {
			t.Fatalf("send !herald %.40q: %v", c.line, err)
		}
		sent[resp.EventID] = c.line
	}
	answers := map[id.EventID]string{}
	settle(func() bool {
		evs, err := p.matrixMessages()
		if err != nil {
			return false
		}
		for _, ev := range evs {
			if string(ev.Sender) != p.Bot.ID {
				continue
			}
			rel, _ := ev.Content.Raw["m.relates_to"].(map[string]any)
			irt, _ := rel["m.in_reply_to"].(map[string]any)
			if to, _ := irt["event_id"].(string); sent[id.EventID(to)] != "" {
				answers[id.EventID(to)] = bodyOf(ev)
			}
		}
		return len(answers) == len(sent)
	})
	for evID, line := range sent {
		a, ok := answers[evID]
		switch {
		case !ok:
			t.Errorf("!herald %.60q: no answer", line)
		case strings.TrimSpace(a) == "":
			t.Errorf("!herald %.60q: an empty answer", line)
		}
	}
	if code, _, err := h.Get("/healthz"); err != nil || code != http.StatusOK {
		t.Errorf("/healthz after the malformed commands: %d %v", code, err)
	}
	msg := fmt.Sprintf("malformed commands: %d sent, %d answered, daemon up", len(sent), len(answers))
	t.Log(msg)
	fmt.Println("RELIABILITY " + msg)
	for evID, line := range sent {
		t.Logf("!herald %.50q → %.160q", line, answers[evID])
	}
}
