// Package matrixhtml converts between richtext.Text and Matrix message
// content: the HTML of formatted_body, restricted to the tags the Matrix
// spec lets clients render, and the plain body beside it.
//
// The plain body is derived from the HTML with mautrix's format.HTMLToText,
// the same conversion mautrix bridges use, so the two always say the same.
// Reading HTML back builds on richtext.FromHTMLWith: mautrix's HTMLParser
// flattens HTML to a string, and Herald needs the tree.
package matrixhtml

import (
	"encoding/json"
	"html"
	"regexp"
	"strconv"
	"strings"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/richtext"
)

// HTML renders a text as formatted_body HTML. Only spec-listed tags are
// used; links go only to http, https and mailto; images (which Matrix
// shows only from mxc:// URLs) become links; users are matrix.to pills.
func HTML(t richtext.Text) string {
	t = richtext.Normalize(t)
	var b strings.Builder
	if len(t.Blocks) == 1 && t.Blocks[0].Kind == richtext.Paragraph {
		// One paragraph needs no <p>: clients would add a margin.
		writeInlines(&b, t.Blocks[0].Children)
	} else {
		writeBlocks(&b, t.Blocks)
	}
	return b.String()
}

// Body is the plain body that goes with HTML(t).
func Body(t richtext.Text) string {
	return DefuseRoom(format.HTMLToText(HTML(t)))
}

var roomRe = regexp.MustCompile(`(?i)@room\b`)

// DefuseRoom puts a zero-width space after the @ of "@room", so a client
// that still matches the legacy push rule on the body cannot notify the
// whole room. m.mentions on every event is the main guard; this is the
// second.
func DefuseRoom(s string) string {
	return roomRe.ReplaceAllStringFunc(s, func(m string) string { return "@\u200b" + m[1:] })
}

// Content is m.room.message content for a text: msgtype, plain body, HTML
// and an empty m.mentions, which tells clients the body mentions no one.
func Content(t richtext.Text, msgtype event.MessageType) *event.MessageEventContent {
	return &event.MessageEventContent{
		MsgType:       msgtype,
		Body:          Body(t),
		Format:        event.FormatHTML,
		FormattedBody: HTML(t),
		Mentions:      &event.Mentions{},
	}
}

// Size is how many bytes body and formatted_body take in the event's JSON.
func Size(c *event.MessageEventContent) int {
	return jsonBytes(c.Body) + jsonBytes(c.FormattedBody)
}

// jsonBytes measures a string as it will be escaped in event JSON, without
// the quotes. It is additive, as richtext.Measure requires.
func jsonBytes(s string) int {
	b, _ := json.Marshal(s) // a string always marshals
	return len(b) - 2
}

// SplitContent renders a text as one or more contents whose body and
// formatted_body together take at most limit bytes of JSON each, split at
// paragraph, line, word and grapheme boundaries in that order.
func SplitContent(t richtext.Text, msgtype event.MessageType, limit int) []*event.MessageEventContent {
	parts := richtext.SplitText(t, limit, jsonBytes, func(p richtext.Text) string {
		return HTML(p) + Body(p) // both fields measured together
	})
	out := make([]*event.MessageEventContent, 0, len(parts))
	for _, p := range parts {
		out = append(out, Content(p, msgtype))
	}
	return out
}

// FitContent renders a text as one content within limit JSON bytes,
// truncating it when needed.
func FitContent(t richtext.Text, msgtype event.MessageType, limit int) *event.MessageEventContent {
	both := func(p richtext.Text) string { return HTML(p) + Body(p) }
	if jsonBytes(both(t)) <= limit {
		return Content(t, msgtype)
	}
	if richtext.Bytes(t.PlainText()) > 2*limit {
		t = richtext.Truncate(t, 2*limit, richtext.Bytes) // later steps work on less
	}
	fit := richtext.TruncateFunc(t, func(p richtext.Text) bool { return jsonBytes(both(p)) <= limit })
	if len(fit.Blocks) == 0 {
		fit = richtext.Doc(richtext.Para(richtext.Str(richtext.Ellipsis)))
	}
	return Content(fit, msgtype)
}

func writeBlocks(b *strings.Builder, blocks []richtext.Node) {
	for _, n := range blocks {
		writeBlock(b, n)
	}
}

