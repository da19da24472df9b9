package discordtest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Interaction is a slash command the fake sent, and what the bot answered.
type Interaction struct {
	ID, Token, ChannelID string
	created              time.Time
	acked                bool
	original             *record
	replies              []Reply
}

// Reply is one answer to an interaction.
type Reply struct {
	Kind      string // "callback", "followup", "edit_original"
	Type      discordgo.InteractionResponseType
	Content   string
	Embeds    []*discordgo.MessageEmbed
	Ephemeral bool
	Choices   []*discordgo.ApplicationCommandOptionChoice // an autocomplete result
}

// Replies are the bot's answers so far, oldest first.
func (s *Server) Replies(in *Interaction) []Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Reply(nil), in.replies...)
}

// Interact sends an APPLICATION_COMMAND interaction from user in channelID,
// as Discord does when someone runs a slash command.
func (s *Server) Interact(channelID string, user *discordgo.User, data discordgo.ApplicationCommandInteractionData) *Interaction {
	return s.interact(discordgo.InteractionApplicationCommand, channelID, user, data)
}

func (s *Server) interact(typ discordgo.InteractionType, channelID string, user *discordgo.User, data discordgo.ApplicationCommandInteractionData) *Interaction {
	tok := make([]byte, 24)
	_, _ = rand.Read(tok)
	s.mu.Lock()
	defer s.mu.Unlock()
	in := &Interaction{ID: s.ids.next(), Token: "aW50ZXJhY3Rpb24" + hex.EncodeToString(tok), ChannelID: channelID, created: time.Now()}
	s.interacts[in.Token] = in
	var member *discordgo.Member
	for _, m := range s.guild.Members {
		if m.User.ID == user.ID {
			member = &discordgo.Member{User: m.User, Roles: m.Roles, Nick: m.Nick, Permissions: s.memberPerms(m)}
		}
	}
	if data.ID == "" {
		for _, c := range s.commands[s.guild.ID] {
			if c.Name == data.Name {
				data.ID = c.ID
			}
		}
	}
	payload := map[string]any{
		"id": in.ID, "application_id": s.cfg.ApplicationID, "type": typ,
		"data": data, "guild_id": s.guild.ID, "channel_id": channelID, "member": member,
		"token": in.Token, "version": 1, "locale": "en-US", "guild_locale": "en-US",
		"app_permissions": strconv.FormatInt(s.botPerms(s.channels[channelID]), 10),
	}
	if ch := s.channels[channelID]; ch != nil {
		payload["channel"] = ch
	}
	s.dispatchLocked("INTERACTION_CREATE", payload, 0)
	return in
}

// memberPerms is a member's guild-level permissions. The caller holds s.mu.
func (s *Server) memberPerms(m *discordgo.Member) int64 {
	if m.User.ID == s.guild.OwnerID {
		return discordgo.PermissionAll
	}
	var p int64
	for _, r := range s.guild.Roles {
		if r.ID == s.guild.ID || contains(m.Roles, r.ID) {
			p |= r.Permissions
		}
	}
	if p&discordgo.PermissionAdministrator != 0 {
		return discordgo.PermissionAll
	}
	return p
}

// interaction finds a live interaction by path token. The caller holds s.mu.
func (s *Server) interaction(r *http.Request) (*Interaction, *apiError) {
	in := s.interacts[pathID(r, "token")]
	if in == nil || time.Since(in.created) > 15*time.Minute {
		return nil, errUnknownInteraction
	}
	return in, nil
}

func (s *Server) interactionCallback(r *http.Request) (int, any, *apiError) {
	var body struct {
		Type discordgo.InteractionResponseType `json:"type"`
		Data *messageBody                      `json:"data"`
	}
	if aerr := decode(r, &body); aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, aerr := s.interaction(r)
	if aerr != nil || in.ID != pathID(r, "iid") {
		return 0, nil, errUnknownInteraction
	}
	// Documented: the initial response must come within 3 seconds.
	if time.Since(in.created) > 3*time.Second {
		return 0, nil, errUnknownInteraction
	}
	if in.acked {
		return 0, nil, errAlreadyAcked
	}
	reply := Reply{Kind: "callback", Type: body.Type}
	if body.Data != nil {
		if aerr := bodyErr(body.Data, formErrors{}); aerr != nil {
			return 0, nil, aerr
		}
		fillReply(&reply, body.Data)
	}
	in.acked = true
	in.replies = append(in.replies, reply)
	if body.Type == discordgo.InteractionResponseChannelMessageWithSource && body.Data != nil && !reply.Ephemeral {
		if ch := s.channels[in.ChannelID]; ch != nil {
			in.original, _ = s.postLocked(ch, s.bot, body.Data, nil)
		}
	}
	return http.StatusNoContent, nil, nil
}

func fillReply(rp *Reply, b *messageBody) {
	if b.Content != nil {
		rp.Content = *b.Content
	}
	if b.Embeds != nil {
		rp.Embeds = *b.Embeds
	}
	rp.Ephemeral = b.Flags&int(discordgo.MessageFlagsEphemeral) != 0
	rp.Choices = b.Choices
}

// followup is POST /webhooks/{application.id}/{token}.
func (s *Server) followup(r *http.Request) (int, any, *apiError) {
	var body messageBody
	if aerr := decode(r, &body); aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, aerr := s.interaction(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if !in.acked {
		return 0, nil, errUnknownWebhook
	}
	if aerr := postErr(&body, formErrors{}); aerr != nil {
		return 0, nil, aerr
	}
	reply := Reply{Kind: "followup"}
	fillReply(&reply, &body)
	in.replies = append(in.replies, reply)
	msg := &discordgo.Message{ID: s.ids.next(), ChannelID: in.ChannelID, Author: s.bot, Content: reply.Content,
		Embeds: reply.Embeds, Timestamp: time.Now().UTC(), Flags: discordgo.MessageFlags(body.Flags)}
	return 200, msg, nil
}

// interactionMessage gets (body nil) or edits the original response.
func (s *Server) interactionMessage(r *http.Request, body *messageBody) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, aerr := s.interaction(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if pathID(r, "mid") != "@original" || !in.acked {
		return 0, nil, errUnknownMessage
	}
	if body == nil {
		if in.original == nil {
			return 0, nil, errUnknownMessage
		}
		return 200, in.original.wire(), nil
	}
	if aerr := bodyErr(body, formErrors{}); aerr != nil {
		return 0, nil, aerr
	}
	reply := Reply{Kind: "edit_original"}
	fillReply(&reply, body)
	in.replies = append(in.replies, reply)
	msg := &discordgo.Message{ID: in.ID, ChannelID: in.ChannelID, Author: s.bot, Content: reply.Content,
		Embeds: reply.Embeds, Timestamp: time.Now().UTC()}
	return 200, msg, nil
}
