// Package render turns articles and comments into the exact payloads each
// platform receives, within each platform's limits, using the rich-text
// converters. Adapters and `herald preview` call it.
package render

import (
	"errors"
	"html/template"

	"github.com/bwmarrin/discordgo"
	"maunium.net/go/mautrix/event"

	"github.com/heraldchat/herald/bot"
)

// Options are a route's (or feed's) formatting choices.
type Options struct {
	FeedName    string
	Colour      int    // Discord embed colour
	PlainText   bool   // Discord: plain content instead of an embed
	Template    string // text/template over the article's fields; empty means the default
	MentionRole string // Discord role id to ping; empty pings nobody
	MatrixText  bool   // Matrix: m.text instead of m.notice
}

var errNotBuilt = errors.New("render: not built yet")

// DiscordArticle is the REST message body that posts an article.
func DiscordArticle(a bot.Article, o Options) (*discordgo.MessageSend, error) {
	return nil, errNotBuilt
}

// DiscordComment is the content of a mirrored comment, split into parts of
// at most 2000 characters. quoteParent is set when the comment replies to a
// message that cannot be referenced (webhooks cannot reply).
func DiscordComment(c bot.Comment, parent *bot.Comment, viaWebhook bool) ([]string, error) {
	return nil, errNotBuilt
}

// MatrixArticle is the event content that posts an article.
func MatrixArticle(a bot.Article, o Options) (*event.MessageEventContent, error) {
	return nil, errNotBuilt
}

// MatrixComment is the event content of a mirrored comment, in parts; the
// caller adds the thread relation.
func MatrixComment(c bot.Comment, parent *bot.Comment) ([]*event.MessageEventContent, error) {
	return nil, errNotBuilt
}

// WebArticle is the article card for the web page.
func WebArticle(a bot.Article) (template.HTML, error) {
	return "", errNotBuilt
}
