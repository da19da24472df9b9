package matrix

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/richtext/matrixhtml"
)

// member is what the adapter knows of a room member.
type member struct{ name, avatar string }

// observeState learns from state events: display names and encryption.
func (a *Adapter) observeState(ev *event.Event) {
	switch ev.Type {
	case event.StateMember:
		if ev.StateKey == nil {
			return
		}
		_ = ev.Content.ParseRaw(ev.Type)
		m := ev.Content.AsMember()
		a.setMember(ev.RoomID, id.UserID(*ev.StateKey), member{name: m.Displayname, avatar: string(m.AvatarURL)})
	case event.StateEncryption:
		_ = ev.Content.ParseRaw(ev.Type)
		enc := ev.Content.AsEncryption().Algorithm != ""
		a.mu.Lock()
		was := a.encrypted[ev.RoomID]
		a.mu.Unlock()
		a.setEncrypted(ev.RoomID, enc)
		if enc && !was {
			a.warnEncrypted(ev.RoomID)
		}
	}
}

func (a *Adapter) setMember(room id.RoomID, user id.UserID, m member) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.names[room] == nil {
		a.names[room] = map[id.UserID]member{}
	}
	a.names[room][user] = m
}

// author describes a sender, asking the server for its member event when
// /sync has not shown it yet; the localpart stands in when that fails.
func (a *Adapter) author(ctx context.Context, cli *mautrix.Client, room id.RoomID, user id.UserID) bot.Author {
	a.mu.Lock()
	m, ok := a.names[room][user]
	a.mu.Unlock()
	if !ok {
		var content event.MemberEventContent
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := cli.StateEvent(ctx, room, event.StateMember, string(user), &content)
		cancel()
		if err == nil {
			m = member{name: content.Displayname, avatar: string(content.AvatarURL)}
			a.setMember(room, user, m)
		} else {
			a.log.Debug("matrix could not read a member's name", slog.String("user", string(user)), slog.String("error", err.Error()))
		}
	}
	if m.name == "" {
		m.name = user.Localpart()
	}
	return bot.Author{Platform: bot.Matrix, ID: bot.RemoteID(user), Name: m.name, AvatarURL: a.avatarURL(m.avatar)}
}

// avatarURL turns an mxc:// URI into a URL other platforms can fetch.
func (a *Adapter) avatarURL(mxc string) string {
	uri, err := id.ParseContentURI(mxc)
	if err != nil || uri.IsEmpty() {
		return ""
	}
	return a.opt.Homeserver + "/_matrix/media/v3/download/" + uri.Homeserver + "/" + uri.FileID
}

