// Package render turns articles and comments into the exact payloads each
// platform receives, within each platform's limits, using the rich-text
// converters. Adapters and `herald preview` call it.
package render

import (
	"errors"
	"strings"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
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

// ErrEmpty means a comment has no text to show (an attachment alone, say);
// the caller decides whether to post something else or nothing.
var ErrEmpty = errors.New("render: comment has no text")

// Discord's documented limits, in characters.
const (
	DiscordContent     = 2000
	DiscordTitle       = 256
	DiscordDescription = 4096
	DiscordFooter      = 2048
	DiscordAuthor      = 256
	DiscordEmbedsTotal = 6000
)

// Matrix sizes, in bytes of event JSON. An event may be 65,536 bytes in
// all; these caps keep body plus formatted_body far below that, leaving
// room for relations, profiles and the server's own fields.
const (
	MatrixArticleBytes = 24_000
	MatrixCommentBytes = 16_000
	MatrixProfileBytes = 255 // MSC4144: id and displayname
)

// MaxCommentParts bounds how many messages one comment may become; longer
// comments are truncated (with an ellipsis) to fit that many.
const MaxCommentParts = 4

// platformName is how a platform is named next to an author.
func platformName(p bot.Platform) string {
	switch p {
	case bot.Discord:
		return "Discord"
	case bot.Matrix:
		return "Matrix"
	case bot.Web:
		return "Web"
	case bot.Source:
		return "comments"
	}
	if p == "" {
		return ""
	}
	return strings.ToUpper(string(p[:1])) + string(p[1:])
}

// authorName is a display name fit for any platform: one line, not empty.
func authorName(a bot.Author) string {
	name := strings.Join(strings.Fields(a.Name), " ")
	if name == "" {
		name = string(a.ID)
	}
	if name == "" {
		name = "someone"
	}
	return name
}

// withPrefix puts inline nodes before the first paragraph of a text (or in
// a paragraph of their own when the text starts with another block).
func withPrefix(t richtext.Text, prefix ...richtext.Node) richtext.Text {
	t = richtext.Normalize(t)
	blocks := append([]richtext.Node(nil), t.Blocks...)
	if len(blocks) > 0 && blocks[0].Kind == richtext.Paragraph {
		first := blocks[0]
		first.Children = append(append([]richtext.Node(nil), prefix...), first.Children...)
		blocks[0] = first
		return richtext.Text{Blocks: blocks}
	}
	return richtext.Text{Blocks: append([]richtext.Node{richtext.Para(prefix...)}, blocks...)}
}

// parentQuote is a short quote of the comment replied to.
func parentQuote(parent *bot.Comment, maxRunes int) richtext.Node {
	text := strings.Join(strings.Fields(parent.Body.PlainText()), " ")
	text = richtext.TruncateString(text, maxRunes, richtext.Runes)
	return richtext.Q(richtext.Para(richtext.B(richtext.Str(authorName(parent.Author))), richtext.Str(": "+text)))
}
