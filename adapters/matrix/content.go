package matrix

import (
	"fmt"
	"html"
	"log/slog"
	"strings"

	"maunium.net/go/mautrix/event"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/bot/render"
)

// articleContent is the event content of an article, from the renderer; a
// plain fallback (title and link) when the renderer fails, so an article is
// never lost to a formatting problem.
func (a *Adapter) articleContent(art bot.Article) *event.MessageEventContent {
	c, err := render.MatrixArticle(art, a.opt.Render)
	if err == nil && c != nil {
		return c
	}
	a.log.Warn("matrix article renderer failed, posting a plain fallback",
		slog.Int64("article_id", art.ID), slog.Any("error", err))
	msgType := event.MsgNotice
	if a.opt.Render.MatrixText {
		msgType = event.MsgText
	}
	body := strings.TrimSpace(art.Title + "\n" + art.URL)
	if body == "" {
		body = fmt.Sprintf("article %d", art.ID)
	}
	return &event.MessageEventContent{MsgType: msgType, Body: body, Mentions: &event.Mentions{}}
}

// commentContent is the event content of a mirrored comment in parts, from
// the renderer; a plain "Name: text" fallback when the renderer fails.
func (a *Adapter) commentContent(c bot.Comment, parent *bot.Comment) []*event.MessageEventContent {
	parts, err := render.MatrixComment(c, parent)
	if err == nil && len(parts) > 0 {
		return parts
	}
	a.log.Warn("matrix comment renderer failed, posting a plain fallback",
		slog.Int64("comment_id", c.ID), slog.Any("error", err))
	name := c.Author.Name
	if name == "" {
		name = string(c.Author.ID)
	}
	body := c.Body.PlainText()
	return []*event.MessageEventContent{{
		MsgType:       event.MsgText,
		Body:          name + ": " + body,
		Format:        event.FormatHTML,
		FormattedBody: "<b>" + html.EscapeString(name) + "</b>: " + strings.ReplaceAll(html.EscapeString(body), "\n", "<br>"),
		Mentions:      &event.Mentions{},
	}}
}
