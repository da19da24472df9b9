package e2etest

import (
	"context"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// SlashCommand runs /herald <path…> with string options as the guild's
// owner (who has Manage Server) through the fake Discord and returns the
// bot's answer.
func (e *Env) SlashCommand(path []string, options map[string]string) string {
	e.t.Helper()
	var opts []*discordgo.ApplicationCommandInteractionDataOption
	for name, value := range options {
		opts = append(opts, &discordgo.ApplicationCommandInteractionDataOption{
			Name: name, Type: discordgo.ApplicationCommandOptionString, Value: value})
	}
	leaf := &discordgo.ApplicationCommandInteractionDataOption{Type: discordgo.ApplicationCommandOptionSubCommand,
		Name: path[len(path)-1], Options: opts}
	top := leaf
	if len(path) == 2 {
		top = &discordgo.ApplicationCommandInteractionDataOption{Type: discordgo.ApplicationCommandOptionSubCommandGroup,
			Name: path[0], Options: []*discordgo.ApplicationCommandInteractionDataOption{leaf}}
	}
	in := e.Discord.Interact(e.Channel, e.Discord.Owner(), discordgo.ApplicationCommandInteractionData{
		Name: "herald", Options: []*discordgo.ApplicationCommandInteractionDataOption{top}})
	var answer string
	e.WaitFor("an answer to /herald "+strings.Join(path, " "), func() bool {
		for _, r := range e.Discord.Replies(in) {
			if r.Content != "" {
				answer = r.Content
				return true
			}
		}
		return false
	})
	return answer
}

// MatrixCommand has the room's creator (power 100) write `!herald line` in
// the room and returns the bot's answer.
func (e *Env) MatrixCommand(line string) string {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitLimit)
	defer cancel()
	sent := time.Now()
	resp, err := e.RoomCreator.SendMessageEvent(ctx, e.Room, event.EventMessage,
		&event.MessageEventContent{MsgType: event.MsgText, Body: "!herald " + line})
	if err != nil {
		e.t.Fatalf("e2etest: send !herald %s: %v", line, err)
	}
	var answer string
	e.WaitFor("an answer to !herald "+line, func() bool {
		for _, ev := range e.MatrixEvents() {
			if ev.Sender != id.UserID(e.BotUser.ID) || ev.Timestamp < sent.Add(-time.Minute).UnixMilli() {
				continue
			}
			if rel := ev.Content.AsMessage().RelatesTo; rel != nil && rel.InReplyTo != nil && rel.InReplyTo.EventID == resp.EventID {
				answer = ev.Content.AsMessage().Body
				return true
			}
		}
		return false
	})
	return answer
}
