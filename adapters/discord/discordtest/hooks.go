package discordtest

import (
	"fmt"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Say posts a member's message in a channel or thread, dispatched on the
// gateway like any message. replyTo, when set, makes it a reply.
func (s *Server) Say(channelID string, author *discordgo.User, content, replyTo string) (*discordgo.Message, error) {
	return s.SayFiles(channelID, author, content, replyTo)
}

// SayFiles is Say with uploaded files (content may then be empty, as when
// someone posts only a picture).
func (s *Server) SayFiles(channelID string, author *discordgo.User, content, replyTo string, files ...*discordgo.MessageAttachment) (*discordgo.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	if ch == nil {
		return nil, fmt.Errorf("discordtest: Say in unknown channel %s", channelID)
	}
	body := &messageBody{Content: &content, files: files}
	if replyTo != "" {
		body.MessageReference = &discordgo.MessageReference{MessageID: replyTo}
	}
	rec, aerr := s.postLocked(ch, author, body, nil)
	if aerr != nil {
		return nil, fmt.Errorf("discordtest: Say: %s", aerr.Message)
	}
	return copyMessage(rec.msg), nil
}

// EditBy changes a member's message and dispatches MESSAGE_UPDATE.
func (s *Server) EditBy(messageID, content string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.messages[messageID]
	if rec == nil || rec.deleted {
		return fmt.Errorf("discordtest: edit of unknown message %s", messageID)
	}
	if _, _, aerr := s.applyEdit(rec, &messageBody{Content: &content}); aerr != nil {
		return fmt.Errorf("discordtest: edit: %s", aerr.Message)
	}
	return nil
}

// DeleteBy deletes any message, as its author or a moderator would.
func (s *Server) DeleteBy(messageID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.messages[messageID]
	if rec == nil || rec.deleted {
		return fmt.Errorf("discordtest: delete of unknown message %s", messageID)
	}
	s.deleteLocked(rec)
	return nil
}

// Sent is a message as the fake holds it, with what the wire shape hides.
type Sent struct {
	discordgo.Message
	Nonce         string
	ApplicationID string
	Deleted       bool
	Created       time.Time
}

// Messages are every message of a channel or thread, oldest first,
// including deleted ones (marked).
func (s *Server) Messages(channelID string) []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Sent
	for _, rec := range s.order[channelID] {
		out = append(out, Sent{Message: *copyMessage(rec.msg), Nonce: rec.nonce, ApplicationID: rec.appID,
			Deleted: rec.deleted, Created: rec.createdAt})
	}
	return out
}

// Message is one message by id, wherever it is.
func (s *Server) Message(id string) (Sent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.messages[id]
	if rec == nil {
		return Sent{}, false
	}
	return Sent{Message: *copyMessage(rec.msg), Nonce: rec.nonce, ApplicationID: rec.appID,
		Deleted: rec.deleted, Created: rec.createdAt}, true
}

// Channel is a copy of a channel or thread.
func (s *Server) Channel(id string) (discordgo.Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[id]
	if ch == nil {
		return discordgo.Channel{}, false
	}
	return *ch, true
}

// Threads are the threads whose parent is channelID, oldest first.
func (s *Server) Threads(channelID string) []discordgo.Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []discordgo.Channel
	for _, th := range s.guild.Threads {
		if th.ParentID == channelID {
			out = append(out, *th)
		}
	}
	return out
}

// StartThread opens a thread on a message, as a member would.
func (s *Server) StartThread(channelID, messageID, name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, rec := s.channels[channelID], s.messages[messageID]
	if ch == nil || rec == nil || rec.msg.ChannelID != channelID {
		return "", fmt.Errorf("discordtest: StartThread on unknown %s/%s", channelID, messageID)
	}
	if s.channels[messageID] != nil {
		return "", fmt.Errorf("discordtest: message %s already has a thread", messageID)
	}
	th := s.newThread(messageID, ch, &threadBody{Name: name})
	th.OwnerID = rec.msg.Author.ID
	return th.ID, nil
}

// Webhooks are the webhooks of a channel.
func (s *Server) Webhooks(channelID string) []discordgo.Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []discordgo.Webhook
	for _, w := range s.webhooks {
		if w.ChannelID == channelID {
			out = append(out, *w)
		}
	}
	return out
}

// DeleteWebhook removes a webhook, as an admin might behind the bot's back.
func (s *Server) DeleteWebhook(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.webhooks, id)
}

func copyMessage(m *discordgo.Message) *discordgo.Message {
	c := *m
	if m.Author != nil {
		a := *m.Author
		c.Author = &a
	}
	c.Embeds = append([]*discordgo.MessageEmbed(nil), m.Embeds...)
	return &c
}
