package discordtest

import (
	"net/http"
	"regexp"
	"strconv"

	"github.com/bwmarrin/discordgo"
)

func (s *Server) getGuild(r *http.Request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pathID(r, "gid") != s.guild.ID {
		return 0, nil, errUnknownGuild
	}
	// The REST guild object carries roles but not channels or members.
	g := *s.guild
	g.Channels, g.Members, g.Threads = nil, nil, nil
	return 200, &g, nil
}

func (s *Server) getGuildChannels(r *http.Request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pathID(r, "gid") != s.guild.ID {
		return 0, nil, errUnknownGuild
	}
	return 200, s.guild.Channels, nil
}

func (s *Server) getMember(r *http.Request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pathID(r, "gid") != s.guild.ID {
		return 0, nil, errUnknownGuild
	}
	for _, m := range s.guild.Members {
		if m.User.ID == pathID(r, "uid") {
			return 200, m, nil
		}
	}
	return 0, nil, errUnknownMember
}

func (s *Server) getRoles(r *http.Request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pathID(r, "gid") != s.guild.ID {
		return 0, nil, errUnknownGuild
	}
	return 200, s.guild.Roles, nil
}

// AddRole creates a guild role with the given permissions and returns its id.
func (s *Server) AddRole(name string, perms int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.ids.next()
	s.guild.Roles = append(s.guild.Roles, &discordgo.Role{ID: id, Name: name, Permissions: perms})
	return id
}

// GiveRole gives a member (or the bot) a role.
func (s *Server) GiveRole(userID, roleID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.guild.Members {
		if m.User.ID == userID {
			m.Roles = append(m.Roles, roleID)
		}
	}
}

// Owner is the guild's owner, who has every permission.
func (s *Server) Owner() *discordgo.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.users[s.guild.OwnerID]
}

// commandName is the documented CHAT_INPUT name rule.
var commandName = regexp.MustCompile(`^[-_\p{L}\p{N}]{1,32}$`)

func (s *Server) putCommands(r *http.Request) (int, any, *apiError) {
	var cmds []*discordgo.ApplicationCommand
	if aerr := decode(r, &cmds); aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if pathID(r, "aid") != s.cfg.ApplicationID {
		return 0, nil, errUnknownApplication
	}
	gid := pathID(r, "gid")
	if gid != "" && gid != s.guild.ID {
		return 0, nil, errMissingAccess
	}
	fe := formErrors{}
	seen := map[string]bool{}
	for i, c := range cmds {
		p := strconv.Itoa(i) + "."
		if !commandName.MatchString(c.Name) {
			fe.add(p+"name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
		}
		if seen[c.Name] {
			fe.add(p+"name", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
		}
		seen[c.Name] = true
		if c.Type != discordgo.MessageApplicationCommand && c.Type != discordgo.UserApplicationCommand {
			if n := len([]rune(c.Description)); n < 1 || n > 100 {
				fe.add(p+"description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
			}
		}
		fe.maxLen(p+"options", len(c.Options), 25)
	}
	if aerr := fe.err(); aerr != nil {
		return 0, nil, aerr
	}
	for _, c := range cmds {
		c.ID, c.ApplicationID, c.GuildID, c.Version = s.ids.next(), s.cfg.ApplicationID, gid, s.ids.next()
		if c.Type == 0 {
			c.Type = discordgo.ChatApplicationCommand
		}
	}
	s.commands[gid] = cmds
	return 200, cmds, nil
}

func (s *Server) getCommands(r *http.Request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pathID(r, "aid") != s.cfg.ApplicationID {
		return 0, nil, errUnknownApplication
	}
	out := s.commands[pathID(r, "gid")]
	if out == nil {
		out = []*discordgo.ApplicationCommand{}
	}
	return 200, out, nil
}

// Commands are the commands registered for a guild ("" for global).
func (s *Server) Commands(guildID string) []*discordgo.ApplicationCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*discordgo.ApplicationCommand(nil), s.commands[guildID]...)
}
