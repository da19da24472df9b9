package render

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/richtext/discordmd"
)

var snowflake = regexp.MustCompile(`^[0-9]{1,20}$`)

// NoMentions is the allowed_mentions that lets nothing ping: an empty parse
// list (not a missing one, which would let Discord parse everything).
func NoMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// DiscordArticle is the REST message body that posts an article: one embed,
// or plain content when o.PlainText. Nothing in it can ping except the
// role o.MentionRole names.
func DiscordArticle(a bot.Article, o Options) (*discordgo.MessageSend, error) {
	msg := &discordgo.MessageSend{AllowedMentions: NoMentions()}
	prefix := ""
	if o.MentionRole != "" {
		if !snowflake.MatchString(o.MentionRole) {
			return nil, fmt.Errorf("render discord article %q: mention_role %q is not a Discord role id (digits only)", a.Title, o.MentionRole)
		}
		prefix = "<@&" + o.MentionRole + ">"
		msg.AllowedMentions.Roles = []string{o.MentionRole}
	}
	body, err := articleBody(a, o)
	if err != nil {
		return nil, fmt.Errorf("render discord article %q: %w", a.Title, err)
	}
	if o.PlainText {
		if body == nil {
			full := richtext.Doc(richtext.Para(richtext.B(richtext.Str(oneLine(a.Title)))))
			if richtext.SafeURL(a.URL) {
				full.Blocks = append(full.Blocks, richtext.Para(richtext.A(a.URL)))
			}
			full.Blocks = append(full.Blocks, a.Summary.Blocks...)
			body = &full
		}
		limit := DiscordContent
		if prefix != "" {
			limit -= richtext.Runes(prefix) + 1
		}
		content := discordmd.RenderLimit(*body, limit)
		if prefix != "" {
			content = prefix + "\n" + content
		}
		msg.Content = content
		return msg, nil
	}
	msg.Content = prefix
	msg.Embeds = []*discordgo.MessageEmbed{articleEmbed(a, o, body)}
	return msg, nil
}

// articleEmbed builds the embed; the description gets what the 6000
// character total leaves after the other fields.
func articleEmbed(a bot.Article, o Options, body *richtext.Text) *discordgo.MessageEmbed {
	e := &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Color: o.Colour & 0xFFFFFF}
	e.Title = discordmd.RenderLimit(richtext.Doc(richtext.Para(richtext.Str(oneLine(a.Title)))), DiscordTitle)
	if e.Title == "" && richtext.SafeURL(a.URL) {
		// An embed's link shows only on its title: the address stands in.
		e.Title = richtext.TruncateString(strings.TrimSpace(a.URL), DiscordTitle, richtext.Runes)
	}
	if richtext.SafeURL(a.URL) {
		e.URL = strings.TrimSpace(a.URL)
	}
	used := richtext.Runes(e.Title)
	if name := oneLine(a.Author); name != "" {
		e.Author = &discordgo.MessageEmbedAuthor{Name: discordmd.Defuse(richtext.TruncateString(name, DiscordAuthor, richtext.Runes))}
		used += richtext.Runes(e.Author.Name)
	}
	if feed := oneLine(o.FeedName); feed != "" {
		e.Footer = &discordgo.MessageEmbedFooter{Text: discordmd.Defuse(richtext.TruncateString(feed, DiscordFooter, richtext.Runes))}
		used += richtext.Runes(e.Footer.Text)
	}
	if richtext.SafeURL(a.Image) {
		e.Image = &discordgo.MessageEmbedImage{URL: strings.TrimSpace(a.Image)}
	}
	if !a.Published.IsZero() {
		e.Timestamp = a.Published.UTC().Format(time.RFC3339)
	}
	desc := a.Summary
	if body != nil {
		desc = *body
	}
	if room := min(DiscordDescription, DiscordEmbedsTotal-used); room > 0 {
		e.Description = discordmd.RenderLimit(desc, room)
	}
	return e
}

// DiscordComment is the content of a mirrored comment, split into parts of
// at most 2000 characters. Without a webhook the first part starts with
// "**Name** (Platform): "; through a webhook (which shows the author's name
// and avatar itself, and cannot reply) a reply starts with a short quote
// of its parent.
func DiscordComment(c bot.Comment, parent *bot.Comment, viaWebhook bool) ([]string, error) {
	if c.Body.IsEmpty() {
		return nil, fmt.Errorf("discord comment %d: %w", c.ID, ErrEmpty)
	}
	t := c.Body
	if !viaWebhook {
		label := " "
		if p := platformName(c.Author.Platform); p != "" {
			label = " (" + p + "): "
		}
		if b := richtext.Normalize(t).Blocks; len(b) > 0 && b[0].Kind != richtext.Paragraph {
			label = strings.TrimRight(label, " ") // the prefix gets a line of its own
		}
		t = withPrefix(t, richtext.B(richtext.Str(authorName(c.Author))), richtext.Str(label))
	} else if parent != nil {
		t = richtext.Normalize(t)
		t.Blocks = append([]richtext.Node{parentQuote(parent, 100)}, t.Blocks...)
	}
	// Cut a comment longer than the allowed parts can hold, then shrink
	// until the parts are few enough (markup makes the rendering longer).
	budget := MaxCommentParts * DiscordContent
	whole := t
	if richtext.Runes(t.PlainText()) > budget {
		t = richtext.Truncate(t, budget, richtext.Runes)
	}
	parts := discordmd.SplitLimit(t, DiscordContent)
	for len(parts) > MaxCommentParts && budget > 0 {
		budget = budget * 9 / 10
		parts = discordmd.SplitLimit(richtext.Truncate(whole, budget, richtext.Runes), DiscordContent)
	}
	return parts, nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