// toEvent converts a timeline event into an inbox event; false for events
// the core does not need (our own, state, unknown kinds).
func (a *Adapter) toEvent(ctx context.Context, cli *mautrix.Client, ev *event.Event) (bot.Event, bool) {
	if ev.Sender == a.user || ev.Type.IsState() {
		return bot.Event{}, false
	}
	out := bot.Event{
		Place:    bot.Place{Platform: bot.Matrix, Channel: bot.RemoteID(ev.RoomID)},
		Time:     time.UnixMilli(ev.Timestamp),
		Received: time.Now(),
	}
	if err := ev.Content.ParseRaw(ev.Type); err != nil {
		a.log.Warn("matrix ignores an event it cannot parse", slog.String("event_id", string(ev.ID)),
			slog.String("type", ev.Type.Type), slog.String("error", err.Error()))
		return bot.Event{}, false
	}
	switch ev.Type {
	case event.EventMessage:
		msg := ev.Content.AsMessage()
		rel := msg.RelatesTo
		if rel != nil && rel.Type == event.RelReplace {
			out.Kind = bot.MessageEdited
			out.Message = bot.RemoteID(rel.EventID)
			out.Thread = bot.RemoteID(a.threadOf(ctx, cli, ev.RoomID, rel.EventID))
			body := msg.NewContent
			if body == nil { // a client that sends no m.new_content: use the fallback
				body = msg
				body.Body = strings.TrimPrefix(body.Body, "* ")
			}
			out.Body = a.messageText(body)
		} else {
			out.Kind = bot.MessageCreated
			out.Message = bot.RemoteID(ev.ID)
			if rel != nil {
				out.Thread = bot.RemoteID(rel.GetThreadParent())
				out.ReplyTo = bot.RemoteID(rel.GetNonFallbackReplyTo())
			}
			if out.Thread != "" {
				a.rememberThread(ev.ID, id.EventID(out.Thread))
			}
			out.Body = a.messageText(msg)
		}
	case event.EventRedaction:
		target := ev.Redacts
		if target == "" {
			target = ev.Content.AsRedaction().Redacts
		}
		info, known := a.threads.info(target)
		out.Kind = bot.MessageDeleted
		out.Message = bot.RemoteID(target)
		out.Thread = bot.RemoteID(info.root)
		if known && info.reactTo != "" {
			out.Kind, out.Message, out.Emoji = bot.ReactionGone, bot.RemoteID(info.reactTo), info.emoji
		}
	case event.EventReaction:
		rel := ev.Content.AsReaction().RelatesTo
		if rel.Type != event.RelAnnotation || rel.Key == "" {
			return bot.Event{}, false
		}
		root := a.threadOf(ctx, cli, ev.RoomID, rel.EventID)
		a.threads.putReaction(ev.ID, root, rel.EventID, rel.Key)
		out.Kind, out.Message, out.Emoji, out.Thread = bot.ReactionAdded, bot.RemoteID(rel.EventID), rel.Key, bot.RemoteID(root)
	default:
		return bot.Event{}, false
	}
	if out.Message == "" {
		return bot.Event{}, false
	}
	out.Author = a.author(ctx, cli, ev.RoomID, ev.Sender)
	return out, true
}

// threadOf finds the thread an event belongs to: from memory, else from the
// event itself (one request). "" when it is in no thread or cannot be read.
func (a *Adapter) threadOf(ctx context.Context, cli *mautrix.Client, room id.RoomID, ev id.EventID) id.EventID {
	if info, ok := a.threads.info(ev); ok {
		return info.root
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	orig, err := cli.GetEvent(ctx, room, ev)
	if err != nil {
		a.log.Debug("matrix could not read an event to find its thread", slog.String("event_id", string(ev)), slog.String("error", err.Error()))
		return ""
	}
	var root id.EventID
	if rel, ok := orig.Content.Raw["m.relates_to"].(map[string]any); ok && rel["rel_type"] == string(event.RelThread) {
		s, _ := rel["event_id"].(string)
		root = id.EventID(s)
	}
	a.rememberThread(ev, root)
	return root
}

// messageText is a message's text for the core. An image, file, video or
// audio message also gets a link to its file: its body is only the file's
// name (or a caption, when filename is set), and the file itself would be
// lost on every other platform.
func (a *Adapter) messageText(msg *event.MessageEventContent) richtext.Text {
	switch msg.MsgType {
	case event.MsgImage, event.MsgFile, event.MsgVideo, event.MsgAudio:
	default:
		return bodyText(msg)
	}
	link := a.avatarURL(string(msg.URL)) // any mxc:// URI, not only avatars
	if link == "" {
		return bodyText(msg)
	}
	name := msg.FileName
	if name == "" {
		name = msg.Body
	}
	if strings.TrimSpace(name) == "" {
		name = link
	}
	var out richtext.Text
	if msg.FileName != "" && msg.Body != "" && msg.Body != msg.FileName {
		out = bodyText(msg) // the caption
	}
	out.Blocks = append(out.Blocks, richtext.Para(richtext.A(link, richtext.Str(name))))
	return out
}

// bodyText converts a message's text into the shared rich-text model:
// formatted_body when it is HTML, else body, without reply fallbacks.
func bodyText(msg *event.MessageEventContent) richtext.Text {
	return matrixhtml.Parse(msg)
}
