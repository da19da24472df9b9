package discord

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext/discordmd"
)

// RootCommand is the one slash command Herald registers; the command tree
// hangs below it as subcommand groups and subcommands (/herald feed add),
// which is as deep as Discord allows and keeps Herald's commands apart from
// other bots' /status and /help.
const RootCommand = "herald"

// maxChoices is Discord's limit on choices and autocomplete results.
const maxChoices = 25

// SlashCommands describes the command tree as Discord application commands.
func SlashCommands(specs []bot.CommandSpec) []*discordgo.ApplicationCommand {
	root := &discordgo.ApplicationCommand{Name: RootCommand, Description: "Herald: feeds, mirrored discussions, status",
		Type: discordgo.ChatApplicationCommand}
	groups := map[string]*discordgo.ApplicationCommandOption{}
	var names []*discordgo.ApplicationCommandOptionChoice
	for _, s := range specs {
		names = append(names, &discordgo.ApplicationCommandOptionChoice{Name: s.Name(), Value: s.Name()})
	}
	for _, s := range specs {
		sub := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand,
			Name: s.Path[len(s.Path)-1], Description: clip(s.Summary, 100)}
		for _, p := range s.Params {
			o := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString,
				Name: p.Name, Description: clip(p.Help, 100), Required: p.Required}
			switch {
			case p.Kind == bot.ParamFeed:
				o.Autocomplete = true
			case s.Name() == "help" && len(names) <= maxChoices:
				o.Choices = names
			}
			sub.Options = append(sub.Options, o)
		}
		if len(s.Path) == 1 {
			root.Options = append(root.Options, sub)
			continue
		}
		g := groups[s.Path[0]]
		if g == nil {
			g = &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommandGroup,
				Name: s.Path[0], Description: s.Path[0] + " commands"}
			groups[s.Path[0]] = g
			root.Options = append(root.Options, g)
		}
		g.Options = append(g.Options, sub)
	}
	return []*discordgo.ApplicationCommand{root}
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// ServeCommands answers /herald interactions with the command tree. Call
// it before Run. adminRoles gives the role ids whose members count as
// admins besides those with the Manage Server permission; it is asked at
// each command, so a config reload applies at once. nil means none.
func (a *Adapter) ServeCommands(tree *bot.Commands, adminRoles func() []string) {
	a.opt.Interactions = func(ctx context.Context, s *discordgo.Session, i *discordgo.InteractionCreate) {
		var roles []string
		if adminRoles != nil {
			roles = adminRoles()
		}
		a.interaction(ctx, tree, roles, s, i)
	}
}

// RegisterTree registers the command tree as Herald's slash command, in the
// configured guild or globally.
func (a *Adapter) RegisterTree(ctx context.Context, tree *bot.Commands) error {
	_, err := a.RegisterCommands(ctx, SlashCommands(tree.Specs()))
	return err
}

// invocation reads the path and options of a /herald interaction; focused
// is the option being typed, for autocomplete.
func invocation(data discordgo.ApplicationCommandInteractionData) (inv bot.Invocation, focused string) {
	inv.Named = map[string]string{}
	opts := data.Options
	for len(opts) == 1 && (opts[0].Type == discordgo.ApplicationCommandOptionSubCommandGroup ||
		opts[0].Type == discordgo.ApplicationCommandOptionSubCommand) {
		inv.Path = append(inv.Path, opts[0].Name)
		opts = opts[0].Options
	}
	for _, o := range opts {
		if o.Type == discordgo.ApplicationCommandOptionString {
			inv.Named[o.Name] = o.StringValue()
		}
		if o.Focused {
			focused = o.Name
		}
	}
	return inv, focused
}

