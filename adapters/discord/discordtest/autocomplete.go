package discordtest

import "github.com/bwmarrin/discordgo"

// Autocomplete sends an APPLICATION_COMMAND_AUTOCOMPLETE interaction, as
// Discord does while someone types an option that has autocomplete on
// (the option being typed carries focused: true). The bot answers with
// callback type 8 and its choices, found in Replies.
func (s *Server) Autocomplete(channelID string, user *discordgo.User, data discordgo.ApplicationCommandInteractionData) *Interaction {
	return s.interact(discordgo.InteractionApplicationCommandAutocomplete, channelID, user, data)
}
