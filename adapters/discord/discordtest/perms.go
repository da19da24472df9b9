package discordtest

import (
	"github.com/bwmarrin/discordgo"
)

// botPerms computes the bot's permissions in a channel (a thread uses its
// parent's overwrites), following the permission hierarchy the docs
// describe: @everyone, roles, then @everyone, role and member overwrites.
// The caller holds s.mu.
func (s *Server) botPerms(ch *discordgo.Channel) int64 {
	if ch.IsThread() {
		if p := s.channels[ch.ParentID]; p != nil {
			ch = p
		}
	}
	var roles []string
	for _, m := range s.guild.Members {
		if m.User.ID == s.bot.ID {
			roles = m.Roles
		}
	}
	var p int64
	for _, r := range s.guild.Roles {
		if r.ID == s.guild.ID || contains(roles, r.ID) {
			p |= r.Permissions
		}
	}
	if p&discordgo.PermissionAdministrator != 0 {
		return discordgo.PermissionAll
	}
	apply := func(match func(o *discordgo.PermissionOverwrite) bool) {
		var allow, deny int64
		for _, o := range ch.PermissionOverwrites {
			if match(o) {
				allow |= o.Allow
				deny |= o.Deny
			}
		}
		p = p&^deny | allow
	}
	apply(func(o *discordgo.PermissionOverwrite) bool { return o.ID == s.guild.ID })
	apply(func(o *discordgo.PermissionOverwrite) bool {
		return o.Type == discordgo.PermissionOverwriteTypeRole && contains(roles, o.ID)
	})
	apply(func(o *discordgo.PermissionOverwrite) bool {
		return o.Type == discordgo.PermissionOverwriteTypeMember && o.ID == s.bot.ID
	})
	return p
}

// need answers 403 unless the bot has every permission in perm. Without
// VIEW_CHANNEL Discord answers 50001 Missing Access, else 50013.
// The caller holds s.mu.
func (s *Server) need(ch *discordgo.Channel, perm int64) *apiError {
	p := s.botPerms(ch)
	if p&discordgo.PermissionViewChannel == 0 {
		return errMissingAccess
	}
	if p&perm != perm {
		return errMissingPermissions
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
