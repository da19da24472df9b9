package matrix

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext/matrixhtml"
)

// Commands makes the adapter answer `!herald …` messages.
type Commands struct {
	Tree   *bot.Commands
	Prefix string // "!herald" when empty
	// AdminUsers are user ids that are admins in every room; others need
	// a power level of at least AdminPowerLevel in the room they ask in.
	AdminUsers      []string
	AdminPowerLevel int
	// Admins, when set, replaces AdminUsers and AdminPowerLevel and is
	// asked at each command, so a config reload applies at once.
	Admins func() (users []string, powerLevel int)
}

func (c *Commands) admins() ([]string, int) {
	if c.Admins != nil {
		return c.Admins()
	}
	return c.AdminUsers, c.AdminPowerLevel
}

// maxCommandReply bounds one answer event's text (JSON bytes), well below
// Matrix's 65,536-byte event limit; a longer answer takes several events,
// at most maxCommandParts.
const (
	maxCommandReply = 30_000
	maxCommandParts = 5
)

// commandLine returns what follows the prefix when a new message is a
// command ("!herald feed list" → "feed list").
func (c *Commands) commandLine(ev bot.Event) (string, bool) {
	if c == nil || c.Tree == nil || ev.Kind != bot.MessageCreated {
		return "", false
	}
	prefix := c.prefix()
	text := strings.TrimSpace(ev.Body.PlainText())
	rest, ok := strings.CutPrefix(text, prefix)
	if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\n' && rest[0] != '\t') {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

func (c *Commands) prefix() string {
	if c.Prefix == "" {
		return "!herald"
	}
	return c.Prefix
}

// rawCommandLine reads the command from the event's plain body, as typed.
// The event's rich text comes from formatted_body, where a client's
// Markdown may have eaten characters a command needs: Element turns
// "*/5 * * * *" into emphasis. line (from the rich text) is kept when the
// event cannot be read.
func (a *Adapter) rawCommandLine(ctx context.Context, ev bot.Event, prefix, line string) string {
	cli, err := a.connect(ctx)
	if err != nil {
		return line
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	raw, err := cli.GetEvent(ctx, id.RoomID(ev.Place.Channel), id.EventID(ev.Message))
	if err != nil {
		a.log.Debug("matrix could not read a command's plain body", slog.String("event_id", string(ev.Message)), slog.String("error", err.Error()))
		return line
	}
	_ = raw.Content.ParseRaw(raw.Type)
	msg := raw.Content.AsMessage()
	if msg == nil {
		return line
	}
	body := strings.TrimSpace(msg.Body)
	// An old-style reply starts with quoted fallback lines and a blank one.
	for strings.HasPrefix(body, "> ") {
		_, rest, ok := strings.Cut(body, "\n")
		if !ok {
			return line
		}
		body = strings.TrimSpace(rest)
	}
	rest, ok := strings.CutPrefix(body, prefix)
	if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\n' && rest[0] != '\t') {
		return line
	}
	return strings.TrimSpace(rest)
}

// command runs a `!herald` message, if ev is one, and answers it in the
// same room (in the thread when asked in one) as an m.notice. It reports
// whether ev was a command; a command never reaches the inbox. Commands run
// in the sync loop, one after another, so they apply in the order they
// were given; a slow one (a feed fetch) holds the loop up to the fetch
// timeout, which commands being rare makes acceptable.
func (a *Adapter) command(ctx context.Context, ev bot.Event) bool {
	cmds := a.opt.Commands
	line, ok := cmds.commandLine(ev)
	if !ok {
		return false
	}
	log := a.log.With(slog.String("room_id", string(ev.Place.Channel)), slog.String("event_id", string(ev.Message)),
		slog.String("sender", string(ev.Author.ID)))
	room := id.RoomID(ev.Place.Channel)
	line = a.rawCommandLine(ctx, ev, cmds.prefix(), line)
	req := bot.Request{Place: ev.Place, Thread: ev.Thread, User: ev.Author, ID: string(ev.Message),
		Admin: a.isAdmin(ctx, room, id.UserID(ev.Author.ID))}
	reply := cmds.Tree.RunText(ctx, req, line)
	parts := matrixhtml.SplitContent(reply.Text, event.MsgNotice, maxCommandReply)
	if n := len(parts); n > maxCommandParts {
		parts = append(parts[:maxCommandParts-1:maxCommandParts-1], &event.MessageEventContent{MsgType: event.MsgNotice,
			Mentions: &event.Mentions{}, Body: fmt.Sprintf("… and more (%d messages in all); the rest is left out.", n)})
	}
	cli, err := a.connect(ctx)
	for i, content := range parts {
		if err != nil {
			break
		}
		if ev.Thread != "" {
			content.RelatesTo = (&event.RelatesTo{}).SetThread(id.EventID(ev.Thread), id.EventID(ev.Message))
		} else {
			content.RelatesTo = (&event.RelatesTo{}).SetReplyTo(id.EventID(ev.Message))
		}
		// The txn id comes from the command's event, so a command replayed
		// after a restart is answered once.
		_, err = a.sendEvent(ctx, cli, room, event.EventMessage, content, fmt.Sprintf("cmd.%s.%d", ev.Message, i))
	}
	if err != nil {
		log.Error("matrix could not answer a command", slog.String("error", err.Error()))
	}
	return true
}

// isAdmin reports whether user may run admin commands in room: listed in
// the config, or with a power level at or above the configured one there.
func (a *Adapter) isAdmin(ctx context.Context, room id.RoomID, user id.UserID) bool {
	users, level := a.opt.Commands.admins()
	if slices.Contains(users, string(user)) {
		return true
	}
	cli, err := a.connect(ctx)
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var pl event.PowerLevelsEventContent
	if err := cli.StateEvent(ctx, room, event.StatePowerLevels, "", &pl); err != nil {
		// Unknown means no: an admin can retry, a stranger must not pass.
		a.log.Warn("matrix could not read the power levels; treating the sender as no admin",
			slog.String("room_id", string(room)), slog.String("error", fmt.Sprint(err)))
		return false
	}
	return pl.GetUserLevel(user) >= level
}

// ServeCommands makes the adapter answer `!herald …` messages; call it
// before Run. It is Options.Commands, for callers that build the command
// tree after the adapter.
func (a *Adapter) ServeCommands(c *Commands) { a.opt.Commands = c }
