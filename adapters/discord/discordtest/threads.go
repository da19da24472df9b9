package discordtest

import (
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// threadBody is the JSON of both thread-start routes; Message is set for a
// forum post.
type threadBody struct {
	Name                string       `json:"name"`
	AutoArchiveDuration int          `json:"auto_archive_duration"`
	Type                int          `json:"type"`
	AppliedTags         []string     `json:"applied_tags"`
	Message             *messageBody `json:"message"`
}

func (b *threadBody) validate(fe formErrors) {
	if n := utf8.RuneCountInString(b.Name); n < 1 || n > 100 {
		fe.add("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
	}
	switch b.AutoArchiveDuration {
	case 0, 60, 1440, 4320, 10080:
	default:
		fe.add("auto_archive_duration", "BASE_TYPE_CHOICES", "Value must be one of {60, 1440, 4320, 10080}.")
	}
}

// newThread makes a public thread channel under parent. The caller holds s.mu.
func (s *Server) newThread(id string, parent *discordgo.Channel, b *threadBody) *discordgo.Channel {
	archive := b.AutoArchiveDuration
	if archive == 0 {
		archive = 4320
	}
	th := &discordgo.Channel{
		ID: id, GuildID: s.guild.ID, ParentID: parent.ID, Name: b.Name, OwnerID: s.bot.ID,
		Type: discordgo.ChannelTypeGuildPublicThread, AppliedTags: b.AppliedTags,
		ThreadMetadata:       &discordgo.ThreadMetadata{AutoArchiveDuration: archive, ArchiveTimestamp: time.Now().UTC()},
		PermissionOverwrites: []*discordgo.PermissionOverwrite{},
	}
	s.channels[th.ID] = th
	s.guild.Threads = append(s.guild.Threads, th)
	s.dispatchLocked("THREAD_CREATE", struct {
		*discordgo.Channel
		NewlyCreated bool `json:"newly_created"`
	}{th, true}, discordgo.IntentGuilds)
	return th
}

// threadFromMessage is POST /channels/{id}/messages/{id}/threads: the thread
// takes the message's id, and a message can start only one thread.
func (s *Server) threadFromMessage(r *http.Request) (int, any, *apiError) {
	var body threadBody
	if aerr := decode(r, &body); aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, rec, aerr := s.message(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := s.need(ch, discordgo.PermissionCreatePublicThreads); aerr != nil {
		return 0, nil, aerr
	}
	fe := formErrors{}
	body.validate(fe)
	if aerr := fe.err(); aerr != nil {
		return 0, nil, aerr
	}
	if ch.IsThread() || ch.Type == discordgo.ChannelTypeGuildForum {
		return 0, nil, &apiError{status: 400, Code: 50024, Message: "Cannot execute action on this channel type"}
	}
	if s.channels[rec.msg.ID] != nil {
		return 0, nil, errThreadExists
	}
	th := s.newThread(rec.msg.ID, ch, &body)
	rec.msg.Thread = th
	return 201, th, nil
}

// threadInChannel is POST /channels/{id}/threads: a forum post (with its
// starter message, whose id is the thread's) or a thread without a message.
func (s *Server) threadInChannel(r *http.Request) (int, any, *apiError) {
	var body threadBody
	if aerr := decode(r, &body); aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, aerr := s.channel(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	forum := ch.Type == discordgo.ChannelTypeGuildForum || ch.Type == discordgo.ChannelTypeGuildMedia
	perm := int64(discordgo.PermissionCreatePublicThreads)
	if forum {
		perm = discordgo.PermissionSendMessages
	}
	if aerr := s.need(ch, perm); aerr != nil {
		return 0, nil, aerr
	}
	fe := formErrors{}
	body.validate(fe)
	if forum {
		if body.Message == nil {
			fe.add("message", "BASE_TYPE_REQUIRED", "This field is required")
		} else {
			sub := formErrors{}
			validate(body.Message, sub)
			for k, v := range sub {
				fe["message."+k] = v
			}
		}
		for i, tag := range body.AppliedTags {
			known := false
			for _, t := range ch.AvailableTags {
				known = known || t.ID == tag
			}
			if !known {
				fe.add("applied_tags."+strconv.Itoa(i), "FORUM_TAG_UNKNOWN", "Unknown tag")
			}
		}
		if len(body.AppliedTags) > 5 {
			fe.maxLen("applied_tags", len(body.AppliedTags), 5)
		}
	}
	if aerr := fe.err(); aerr != nil {
		return 0, nil, aerr
	}
	if forum && empty(body.Message) {
		return 0, nil, errEmptyMessage
	}
	id := s.ids.next()
	th := s.newThread(id, ch, &body)
	if !forum {
		return 201, th, nil
	}
	// The starter message lives in the thread and has the thread's id.
	rec, aerr := s.postWithID(id, th, body.Message)
	if aerr != nil {
		return 0, nil, aerr
	}
	th.LastMessageID = id
	return 201, struct {
		*discordgo.Channel
		Message wireMessage `json:"message"`
	}{th, rec.wire()}, nil
}

// postWithID posts the bot's message with a chosen id (a forum starter).
func (s *Server) postWithID(id string, th *discordgo.Channel, body *messageBody) (*record, *apiError) {
	rec, aerr := s.insertLocked(id, th, s.bot, body, nil)
	if aerr != nil {
		return nil, aerr
	}
	rec.appID = s.cfg.ApplicationID
	return rec, nil
}

func (s *Server) activeThreads(r *http.Request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pathID(r, "gid") != s.guild.ID {
		return 0, nil, errUnknownGuild
	}
	threads := []*discordgo.Channel{}
	for _, th := range s.guild.Threads {
		if th.ThreadMetadata != nil && !th.ThreadMetadata.Archived && s.botPerms(th)&discordgo.PermissionViewChannel != 0 {
			threads = append(threads, th)
		}
	}
	return 200, map[string]any{"threads": threads, "members": []any{}}, nil
}
