package discordtest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// checkName applies Discord's webhook name rules (1-80 characters, and not
// containing "clyde" or "discord") to a webhook name or an execute username.
func checkName(field, name string, fe formErrors) {
	if n := utf8.RuneCountInString(name); n < 1 || n > 80 {
		fe.add(field, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 80 in length.")
	}
	low := strings.ToLower(name)
	for _, bad := range []string{"clyde", "discord"} {
		if strings.Contains(low, bad) {
			fe.add(field, "USERNAME_INVALID_CONTAINS", "Username cannot contain \""+bad+"\"")
		}
	}
}

func (s *Server) createWebhook(r *http.Request) (int, any, *apiError) {
	var body struct {
		Name   string `json:"name"`
		Avatar string `json:"avatar"`
	}
	if aerr := decode(r, &body); aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, aerr := s.channel(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := s.need(ch, discordgo.PermissionManageWebhooks); aerr != nil {
		return 0, nil, aerr
	}
	if ch.IsThread() {
		return 0, nil, &apiError{status: 400, Code: 50024, Message: "Cannot execute action on this channel type"}
	}
	fe := formErrors{}
	checkName("name", body.Name, fe)
	if aerr := fe.err(); aerr != nil {
		return 0, nil, aerr
	}
	n := 0
	for _, w := range s.webhooks {
		if w.ChannelID == ch.ID {
			n++
		}
	}
	if n >= 15 {
		return 0, nil, &apiError{status: 400, Code: 30007, Message: "Maximum number of webhooks reached (15)"}
	}
	tok := make([]byte, 32)
	_, _ = rand.Read(tok)
	w := &discordgo.Webhook{
		ID: s.ids.next(), Type: discordgo.WebhookTypeIncoming, GuildID: s.guild.ID, ChannelID: ch.ID,
		User: s.bot, Name: body.Name, Avatar: body.Avatar, Token: hex.EncodeToString(tok),
		ApplicationID: s.cfg.ApplicationID,
	}
	s.webhooks[w.ID] = w
	return 200, w, nil
}

func (s *Server) listWebhooks(r *http.Request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, aerr := s.channel(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := s.need(ch, discordgo.PermissionManageWebhooks); aerr != nil {
		return 0, nil, aerr
	}
	out := []*discordgo.Webhook{}
	for _, w := range s.webhooks {
		if w.ChannelID == ch.ID {
			out = append(out, w)
		}
	}
	return 200, out, nil
}

// webhook finds the path's webhook and checks its token. The caller holds s.mu.
func (s *Server) webhook(r *http.Request) (*discordgo.Webhook, *apiError) {
	w := s.webhooks[pathID(r, "wid")]
	if w == nil {
		return nil, errUnknownWebhook
	}
	if w.Token != pathID(r, "token") {
		return nil, errInvalidWebhookToken
	}
	return w, nil
}

// webhookTarget is where a webhook message goes or lives: the webhook's
// channel, or a thread of it named by ?thread_id=.
func (s *Server) webhookTarget(r *http.Request, w *discordgo.Webhook) (*discordgo.Channel, *apiError) {
	id := r.URL.Query().Get("thread_id")
	if id == "" {
		return s.channels[w.ChannelID], nil
	}
	th := s.channels[id]
	if th == nil || !th.IsThread() || th.ParentID != w.ChannelID {
		return nil, errUnknownChannel
	}
	return th, nil
}

func (s *Server) executeWebhook(r *http.Request) (int, any, *apiError) {
	if r.PathValue("wid") == s.cfg.ApplicationID {
		return s.followup(r)
	}
	var body messageBody
	if aerr := decode(r, &body); aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w, aerr := s.webhook(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	ch, aerr := s.webhookTarget(r, w)
	if aerr != nil {
		return 0, nil, aerr
	}
	if ch.Type == discordgo.ChannelTypeGuildForum {
		return 0, nil, &apiError{status: 400, Code: 220001, Message: "Webhooks posted to forum channels must have a thread_name or thread_id"}
	}
	fe := formErrors{}
	if body.Username != "" {
		checkName("username", body.Username, fe)
	}
	if aerr := postErr(&body, fe); aerr != nil {
		return 0, nil, aerr
	}
	if body.MessageReference != nil {
		body.MessageReference = nil // webhooks cannot reply: Discord ignores it
	}
	if ch.ThreadMetadata != nil && ch.ThreadMetadata.Archived {
		// "The thread will automatically be unarchived" (execute webhook).
		ch.ThreadMetadata.Archived = false
		s.dispatchLocked("THREAD_UPDATE", ch, discordgo.IntentGuilds)
	}
	rec, aerr := s.postLocked(ch, nil, &body, w)
	if aerr != nil {
		return 0, nil, aerr
	}
	if r.URL.Query().Get("wait") != "true" {
		return http.StatusNoContent, nil, nil
	}
	return 200, rec.wire(), nil
}

// webhookMessage finds a message this webhook sent, where ?thread_id= says.
func (s *Server) webhookMessage(r *http.Request) (*record, *apiError) {
	w, aerr := s.webhook(r)
	if aerr != nil {
		return nil, aerr
	}
	ch, aerr := s.webhookTarget(r, w)
	if aerr != nil {
		return nil, aerr
	}
	rec := s.messages[pathID(r, "mid")]
	if rec == nil || rec.deleted || rec.msg.WebhookID != w.ID || rec.msg.ChannelID != ch.ID {
		return nil, errUnknownMessage
	}
	return rec, nil
}

func (s *Server) getWebhookMessage(r *http.Request) (int, any, *apiError) {
	if r.PathValue("wid") == s.cfg.ApplicationID {
		return s.interactionMessage(r, nil)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, aerr := s.webhookMessage(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	return 200, rec.wire(), nil
}

func (s *Server) editWebhookMessage(r *http.Request) (int, any, *apiError) {
	var body messageBody
	if aerr := decode(r, &body); aerr != nil {
		return 0, nil, aerr
	}
	if r.PathValue("wid") == s.cfg.ApplicationID {
		return s.interactionMessage(r, &body)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, aerr := s.webhookMessage(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := archived(s.channels[rec.msg.ChannelID]); aerr != nil {
		return 0, nil, aerr
	}
	return s.applyEdit(rec, &body)
}

func (s *Server) deleteWebhookMessage(r *http.Request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, aerr := s.webhookMessage(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := archived(s.channels[rec.msg.ChannelID]); aerr != nil {
		return 0, nil, aerr
	}
	s.deleteLocked(rec)
	return http.StatusNoContent, nil, nil
}
