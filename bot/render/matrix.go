package render

import (
	"fmt"
	"strings"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/richtext/matrixhtml"
)

// MatrixArticle is the event content that posts an article: m.notice (m.text
// with o.MatrixText), HTML with the title as a link, the summary, the image
// as a link and the source; the plain body says the same. It carries an
// empty m.mentions and stays under MatrixArticleBytes.
func MatrixArticle(a bot.Article, o Options) (*event.MessageEventContent, error) {
	body, err := articleBody(a, o)
	if err != nil {
		return nil, fmt.Errorf("render matrix article %q: %w", a.Title, err)
	}
	summary := a.Summary
	if body != nil {
		summary = *body
	}
	t := articleText(a, o.FeedName, summary)
	msgtype := event.MsgNotice
	if o.MatrixText {
		msgtype = event.MsgText
	}
	return matrixhtml.FitContent(t, msgtype, MatrixArticleBytes), nil
}

// articleText lays an article out as rich text: title (a link), summary,
// image link, then "Source" line. Truncation cuts from the end, so the
// source line goes last only when everything fits; it is short, and the
// title link already says where the article is.
func articleText(a bot.Article, feed string, summary richtext.Text) richtext.Text {
	title := richtext.Str(oneLine(a.Title))
	if title.Text == "" {
		title.Text = a.URL
	}
	var head richtext.Node
	if richtext.SafeURL(a.URL) {
		head = richtext.Para(richtext.B(richtext.A(strings.TrimSpace(a.URL), title)))
	} else {
		head = richtext.Para(richtext.B(title))
	}
	t := richtext.Doc(head)
	t.Blocks = append(t.Blocks, richtext.Normalize(summary).Blocks...)
	if richtext.SafeURL(a.Image) {
		t.Blocks = append(t.Blocks, richtext.Para(richtext.Img(strings.TrimSpace(a.Image), "Image")))
	}
	var source []richtext.Node
	if f := oneLine(feed); f != "" {
		source = append(source, richtext.Str(f))
	}
	if a := oneLine(a.Author); a != "" {
		if len(source) > 0 {
			source = append(source, richtext.Str(" · "))
		}
		source = append(source, richtext.Str(a))
	}
	if len(source) > 0 {
		t.Blocks = append(t.Blocks, richtext.Para(richtext.I(source...)))
	}
	return t
}

// MatrixComment is the event content of a mirrored comment, in parts; the
// caller adds the thread relation (and the reply-to, which Matrix keeps).
// Each part carries the MSC4144 per-message profile under its unstable
// name com.beeper.per_message_profile (the MSC says to use it until the
// MSC is accepted) with the author's name as a bold fallback prefix, and
// an empty m.mentions.
func MatrixComment(c bot.Comment, parent *bot.Comment) ([]*event.MessageEventContent, error) {
	_ = parent // Matrix keeps replies as relations: nothing to quote
	if c.Body.IsEmpty() {
		return nil, fmt.Errorf("matrix comment %d: %w", c.ID, ErrEmpty)
	}
	// Body and HTML each hold the text, so the parts hold at most half
	// their bytes of it: cut longer comments first, then shrink until the
	// parts are few enough (markup takes room too).
	budget := MaxCommentParts * MatrixCommentBytes / 2
	body := c.Body
	if richtext.Bytes(body.PlainText()) > budget {
		body = richtext.Truncate(body, budget, richtext.Bytes)
	}
	parts := matrixhtml.SplitContent(body, event.MsgText, MatrixCommentBytes)
	for len(parts) > MaxCommentParts && budget > 0 {
		budget = budget * 9 / 10
		parts = matrixhtml.SplitContent(richtext.Truncate(c.Body, budget, richtext.Bytes), event.MsgText, MatrixCommentBytes)
	}
	profile := commentProfile(c.Author)
	for _, p := range parts {
		pp := *profile
		p.BeeperPerMessageProfile = &pp
		p.AddPerMessageProfileFallback()
	}
	return parts, nil
}

// commentProfile is the per-message profile for an author from another
// platform. MSC4144 caps id and displayname at 255 bytes; avatars must be
// mxc:// URIs, so other avatar URLs are left out (the adapter may upload
// them and set an mxc URI).
func commentProfile(a bot.Author) *event.BeeperPerMessageProfile {
	name := authorName(a)
	if p := platformName(a.Platform); p != "" {
		name += " (" + p + ")"
	}
	name = matrixhtml.DefuseRoom(richtext.TruncateString(name, MatrixProfileBytes, richtext.Bytes))
	pid := richtext.TruncateString(string(a.Platform)+":"+string(a.ID), MatrixProfileBytes, richtext.Bytes)
	p := &event.BeeperPerMessageProfile{ID: pid, Displayname: name}
	if strings.HasPrefix(a.AvatarURL, "mxc://") {
		u := id.ContentURIString(a.AvatarURL)
		if _, err := u.Parse(); err == nil {
			p.AvatarURL = &u
		}
	}
	return p
}
