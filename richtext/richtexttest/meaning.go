// Package richtexttest holds helpers for testing rich-text converters: a
// precise notion of what a text means, a generator of random texts, and
// safety checks on rendered output. Only tests import it.
package richtexttest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/heraldchat/herald/richtext"
)

// Span is one piece of formatting over a range of a text's content.
type Span struct {
	Kind       richtext.Kind
	Start, End int    // byte offsets into the content string
	Attr       string // link URL, mention id, heading level, code language, list order
}

func (s Span) String() string { return fmt.Sprintf("%s[%d:%d]%s", s.Kind, s.Start, s.End, s.Attr) }

// Meaning is what a text says, as two converters must agree on it: its
// content (the characters shown, blocks separated by a blank line, line
// breaks as newlines) and the set of formatting spans over that content.
// Nesting order does not count (bold-in-italic means italic-in-bold), and
// touching or overlapping inline spans of one kind merge (**a****b** is
// **ab**).
func Meaning(t richtext.Text) (string, []Span) {
	w := &walker{}
	w.blocks(richtext.Normalize(t).Blocks)
	return w.b.String(), mergeSpans(w.spans)
}

type walker struct {
	b     strings.Builder
	spans []Span
}

func (w *walker) blocks(nodes []richtext.Node) {
	for i, n := range nodes {
		if i > 0 {
			w.b.WriteString("\n\n")
		}
		w.node(n)
	}
}

func (w *walker) inlines(nodes []richtext.Node) {
	for _, n := range nodes {
		w.node(n)
	}
}

func (w *walker) span(k richtext.Kind, attr string, body func()) {
	start := w.b.Len()
	body()
	w.spans = append(w.spans, Span{Kind: k, Start: start, End: w.b.Len(), Attr: attr})
}

func (w *walker) node(n richtext.Node) {
	switch n.Kind {
	case richtext.Plain:
		w.b.WriteString(n.Text)
	case richtext.LineBreak:
		w.b.WriteString("\n")
	case richtext.Paragraph:
		w.inlines(n.Children)
	case richtext.Heading:
		w.span(n.Kind, fmt.Sprint(n.Level), func() { w.inlines(n.Children) })
	case richtext.Quote, richtext.ListItem:
		w.span(n.Kind, "", func() { w.blocks(n.Children) })
	case richtext.List:
		w.span(n.Kind, fmt.Sprint(n.Ordered), func() { w.blocks(n.Children) })
	case richtext.CodeBlock:
		w.span(n.Kind, n.Lang, func() { w.b.WriteString(n.Text) })
	case richtext.Code:
		w.span(n.Kind, "", func() { w.b.WriteString(n.Text) })
	case richtext.Link:
		w.span(n.Kind, n.URL, func() { w.inlines(n.Children) })
	case richtext.Mention:
		w.span(n.Kind, n.ID, func() { w.b.WriteString("@" + n.Text) })
	case richtext.Image:
		w.span(n.Kind, n.URL, func() { w.b.WriteString(n.Text) })
	default:
		w.span(n.Kind, "", func() { w.inlines(n.Children) })
	}
}

func mergeSpans(spans []Span) []Span {
	sort.Slice(spans, func(i, j int) bool {
		a, b := spans[i], spans[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Attr != b.Attr {
			return a.Attr < b.Attr
		}
		if a.Start != b.Start {
			return a.Start < b.Start
		}
		return a.End < b.End
	})
	var out []Span
	for _, s := range spans {
		if s.Start == s.End {
			continue
		}
		if n := len(out); n > 0 && inlineKind(s.Kind) && out[n-1].Kind == s.Kind && out[n-1].Attr == s.Attr && s.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, s.End)
			continue
		}
		out = append(out, s)
	}
	return out
}

func inlineKind(k richtext.Kind) bool { return !richtext.IsBlock(k) }

// SameMeaning reports how two texts differ in meaning, or "" if they agree.
func SameMeaning(a, b richtext.Text) string {
	pa, sa := Meaning(a)
	pb, sb := Meaning(b)
	if pa != pb {
		return fmt.Sprintf("content differs:\n%q\n%q", pa, pb)
	}
	if fmt.Sprint(sa) != fmt.Sprint(sb) {
		return fmt.Sprintf("spans differ over %q:\n%v\n%v", pa, sa, sb)
	}
	return ""
}
