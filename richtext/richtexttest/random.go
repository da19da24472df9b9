package richtexttest

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/heraldchat/herald/richtext"
)

// words mixes ordinary text, right-to-left text, clusters that must not be
// split, and characters every markup language treats specially.
var words = []string{
	"alpha", "beta", "gamma", "مرحبا", "بالعالم", "عَرَبِيّ", "👩‍👩‍👧‍👦", "🇸🇦", "café", "e\u0301",
	"x*y", "a_b", "~~", "||", "`tick`", "<@123>", "<@&1>", "@everyone", "@here", "@room", "[x](y)",
	"#", "> no", "-", "1.", "\\", "<b>", "&amp;", "*", "_", "__init__", "**", "]", "(", ")", "!", "<script>",
}

// Gen makes random texts for property tests: every kind the three
// converters share (not images, which become links, nor mentions, which
// only their own platform can show), without spaces at the edges of
// formatting (where Markdown cannot put them) and without bare URLs in
// text (which Discord turns into links).
type Gen struct{ R *rand.Rand }

// Text is a random text of one to four blocks.
func (g Gen) Text() richtext.Text {
	n := 1 + g.R.IntN(4)
	var t richtext.Text
	for range n {
		t.Blocks = append(t.Blocks, g.block())
	}
	return richtext.Normalize(t)
}

func (g Gen) block() richtext.Node {
	switch g.R.IntN(8) {
	case 0:
		return richtext.H(1+g.R.IntN(3), g.inlines(0, false)...)
	case 1:
		return richtext.Pre([]string{"", "go", "py"}[g.R.IntN(3)], g.code(true))
	case 2:
		q := richtext.Q(richtext.Para(g.inlines(0, true)...))
		if g.R.IntN(2) == 0 {
			q.Children = append(q.Children, richtext.Para(g.inlines(0, true)...))
		}
		return q
	case 3:
		l := richtext.Node{Kind: richtext.List, Ordered: g.R.IntN(2) == 0}
		for range 1 + g.R.IntN(3) {
			l.Children = append(l.Children, richtext.Li(richtext.Para(g.inlines(0, false)...)))
		}
		return l
	}
	return richtext.Para(g.inlines(0, true)...)
}

func (g Gen) phrase() string {
	n := 1 + g.R.IntN(3)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = words[g.R.IntN(len(words))]
	}
	return strings.Join(parts, " ")
}

func (g Gen) code(multiline bool) string {
	var b strings.Builder
	for i := range 1 + g.R.IntN(4) {
		if i > 0 {
			if multiline && g.R.IntN(2) == 0 {
				b.WriteString("\n")
			} else {
				b.WriteString(" ")
			}
		}
		b.WriteString([]string{"x := 1", "```", "`", "a``b", "<p>", "@everyone", "f(*p)", "مرحبا"}[g.R.IntN(8)])
	}
	return b.String()
}

// inlines is a run of inline nodes; breaks are allowed where lines are.
func (g Gen) inlines(depth int, breaks bool) []richtext.Node {
	var out []richtext.Node
	n := 1 + g.R.IntN(4)
	for i := range n {
		if i > 0 {
			switch g.R.IntN(3) {
			case 0:
				out = append(out, richtext.Str(" "))
			case 1:
				if breaks {
					out = append(out, richtext.Br())
				}
			}
		}
		out = append(out, g.inline(depth, breaks))
	}
	return out
}

func (g Gen) inline(depth int, breaks bool) richtext.Node {
	if depth > 2 {
		return richtext.Str(g.phrase())
	}
	switch g.R.IntN(10) {
	case 0:
		return richtext.B(g.inlines(depth+1, false)...)
	case 1:
		return richtext.I(g.inlines(depth+1, false)...)
	case 2:
		return richtext.U(g.inlines(depth+1, false)...)
	case 3:
		return richtext.S(g.inlines(depth+1, false)...)
	case 4:
		return richtext.Sp(g.inlines(depth+1, false)...)
	case 5:
		return richtext.C(g.code(false))
	case 6:
		return richtext.A(fmt.Sprintf("https://example.com/p/%d?q=a_b*c", g.R.IntN(100)), richtext.Str(g.label()))
	}
	return richtext.Str(g.phrase())
}

// label is link text that does not look like an address.
func (g Gen) label() string {
	return []string{"the story", "مقال", "read *this*", "click [here]", "a_b", "👩‍👩‍👧‍👦 news"}[g.R.IntN(6)]
}
