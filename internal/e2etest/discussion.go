package e2etest

import (
	"context"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/internal/dendritetest"
)

// Thread is one article's discussion: its Discord thread and its Matrix
// thread root.
type Thread struct {
	ArticleID  int64
	Discord    string     // the thread's channel id (the post's message id)
	MatrixRoot id.EventID // the article post's event id
}

// PostArticle stores an article for the Discord channel and the Matrix room
// and waits until the deliverer has posted it to both.
func (e *Env) PostArticle(key, title string) Thread {
	e.t.Helper()
	return e.PostArticleTo(key, title, e.DiscordPlace(), e.MatrixPlace())
}

// PostArticleTo stores an article delivered to places only and waits until
// it is posted on both Discord and Matrix (a mirror group may add a place).
func (e *Env) PostArticleTo(key, title string, places ...bot.Place) Thread {
	e.t.Helper()
	ctx := context.Background()
	var deliveries []bot.Delivery
	for _, p := range places {
		deliveries = append(deliveries, bot.Delivery{Place: p, Kind: bot.PostArticle})
	}
	res, err := e.DB.Ingest(ctx, e.feedID, []bot.Incoming{{
		Article:    bot.Article{Key: key, GUID: key, Title: title, URL: "https://news.e2e.test/" + key, Hash: key},
		Deliveries: deliveries,
	}})
	if err != nil {
		e.t.Fatalf("e2etest: ingest article %s: %v", key, err)
	}
	th := Thread{ArticleID: res[0].ArticleID}
	e.Deliverer.Kick()
	e.WaitFor("article "+key+" to reach Discord and Matrix", func() bool {
		posts, err := e.DB.Posts(ctx, th.ArticleID)
		if err != nil || len(posts) < 2 {
			return false
		}
		for _, p := range posts {
			switch p.Place.Platform {
			case bot.Discord:
				th.Discord = string(p.Thread)
			case bot.Matrix:
				th.MatrixRoot = id.EventID(p.Thread)
			}
		}
		return th.Discord != "" && th.MatrixRoot != ""
	})
	return th
}

// DiscordPerson is a member of the fake guild.
type DiscordPerson struct {
	e    *Env
	User *discordgo.User
}

// DiscordPerson adds a member to the guild.
func (e *Env) DiscordPerson(name string) *DiscordPerson {
	return &DiscordPerson{e: e, User: e.Discord.AddMember(name)}
}

// Say writes in the article's Discord thread and returns the message id.
func (p *DiscordPerson) Say(th Thread, text string) string {
	p.e.t.Helper()
	m, err := p.e.Discord.Say(th.Discord, p.User, text, "")
	if err != nil {
		p.e.t.Fatalf("e2etest: %s says %q on Discord: %v", p.User.Username, text, err)
	}
	return m.ID
}

// Ref is the member's id as moderators write it.
func (p *DiscordPerson) Ref() string { return "discord:" + p.User.ID }

// MatrixPerson is a Matrix user in the room.
type MatrixPerson struct {
	e      *Env
	User   dendritetest.User
	Client *mautrix.Client
}

// MatrixPerson creates a Matrix user with a display name and joins the room.
func (e *Env) MatrixPerson(name string) *MatrixPerson {
	e.t.Helper()
	u := e.users(strings.ToLower(name))
	cli := e.client(u)
	ctx, cancel := context.WithTimeout(context.Background(), WaitLimit)
	defer cancel()
	if err := cli.SetDisplayName(ctx, name); err != nil {
		e.t.Fatalf("e2etest: display name of %s: %v", u.ID, err)
	}
	if _, err := cli.JoinRoomByID(ctx, e.Room); err != nil {
		e.t.Fatalf("e2etest: %s joins the room: %v", u.ID, err)
	}
	return &MatrixPerson{e: e, User: u, Client: cli}
}

// Say writes in the article's Matrix thread and returns the event id.
func (p *MatrixPerson) Say(th Thread, text string) id.EventID {
	p.e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitLimit)
	defer cancel()
	content := &event.MessageEventContent{MsgType: event.MsgText, Body: text,
		RelatesTo: (&event.RelatesTo{}).SetThread(th.MatrixRoot, th.MatrixRoot)}
	resp, err := p.Client.SendMessageEvent(ctx, p.e.Room, event.EventMessage, content)
	if err != nil {
		p.e.t.Fatalf("e2etest: %s says %q on Matrix: %v", p.User.ID, text, err)
	}
	return resp.EventID
}

// Ref is the user's id as moderators write it.
func (p *MatrixPerson) Ref() string { return "matrix:" + p.User.ID }

// DiscordMessages are the messages of the article's Discord thread that
// are not deleted, oldest first.
func (e *Env) DiscordMessages(th Thread) []discordtest.Sent {
	var out []discordtest.Sent
	for _, m := range e.Discord.Messages(th.Discord) {
		if !m.Deleted {
			out = append(out, m)
		}
	}
	return out
}

// DiscordCount counts the live messages of the thread containing text.
func (e *Env) DiscordCount(th Thread, text string) int {
	n := 0
	for _, m := range e.DiscordMessages(th) {
		if strings.Contains(m.Content, text) {
			n++
		}
	}
	return n
}

// MatrixEvents are the room's m.room.message events that are not redacted,
// oldest first, as a client reads them.
func (e *Env) MatrixEvents() []*event.Event {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitLimit)
	defer cancel()
	var newestFirst []*event.Event
	from := ""
	for {
		resp, err := e.RoomCreator.Messages(ctx, e.Room, from, "", mautrix.DirectionBackward, nil, 100)
		if err != nil {
			e.t.Fatalf("e2etest: read the Matrix room: %v", err)
		}
		for _, ev := range resp.Chunk {
			if ev.Type != event.EventMessage || ev.Unsigned.RedactedBecause != nil {
				continue
			}
			_ = ev.Content.ParseRaw(ev.Type)
			if len(ev.Content.Raw) == 0 {
				continue
			}
			newestFirst = append(newestFirst, ev)
		}
		if len(resp.Chunk) == 0 || resp.End == "" || resp.End == from {
			slices.Reverse(newestFirst)
			return newestFirst
		}
		from = resp.End
	}
}

// MatrixCount counts the live events of the article's Matrix thread whose
// body contains text (command answers outside the thread do not count).
func (e *Env) MatrixCount(th Thread, text string) int {
	n := 0
	for _, ev := range e.MatrixEvents() {
		rel, _ := ev.Content.Raw["m.relates_to"].(map[string]any)
		if rel["rel_type"] != "m.thread" || rel["event_id"] != string(th.MatrixRoot) {
			continue
		}
		if body, _ := ev.Content.Raw["body"].(string); strings.Contains(body, text) {
			n++
		}
	}
	return n
}

// MatrixLive reports whether an event can still be read unredacted.
func (e *Env) MatrixLive(evID id.EventID) bool {
	for _, ev := range e.MatrixEvents() {
		if ev.ID == evID {
			return true
		}
	}
	return false
}

// WebComment is the comment as the web page shows it: the store's view.
func (e *Env) WebComment(platform bot.Platform, message string) (bot.Comment, bool) {
	c, err := e.DB.CommentByOrigin(context.Background(), platform, bot.RemoteID(message))
	return c, err == nil
}

// Admin runs a command as an admin on Discord, as the slash-command glue
// hands it to the command tree.
func (e *Env) Admin(line string) bot.Reply {
	req := bot.Request{Place: e.DiscordPlace(), Admin: true,
		User: bot.Author{Platform: bot.Discord, ID: "1000", Name: "Moderator Mo"}}
	return e.Commands.RunText(context.Background(), req, line)
}
