package discordtest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// reactionSet holds who reacted with what: message id → emoji (as the API
// names it: a unicode emoji, or name:id for a custom one) → user ids.
type reactionSet map[string]map[string][]string

// putOwnReaction is PUT …/reactions/{emoji}/@me: the bot reacts. Reacting
// twice is a no-op, as on Discord.
func (s *Server) putOwnReaction(r *http.Request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, rec, aerr := s.message(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := s.need(ch, discordgo.PermissionAddReactions|discordgo.PermissionReadMessageHistory); aerr != nil {
		return 0, nil, aerr
	}
	if aerr := archived(ch); aerr != nil {
		return 0, nil, aerr
	}
	s.reactLocked(ch, rec, s.bot, pathID(r, "emoji"), true)
	return 204, nil, nil
}

// deleteOwnReaction is DELETE …/reactions/{emoji}/@me; removing a reaction
// that is not there succeeds, as on Discord.
func (s *Server) deleteOwnReaction(r *http.Request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, rec, aerr := s.message(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := archived(ch); aerr != nil {
		return 0, nil, aerr
	}
	s.reactLocked(ch, rec, s.bot, pathID(r, "emoji"), false)
	return 204, nil, nil
}

// React makes a member add (add) or remove a reaction, dispatched on the
// gateway like Discord does. emoji is a unicode emoji or name:id.
func (s *Server) React(messageID string, user *discordgo.User, emoji string, add bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.messages[messageID]
	if rec == nil || rec.deleted {
		return fmt.Errorf("discordtest: reaction to unknown message %s", messageID)
	}
	ch := s.channels[rec.msg.ChannelID]
	if ch == nil {
		return fmt.Errorf("discordtest: message %s is in no known channel", messageID)
	}
	s.reactLocked(ch, rec, user, emoji, add)
	return nil
}

// Reactions lists who reacted to a message with emoji, in order.
func (s *Server) Reactions(messageID, emoji string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reactions[messageID][emoji])
}

// reactLocked changes a reaction and dispatches MESSAGE_REACTION_ADD or
// _REMOVE (GUILD_MESSAGE_REACTIONS intent) when it changed. The caller
// holds s.mu.
func (s *Server) reactLocked(ch *discordgo.Channel, rec *record, user *discordgo.User, emoji string, add bool) {
	if s.reactions == nil {
		s.reactions = reactionSet{}
	}
	if s.reactions[rec.msg.ID] == nil {
		s.reactions[rec.msg.ID] = map[string][]string{}
	}
	users := s.reactions[rec.msg.ID][emoji]
	i := slices.Index(users, user.ID)
	if add == (i >= 0) {
		return
	}
	if add {
		users = append(users, user.ID)
	} else {
		users = slices.Delete(users, i, i+1)
	}
	s.reactions[rec.msg.ID][emoji] = users
	e := &discordgo.Emoji{Name: emoji}
	if name, id, ok := strings.Cut(emoji, ":"); ok {
		e = &discordgo.Emoji{Name: name, ID: id}
	}
	mr := &discordgo.MessageReaction{UserID: user.ID, MessageID: rec.msg.ID, Emoji: *e, ChannelID: ch.ID, GuildID: s.guild.ID}
	if add {
		s.dispatchLocked("MESSAGE_REACTION_ADD", struct {
			*discordgo.MessageReaction
			Member *discordgo.Member `json:"member,omitempty"`
		}{mr, s.memberLocked(user.ID)}, discordgo.IntentGuildMessageReactions)
		return
	}
	s.dispatchLocked("MESSAGE_REACTION_REMOVE", mr, discordgo.IntentGuildMessageReactions)
}

// memberLocked is the guild member with user id, nil when it is none. The
// caller holds s.mu.
func (s *Server) memberLocked(userID string) *discordgo.Member {
	for _, m := range s.guild.Members {
		if m.User != nil && m.User.ID == userID {
			return m
		}
	}
	return nil
}