func writeBlock(b *strings.Builder, n richtext.Node) {
	switch n.Kind {
	case richtext.Paragraph:
		b.WriteString("<p>")
		writeInlines(b, n.Children)
		b.WriteString("</p>")
	case richtext.Heading:
		level := min(max(n.Level, 1), 6)
		tag := "h" + strconv.Itoa(level)
		b.WriteString("<" + tag + ">")
		writeInlines(b, n.Children)
		b.WriteString("</" + tag + ">")
	case richtext.CodeBlock:
		b.WriteString("<pre><code")
		if lang := richtext.CleanLang(n.Lang); lang != "" {
			b.WriteString(` class="language-` + lang + `"`)
		}
		b.WriteString(">" + html.EscapeString(n.Text) + "</code></pre>")
	case richtext.Quote:
		b.WriteString("<blockquote>")
		writeBlocks(b, n.Children)
		b.WriteString("</blockquote>")
	case richtext.List:
		tag := "ul"
		if n.Ordered {
			tag = "ol"
		}
		b.WriteString("<" + tag + ">")
		for _, item := range n.Children {
			b.WriteString("<li>")
			if item.Kind == richtext.ListItem {
				writeItem(b, item.Children)
			} else {
				writeBlock(b, item)
			}
			b.WriteString("</li>")
		}
		b.WriteString("</" + tag + ">")
	case richtext.ListItem:
		writeItem(b, n.Children)
	default:
		b.WriteString("<p>")
		writeInlines(b, []richtext.Node{n})
		b.WriteString("</p>")
	}
}

// writeItem writes a list item; a lone paragraph needs no <p>.
func writeItem(b *strings.Builder, blocks []richtext.Node) {
	if len(blocks) > 0 && blocks[0].Kind == richtext.Paragraph {
		writeInlines(b, blocks[0].Children)
		blocks = blocks[1:]
	}
	writeBlocks(b, blocks)
}

func writeInlines(b *strings.Builder, nodes []richtext.Node) {
	for _, n := range nodes {
		writeInline(b, n)
	}
}

func wrapTag(b *strings.Builder, open, close string, children []richtext.Node) {
	b.WriteString(open)
	writeInlines(b, children)
	b.WriteString(close)
}

func writeInline(b *strings.Builder, n richtext.Node) {
	switch n.Kind {
	case richtext.Plain:
		b.WriteString(html.EscapeString(n.Text))
	case richtext.LineBreak:
		b.WriteString("<br>")
	case richtext.Bold:
		wrapTag(b, "<strong>", "</strong>", n.Children)
	case richtext.Italic:
		wrapTag(b, "<em>", "</em>", n.Children)
	case richtext.Underline:
		wrapTag(b, "<u>", "</u>", n.Children)
	case richtext.Strike:
		wrapTag(b, "<del>", "</del>", n.Children)
	case richtext.Spoiler:
		wrapTag(b, "<span data-mx-spoiler>", "</span>", n.Children)
	case richtext.Code:
		b.WriteString("<code>" + html.EscapeString(n.Text) + "</code>")
	case richtext.Link:
		if !richtext.SafeURL(n.URL) {
			writeInlines(b, n.Children)
			return
		}
		label := richtext.Flatten(n.Children, richtext.Link, richtext.Image, richtext.Mention) // <a> does not nest
		wrapTag(b, `<a href="`+html.EscapeString(strings.TrimSpace(n.URL))+`">`, "</a>", label)
	case richtext.Image:
		label := n.Text
		if label == "" {
			label = n.URL
		}
		if !richtext.SafeURL(n.URL) {
			b.WriteString(html.EscapeString(label))
			return
		}
		b.WriteString(`<a href="` + html.EscapeString(n.URL) + `">` + html.EscapeString(label) + "</a>")
	case richtext.Mention:
		if validUser(n.ID) {
			name := n.Text
			if name == "" {
				name = n.ID
			}
			b.WriteString(`<a href="` + html.EscapeString(id.UserID(n.ID).URI().MatrixToURL()) + `">` + html.EscapeString(name) + "</a>")
			return
		}
		b.WriteString(html.EscapeString("@" + n.Text))
	case richtext.CodeBlock:
		b.WriteString("<code>" + html.EscapeString(n.Text) + "</code>")
	default:
		if richtext.IsBlock(n.Kind) {
			b.WriteString(html.EscapeString(richtext.InlineText([]richtext.Node{n})))
			return
		}
		writeInlines(b, n.Children)
	}
}