func (a *Adapter) interaction(ctx context.Context, tree *bot.Commands, adminRoles []string, s *discordgo.Session, i *discordgo.InteractionCreate) {
	if i.Type != discordgo.InteractionApplicationCommand && i.Type != discordgo.InteractionApplicationCommandAutocomplete {
		return
	}
	data := i.ApplicationCommandData()
	if data.Name != RootCommand {
		return
	}
	inv, focused := invocation(data)
	log := a.log.With(slog.String("interaction", i.ID), slog.String("command", strings.Join(inv.Path, " ")))
	if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		a.autocomplete(ctx, tree, s, i, inv, focused, log)
		return
	}
	req := a.commandRequest(ctx, i, adminRoles)
	spec, known := tree.Spec(inv.Path...)
	if known && spec.Slow && (!spec.Admin || req.Admin) {
		// Fetching a URL can take longer than Discord's 3 seconds: say
		// "thinking…" (only to the caller) and edit that answer later.
		err := s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
		}, discordgo.WithContext(ctx))
		if err != nil {
			log.Warn("could not defer a slash command", slog.String("error", hideToken(err, i.Token).Error()))
			return
		}
		reply := tree.Run(ctx, req, inv)
		parts := replyParts(reply)
		if _, err := s.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: &parts[0],
			AllowedMentions: &discordgo.MessageAllowedMentions{}}, discordgo.WithContext(ctx)); err != nil {
			log.Warn("could not answer a deferred slash command", slog.String("error", hideToken(err, i.Token).Error()))
			return
		}
		a.followUp(ctx, s, i, parts[1:], true, log)
		return
	}
	reply := tree.Run(ctx, req, inv)
	parts := replyParts(reply)
	private := reply.Ephemeral || reply.Failed
	resp := &discordgo.InteractionResponseData{Content: parts[0], AllowedMentions: &discordgo.MessageAllowedMentions{}}
	if private {
		resp.Flags = discordgo.MessageFlagsEphemeral
	}
	err := s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource, Data: resp}, discordgo.WithContext(ctx))
	if err != nil {
		log.Warn("could not answer a slash command", slog.String("error", hideToken(err, i.Token).Error()))
		return
	}
	a.followUp(ctx, s, i, parts[1:], private, log)
}

// maxReplyParts bounds the messages one answer takes; a longer answer
// (feed list of a thousand feeds) ends with a note that it was cut.
const maxReplyParts = 5

// replyParts renders a reply as messages of at most 2,000 characters.
func replyParts(r bot.Reply) []string {
	parts := discordmd.SplitLimit(r.Text, 2000)
	if len(parts) == 0 {
		return []string{"(no answer)"}
	}
	if len(parts) > maxReplyParts {
		parts = append(parts[:maxReplyParts:maxReplyParts], fmt.Sprintf("… and more (%d messages in all); the rest is left out.", len(parts)))
	}
	return parts
}

// followUp sends the rest of a long answer as follow-up messages.
func (a *Adapter) followUp(ctx context.Context, s *discordgo.Session, i *discordgo.InteractionCreate, rest []string, private bool, log *slog.Logger) {
	for _, p := range rest {
		params := &discordgo.WebhookParams{Content: p, AllowedMentions: &discordgo.MessageAllowedMentions{}}
		if private {
			params.Flags = discordgo.MessageFlagsEphemeral
		}
		if _, err := s.FollowupMessageCreate(i.Interaction, true, params, discordgo.WithContext(ctx)); err != nil {
			log.Warn("could not send the rest of a long answer", slog.String("error", hideToken(err, i.Token).Error()))
			return
		}
	}
}

func (a *Adapter) autocomplete(ctx context.Context, tree *bot.Commands, s *discordgo.Session, i *discordgo.InteractionCreate,
	inv bot.Invocation, focused string, log *slog.Logger) {
	var choices []*discordgo.ApplicationCommandOptionChoice
	if spec, ok := tree.Spec(inv.Path...); ok {
		for _, p := range spec.Params {
			if p.Name != focused {
				continue
			}
			// Autocomplete must answer within 3 seconds too.
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			for _, c := range tree.Complete(cctx, p.Kind, inv.Named[focused], maxChoices) {
				choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: c.Name, Value: c.Value})
			}
			cancel()
		}
	}
	if choices == nil {
		choices = []*discordgo.ApplicationCommandOptionChoice{}
	}
	err := s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices}}, discordgo.WithContext(ctx))
	if err != nil {
		log.Warn("could not answer autocomplete", slog.String("error", hideToken(err, i.Token).Error()))
	}
}

// commandRequest says who asked where, and whether they are an admin: the
// Manage Server (or Administrator) permission from the member's computed
// permissions in the interaction, or one of the admin roles. A direct
// message has no member and so no admin.
func (a *Adapter) commandRequest(ctx context.Context, i *discordgo.InteractionCreate, adminRoles []string) bot.Request {
	req := bot.Request{ID: i.ID, Place: bot.Place{Platform: bot.Discord, Channel: bot.RemoteID(i.ChannelID)}}
	if ch, err := a.channel(ctx, i.ChannelID); err == nil && ch.IsThread() {
		req.Place.Channel, req.Thread = bot.RemoteID(ch.ParentID), bot.RemoteID(ch.ID)
	}
	user := i.User
	if i.Member != nil {
		user = i.Member.User
		const admin = discordgo.PermissionManageGuild | discordgo.PermissionAdministrator
		req.Admin = i.Member.Permissions&admin != 0 ||
			slices.ContainsFunc(i.Member.Roles, func(r string) bool { return slices.Contains(adminRoles, r) })
	}
	if user != nil {
		req.User = bot.Author{Platform: bot.Discord, ID: bot.RemoteID(user.ID), Name: user.Username}
		if user.GlobalName != "" {
			req.User.Name = user.GlobalName
		}
	}
	return req
}
