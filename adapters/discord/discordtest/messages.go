package discordtest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// messageBody is the JSON of message create/edit and webhook execute. The
// pointers tell "absent" from "empty" on edits.
type messageBody struct {
	Content          *string                     `json:"content"`
	Embeds           *[]*discordgo.MessageEmbed  `json:"embeds"`
	Nonce            any                         `json:"nonce"`
	EnforceNonce     bool                        `json:"enforce_nonce"`
	MessageReference *discordgo.MessageReference `json:"message_reference"`
	Flags            int                         `json:"flags"`
	Username         string                      `json:"username"`   // webhook execute
	AvatarURL        string                      `json:"avatar_url"` // webhook execute
	// Choices answer an autocomplete interaction.
	Choices []*discordgo.ApplicationCommandOptionChoice `json:"choices"`
	// files are a member's uploads (SayFiles); the REST routes never set them.
	files []*discordgo.MessageAttachment
}

// wireMessage is a message as Discord sends it, with the fields discordgo's
// struct lacks.
type wireMessage struct {
	*discordgo.Message
	Nonce         string `json:"nonce,omitempty"`
	ApplicationID string `json:"application_id,omitempty"`
}

func (rec *record) wire() wireMessage {
	return wireMessage{Message: rec.msg, Nonce: rec.nonce, ApplicationID: rec.appID}
}

// nonceString reads a nonce, which Discord takes as an integer or a string.
func nonceString(v any) (string, bool) {
	switch n := v.(type) {
	case nil:
		return "", true
	case string:
		return n, true
	case float64:
		return strconv.FormatInt(int64(n), 10), true
	}
	return "", false
}

