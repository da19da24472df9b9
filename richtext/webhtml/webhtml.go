// Package webhtml renders richtext.Text as HTML for Herald's web pages.
//
// The output is a template.HTML built only from escaped text and a fixed
// set of tags written here, so it is safe to put in an html/template
// without further escaping: no attribute comes from input except link
// targets, which must be http, https or mailto and are escaped.
package webhtml

import (
	"html"
	"html/template"
	"strconv"
	"strings"

	"github.com/heraldchat/herald/richtext"
)

// LinkRel is on every link: the targets are user or feed content.
const LinkRel = "nofollow ugc noopener"

// HTML renders a text. Every text block carries dir="auto" so Arabic and
// English paragraphs each take their own direction.
func HTML(t richtext.Text) template.HTML {
	t = richtext.Normalize(t)
	var b strings.Builder
	writeBlocks(&b, t.Blocks)
	return template.HTML(b.String()) //nolint:gosec // built from escaped pieces only
}

// Inline renders a text as inline HTML (no block tags), for one-line
// places such as a title; blocks are joined with line breaks.
func Inline(t richtext.Text) template.HTML {
	t = richtext.Normalize(t)
	var b strings.Builder
	for i, n := range t.Blocks {
		if i > 0 {
			b.WriteString("<br>")
		}
		switch n.Kind {
		case richtext.Paragraph, richtext.Heading:
			writeInlines(&b, n.Children)
		default:
			b.WriteString(html.EscapeString(richtext.InlineText([]richtext.Node{n})))
		}
	}
	return template.HTML(b.String()) //nolint:gosec // built from escaped pieces only
}

// Attr escapes a string for an attribute value or text.
func Attr(s string) string { return html.EscapeString(s) }

func writeBlocks(b *strings.Builder, blocks []richtext.Node) {
	for _, n := range blocks {
		writeBlock(b, n)
	}
}

func writeBlock(b *strings.Builder, n richtext.Node) {
	switch n.Kind {
	case richtext.Paragraph:
		b.WriteString(`<p dir="auto">`)
		writeInlines(b, n.Children)
		b.WriteString("</p>")
	case richtext.Heading:
		// The page's own title is the h1/h2; content headings sit below.
		tag := "h" + strconv.Itoa(min(max(n.Level, 1)+2, 6))
		b.WriteString("<" + tag + ` dir="auto">`)
		writeInlines(b, n.Children)
		b.WriteString("</" + tag + ">")
	case richtext.CodeBlock:
		b.WriteString(`<pre dir="ltr"><code>` + html.EscapeString(n.Text) + "</code></pre>")
	case richtext.Quote:
		b.WriteString(`<blockquote dir="auto">`)
		writeBlocks(b, n.Children)
		b.WriteString("</blockquote>")
	case richtext.List:
		tag := "ul"
		if n.Ordered {
			tag = "ol"
		}
		b.WriteString("<" + tag + ` dir="auto">`)
		for _, item := range n.Children {
			b.WriteString(`<li dir="auto">`)
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
		b.WriteString(`<p dir="auto">`)
		writeInlines(b, []richtext.Node{n})
		b.WriteString("</p>")
	}
}

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

func wrap(b *strings.Builder, open, close string, children []richtext.Node) {
	b.WriteString(open)
	writeInlines(b, children)
	b.WriteString(close)
}

// writeLink writes an anchor for a safe target, or just the label
// otherwise: a javascript: or data: target must not become clickable.
func writeLink(b *strings.Builder, target string, label func()) {
	if !richtext.SafeURL(target) {
		label()
		return
	}
	b.WriteString(`<a href="` + html.EscapeString(strings.TrimSpace(target)) + `" rel="` + LinkRel + `">`)
	label()
	b.WriteString("</a>")
}

func writeInline(b *strings.Builder, n richtext.Node) {
	switch n.Kind {
	case richtext.Plain:
		b.WriteString(html.EscapeString(n.Text))
	case richtext.LineBreak:
		b.WriteString("<br>")
	case richtext.Bold:
		wrap(b, "<strong>", "</strong>", n.Children)
	case richtext.Italic:
		wrap(b, "<em>", "</em>", n.Children)
	case richtext.Underline:
		wrap(b, "<u>", "</u>", n.Children)
	case richtext.Strike:
		wrap(b, "<del>", "</del>", n.Children)
	case richtext.Spoiler:
		wrap(b, `<span class="spoiler">`, "</span>", n.Children)
	case richtext.Code:
		b.WriteString("<code>" + html.EscapeString(n.Text) + "</code>")
	case richtext.Link:
		label := richtext.Flatten(n.Children, richtext.Link, richtext.Image, richtext.Mention) // anchors do not nest
		writeLink(b, n.URL, func() { writeInlines(b, label) })
	case richtext.Image:
		// Inline images are links: a page that loads whatever a feed or a
		// commenter points at would let them track readers.
		label := n.Text
		if label == "" {
			label = n.URL
		}
		writeLink(b, n.URL, func() { b.WriteString(html.EscapeString(label)) })
	case richtext.Mention:
		b.WriteString(`<span class="mention">` + html.EscapeString("@"+n.Text) + "</span>")
	default:
		if richtext.IsBlock(n.Kind) {
			b.WriteString(html.EscapeString(richtext.InlineText([]richtext.Node{n})))
			return
		}
		writeInlines(b, n.Children)
	}
}
