package matrixhtml

import (
	"strings"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/richtext"
)

// Parse reads an incoming message's content: formatted_body when it is
// HTML, else the plain body. Reply fallbacks (<mx-reply> and the quoted
// lines of a plain reply) are removed, and user pills
// (https://matrix.to/#/@user:server) become mentions.
func Parse(c *event.MessageEventContent) richtext.Text {
	if c == nil {
		return richtext.Text{}
	}
	cp := *c
	cp.RemoveReplyFallback()
	if cp.Format == event.FormatHTML && strings.TrimSpace(cp.FormattedBody) != "" {
		return ParseHTML(cp.FormattedBody)
	}
	body := cp.Body
	if cp.RelatesTo.GetReplyTo() != "" {
		body = event.TrimReplyFallbackText(body)
	}
	return richtext.FromPlain(body)
}

// ParseHTML reads Matrix HTML.
func ParseHTML(s string) richtext.Text {
	return richtext.FromHTMLWith(s, richtext.HTMLOptions{Mention: userPill})
}

// userPill recognises matrix.to and matrix: links to users.
func userPill(href string) (string, bool) {
	if !strings.HasPrefix(href, "https://matrix.to/") && !strings.HasPrefix(href, "matrix:") {
		return "", false
	}
	uri, err := id.ParseMatrixURIOrMatrixToURL(href)
	if err != nil || uri == nil || uri.Sigil1 != '@' || !validUser(string(uri.UserID())) {
		return "", false
	}
	return string(uri.UserID()), true
}

// validUser says whether s is a user id with a localpart and a server,
// the only kind HTML writes as a pill.
func validUser(s string) bool {
	if !strings.HasPrefix(s, "@") {
		return false
	}
	local, server, err := id.UserID(s).Parse()
	return err == nil && local != "" && server != ""
}