// validate checks a message body against Discord's documented limits and
// adds what is wrong to fe.
func validate(b *messageBody, fe formErrors) {
	if b.Content != nil {
		fe.maxLen("content", utf8.RuneCountInString(*b.Content), 2000)
	}
	if n, ok := nonceString(b.Nonce); !ok {
		fe.add("nonce", "NONCE_TYPE_INVALID", "Nonce must be an integer or a string.")
	} else {
		fe.maxLen("nonce", len(n), 25)
	}
	if b.Embeds == nil {
		return
	}
	embeds := *b.Embeds
	fe.maxLen("embeds", len(embeds), 10)
	total := 0
	for i, e := range embeds {
		if e == nil {
			continue
		}
		p := "embeds." + strconv.Itoa(i) + "."
		count := func(field, v string, max int) {
			n := utf8.RuneCountInString(v)
			total += n
			fe.maxLen(p+field, n, max)
		}
		count("title", e.Title, 256)
		count("description", e.Description, 4096)
		if e.Footer != nil {
			count("footer.text", e.Footer.Text, 2048)
		}
		if e.Author != nil {
			count("author.name", e.Author.Name, 256)
		}
		fe.maxLen(p+"fields", len(e.Fields), 25)
		for j, f := range e.Fields {
			fp := "fields." + strconv.Itoa(j) + "."
			count(fp+"name", f.Name, 256)
			count(fp+"value", f.Value, 1024)
		}
	}
	if total > 6000 {
		fe.add("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
	}
}

// bodyErr is validate's verdict as one 50035 error, nil when b is within
// the limits. fe may already hold the caller's own findings (a webhook's
// username), which Discord reports in the same error.
func bodyErr(b *messageBody, fe formErrors) *apiError {
	validate(b, fe)
	return fe.err()
}

// postErr is bodyErr for a new message, which must also show something;
// Discord reports broken limits before emptiness.
func postErr(b *messageBody, fe formErrors) *apiError {
	if aerr := bodyErr(b, fe); aerr != nil {
		return aerr
	}
	if empty(b) {
		return errEmptyMessage
	}
	return nil
}

// empty says whether a body has nothing to show. Discord trims the content
// it stores, so whitespace alone is empty.
func empty(b *messageBody) bool {
	return (b.Content == nil || strings.TrimSpace(*b.Content) == "") && (b.Embeds == nil || len(*b.Embeds) == 0)
}

// channel finds a channel by path value. The caller holds s.mu.
func (s *Server) channel(r *http.Request) (*discordgo.Channel, *apiError) {
	ch := s.channels[pathID(r, "cid")]
	if ch == nil {
		return nil, errUnknownChannel
	}
	return ch, nil
}

func (s *Server) getChannel(r *http.Request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, aerr := s.channel(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := s.need(ch, 0); aerr != nil {
		return 0, nil, aerr
	}
	return 200, ch, nil
}

func (s *Server) patchChannel(r *http.Request) (int, any, *apiError) {
	var body struct {
		Name     *string `json:"name"`
		Archived *bool   `json:"archived"`
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
	if !ch.IsThread() || ch.OwnerID != s.bot.ID {
		if aerr := s.need(ch, discordgo.PermissionManageChannels); aerr != nil {
			return 0, nil, aerr
		}
	}
	fe := formErrors{}
	if body.Name != nil {
		if n := utf8.RuneCountInString(*body.Name); n < 1 || n > 100 {
			fe.add("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
		}
	}
	if aerr := fe.err(); aerr != nil {
		return 0, nil, aerr
	}
	if body.Name != nil {
		ch.Name = *body.Name
	}
	if body.Archived != nil && ch.ThreadMetadata != nil {
		ch.ThreadMetadata.Archived = *body.Archived
	}
	s.dispatchLocked(threadOrChannel(ch, "UPDATE"), ch, discordgo.IntentGuilds)
	return 200, ch, nil
}

func threadOrChannel(ch *discordgo.Channel, what string) string {
	if ch.IsThread() {
		return "THREAD_" + what
	}
	return "CHANNEL_" + what
}

func (s *Server) createMessage(r *http.Request) (int, any, *apiError) {
	var body messageBody
	if aerr := decode(r, &body); aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, aerr := s.channel(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if ch.Type == discordgo.ChannelTypeGuildForum || ch.Type == discordgo.ChannelTypeGuildMedia {
		return 0, nil, errNonText
	}
	perm := int64(discordgo.PermissionSendMessages)
	if ch.IsThread() {
		perm = discordgo.PermissionSendMessagesInThreads
	}
	if aerr := s.need(ch, perm); aerr != nil {
		return 0, nil, aerr
	}
	if aerr := postErr(&body, formErrors{}); aerr != nil {
		return 0, nil, aerr
	}
	nonce, _ := nonceString(body.Nonce)
	if body.EnforceNonce && nonce != "" {
		// Documented: with enforce_nonce, a nonce already used by the same
		// author in the past few minutes returns that message instead.
		if prev := s.nonces[nonceKey{s.bot.ID, nonce}]; prev != nil && time.Since(prev.createdAt) < s.cfg.NonceWindow {
			return 200, prev.wire(), nil
		}
	}
	rec, aerr := s.postLocked(ch, s.bot, &body, nil)
	if aerr != nil {
		return 0, nil, aerr
	}
	rec.nonce = nonce
	rec.appID = s.cfg.ApplicationID
	if body.EnforceNonce && nonce != "" {
		s.nonces[nonceKey{s.bot.ID, nonce}] = rec
	}
	return 200, rec.wire(), nil
}

// postLocked stores a new message in ch and dispatches MESSAGE_CREATE. The
// caller holds s.mu and has checked permissions and limits.
func (s *Server) postLocked(ch *discordgo.Channel, author *discordgo.User, body *messageBody, hook *discordgo.Webhook) (*record, *apiError) {
	return s.insertLocked(s.ids.next(), ch, author, body, hook)
}

// insertLocked is postLocked with a chosen id (a forum post's starter
// message has the thread's id).
func (s *Server) insertLocked(id string, ch *discordgo.Channel, author *discordgo.User, body *messageBody, hook *discordgo.Webhook) (*record, *apiError) {
	msg := &discordgo.Message{
		ID: id, ChannelID: ch.ID, GuildID: s.guild.ID, Author: author,
		Timestamp: time.Now().UTC(), Type: discordgo.MessageTypeDefault,
		Embeds: []*discordgo.MessageEmbed{}, Mentions: []*discordgo.User{}, MentionRoles: []string{},
		Attachments: []*discordgo.MessageAttachment{}, Flags: discordgo.MessageFlags(body.Flags),
	}
	if body.Content != nil {
		msg.Content = strings.TrimSpace(*body.Content)
	}
	msg.Attachments = append(msg.Attachments, body.files...)
	if body.Embeds != nil {
		for _, e := range *body.Embeds {
			if e == nil {
				continue
			}
			if e.Type == "" {
				e.Type = discordgo.EmbedTypeRich
			}
			msg.Embeds = append(msg.Embeds, e)
		}
	}
	if ref := body.MessageReference; ref != nil {
		parent := s.messages[ref.MessageID]
		if parent == nil || parent.deleted || parent.msg.ChannelID != ch.ID {
			fe := formErrors{}
			fe.add("message_reference", "REPLIES_UNKNOWN_MESSAGE", "Unknown message")
			return nil, fe.err()
		}
		msg.Type = discordgo.MessageTypeReply
		msg.MessageReference = &discordgo.MessageReference{MessageID: parent.msg.ID, ChannelID: ch.ID, GuildID: s.guild.ID}
		msg.ReferencedMessage = parent.msg
	}
	rec := &record{msg: msg, createdAt: time.Now()}
	if hook != nil {
		msg.WebhookID = hook.ID
		msg.Author = &discordgo.User{ID: hook.ID, Username: hook.Name, Bot: true}
		if body.Username != "" {
			msg.Author.Username = body.Username
		}
		msg.Author.Avatar = body.AvatarURL // the fake keeps the URL where Discord keeps a hash
		rec.appID = hook.ApplicationID
	}
	s.messages[msg.ID] = rec
	s.order[ch.ID] = append(s.order[ch.ID], rec)
	ch.LastMessageID = msg.ID
	if ch.IsThread() {
		ch.MessageCount++
	}
	s.dispatchLocked("MESSAGE_CREATE", s.withMember(rec), discordgo.IntentGuildMessages)
	return rec, nil
}

// withMember is the MESSAGE_CREATE/UPDATE payload: the message plus the
// author's member object for people (webhooks have none).
func (s *Server) withMember(rec *record) any {
	w := rec.wire()
	if rec.msg.WebhookID != "" {
		return w
	}
	for _, m := range s.guild.Members {
		if m.User.ID == rec.msg.Author.ID {
			return struct {
				wireMessage
				Member *discordgo.Member `json:"member"`
			}{w, &discordgo.Member{Nick: m.Nick, Roles: m.Roles, JoinedAt: m.JoinedAt}}
		}
	}
	return w
}

// message finds a live message in the path's channel. The caller holds s.mu.
func (s *Server) message(r *http.Request) (*discordgo.Channel, *record, *apiError) {
	ch, aerr := s.channel(r)
	if aerr != nil {
		return nil, nil, aerr
	}
	rec := s.messages[pathID(r, "mid")]
	if rec == nil || rec.deleted || rec.msg.ChannelID != ch.ID {
		return ch, nil, errUnknownMessage
	}
	return ch, rec, nil
}

func (s *Server) getMessage(r *http.Request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, rec, aerr := s.message(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := s.need(ch, discordgo.PermissionReadMessageHistory); aerr != nil {
		return 0, nil, aerr
	}
	return 200, rec.wire(), nil
}

func (s *Server) listMessages(r *http.Request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, aerr := s.channel(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := s.need(ch, discordgo.PermissionReadMessageHistory); aerr != nil {
		return 0, nil, aerr
	}
	q := r.URL.Query()
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			fe := formErrors{}
			fe.add("limit", "NUMBER_TYPE_MAX", "int value should be less than or equal to 100.")
			return 0, nil, fe.err()
		}
		limit = n
	}
	before, after := q.Get("before"), q.Get("after")
	var live []*record
	for _, m := range s.order[ch.ID] {
		if !m.deleted && (before == "" || idLess(m.msg.ID, before)) && (after == "" || idLess(after, m.msg.ID)) {
			live = append(live, m)
		}
	}
	// With after, Discord returns the messages closest after it; otherwise
	// the newest. Either way the list is newest first.
	if len(live) > limit {
		if after != "" && before == "" {
			live = live[:limit]
		} else {
			live = live[len(live)-limit:]
		}
	}
	out := make([]wireMessage, 0, len(live))
	for i := len(live) - 1; i >= 0; i-- {
		out = append(out, live[i].wire())
	}
	return 200, out, nil
}

// idLess compares snowflakes numerically.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func (s *Server) editMessage(r *http.Request) (int, any, *apiError) {
	var body messageBody
	if aerr := decode(r, &body); aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, rec, aerr := s.message(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := s.need(ch, 0); aerr != nil {
		return 0, nil, aerr
	}
	if rec.msg.Author.ID != s.bot.ID {
		return 0, nil, errOtherAuthor
	}
	return s.applyEdit(rec, &body)
}

// applyEdit validates and applies an edit and dispatches MESSAGE_UPDATE.
// The caller holds s.mu.
func (s *Server) applyEdit(rec *record, body *messageBody) (int, any, *apiError) {
	if aerr := bodyErr(body, formErrors{}); aerr != nil {
		return 0, nil, aerr
	}
	if body.Content != nil {
		rec.msg.Content = strings.TrimSpace(*body.Content)
	}
	if body.Embeds != nil {
		rec.msg.Embeds = *body.Embeds
	}
	if rec.msg.Content == "" && len(rec.msg.Embeds) == 0 {
		return 0, nil, errEmptyMessage
	}
	now := time.Now().UTC()
	rec.msg.EditedTimestamp = &now
	s.dispatchLocked("MESSAGE_UPDATE", s.withMember(rec), discordgo.IntentGuildMessages)
	return 200, rec.wire(), nil
}

func (s *Server) deleteMessage(r *http.Request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, rec, aerr := s.message(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if rec.msg.Author.ID != s.bot.ID {
		if aerr := s.need(ch, discordgo.PermissionManageMessages); aerr != nil {
			return 0, nil, aerr
		}
	} else if aerr := s.need(ch, 0); aerr != nil {
		return 0, nil, aerr
	}
	s.deleteLocked(rec)
	return http.StatusNoContent, nil, nil
}

// deleteLocked marks a message deleted and dispatches MESSAGE_DELETE.
func (s *Server) deleteLocked(rec *record) {
	rec.deleted = true
	s.dispatchLocked("MESSAGE_DELETE", map[string]string{
		"id": rec.msg.ID, "channel_id": rec.msg.ChannelID, "guild_id": s.guild.ID,
	}, discordgo.IntentGuildMessages)
}
