package richtext

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// Ellipsis ends truncated text.
const Ellipsis = "…"

// Measure says how long a string is by a platform's rule. It must be
// additive: m(a+b) == m(a)+m(b).
type Measure func(string) int

// Runes counts Unicode code points (Discord's limits).
func Runes(s string) int { return utf8.RuneCountInString(s) }

// Bytes counts UTF-8 bytes (Matrix's event size).
func Bytes(s string) int { return len(s) }

// wordSlack is how far back (in runes) a cut may move to land between words
// rather than inside one.
const wordSlack = 20

// TruncateString shortens s to at most max by m, cutting between grapheme
// clusters (never inside an Arabic letter with its marks, a combining
// sequence or an emoji ZWJ sequence), preferably between words, and ending
// with an ellipsis. s is returned unchanged when it fits.
func TruncateString(s string, max int, m Measure) string {
	if m(s) <= max {
		return s
	}
	budget := max - m(Ellipsis)
	if budget < 0 {
		return ""
	}
	cut, used := 0, 0
	lastSpace := -1
	state := -1
	rest := s
	for len(rest) > 0 {
		var cluster string
		cluster, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		w := m(cluster)
		if used+w > budget {
			break
		}
		if isSpaceString(cluster) {
			lastSpace = cut
		}
		used += w
		cut += len(cluster)
	}
	if lastSpace > 0 && Runes(s[lastSpace:cut]) <= wordSlack {
		cut = lastSpace
	}
	return strings.TrimRightFunc(s[:cut], unicode.IsSpace) + Ellipsis
}

func isSpaceString(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}

// Truncate shortens a text so that its PlainText measures at most max by m,
// ending it with an ellipsis. Cuts fall between grapheme clusters,
// preferably between words, and never inside a link, mention or image: one
// that does not fit is dropped whole (a half link would show a label that
// no longer says where it goes). A text that fits is returned unchanged.
func Truncate(t Text, max int, m Measure) Text {
	if m(t.PlainText()) <= max {
		return t
	}
	return truncateWith(t, m, max, func(x Text) bool { return m(x.PlainText()) <= max })
}

// TruncateFunc is the longest truncation of t, cut as Truncate cuts and
// ending in an ellipsis, for which fits holds: t itself when it fits, an
// empty text when not even an ellipsis does. fits must hold for every
// shorter truncation of a text it holds for.
func TruncateFunc(t Text, fits func(Text) bool) Text {
	if fits(t) {
		return t
	}
	return truncateWith(t, nil, 0, fits)
}

// truncateWith binary-searches the cut positions for the last one whose
// truncation fits. With m set, cuts whose content before them measures
// more than max are not considered (they cannot fit).
func truncateWith(t Text, m Measure, max int, fits func(Text) bool) Text {
	l := layoutOf(t)
	var graphemes []int
	if m != nil {
		graphemes = l.graphemeCutsUpTo(m, max)
	} else {
		graphemes = l.graphemeCuts()
	}
	cuts := append([]int{0}, l.filterCuts(graphemes, graphemes)...)
	i := sort.Search(len(cuts), func(i int) bool { return !fits(withEllipsis(t, cuts[i])) })
	if i == 0 {
		return Text{} // not even the ellipsis alone (cut 0) fits
	}
	k := cuts[i-1]
	if w := lastWordCut(l, cuts[:i], k); w > 0 {
		k = w
	}
	return withEllipsis(t, k)
}

// lastWordCut is the last cut in cuts just after white space, if it lies
// within wordSlack runes before k.
func lastWordCut(l layout, cuts []int, k int) int {
	for j := len(cuts) - 1; j >= 0; j-- {
		c := cuts[j]
		if Runes(l.content[c:k]) > wordSlack {
			return 0
		}
		if c > 0 && isSpaceByte(l.content[c-1]) {
			return c
		}
	}
	return 0
}

// withEllipsis is the text before content offset k, trimmed, with an
// ellipsis at the end of its last block.
func withEllipsis(t Text, k int) Text {
	head := Normalize(trimEnd(headAt(t, k)))
	if len(head.Blocks) == 0 {
		return Doc(Para(Str(Ellipsis)))
	}
	head.Blocks = appendToLast(head.Blocks, Str(Ellipsis))
	return head
}

// appendToLast adds an inline node at the end of the last leaf block.
func appendToLast(blocks []Node, n Node) []Node {
	out := append([]Node(nil), blocks...)
	last := &out[len(out)-1]
	switch last.Kind {
	case Quote, List, ListItem:
		if len(last.Children) > 0 {
			last.Children = appendToLast(last.Children, n)
			return out
		}
		last.Children = []Node{Para(n)}
	case CodeBlock:
		out = append(out, Para(n))
	default:
		last.Children = append(append([]Node(nil), last.Children...), n)
	}
	return out
}

// trimEnd removes white space and line breaks at the end of a text.
func trimEnd(t Text) Text {
	t.Blocks = trimNodesEnd(t.Blocks)
	return t
}

func trimNodesEnd(nodes []Node) []Node {
	out := append([]Node(nil), nodes...)
	for len(out) > 0 {
		last := &out[len(out)-1]
		switch last.Kind {
		case LineBreak:
			out = out[:len(out)-1]
			continue
		case Plain:
			last.Text = strings.TrimRightFunc(last.Text, unicode.IsSpace)
			if last.Text == "" {
				out = out[:len(out)-1]
				continue
			}
		case CodeBlock, Code, Image, Mention:
		default:
			last.Children = trimNodesEnd(last.Children)
			if len(last.Children) == 0 && last.Kind != ListItem {
				out = out[:len(out)-1]
				continue
			}
		}
		return out
	}
	return out
}

// trimStart removes white space and line breaks at the start of a text.
func trimStart(t Text) Text {
	t.Blocks = trimNodesStart(t.Blocks)
	return t
}

func trimNodesStart(nodes []Node) []Node {
	out := append([]Node(nil), nodes...)
	for len(out) > 0 {
		first := &out[0]
		switch first.Kind {
		case LineBreak:
			out = out[1:]
			continue
		case Plain:
			first.Text = strings.TrimLeftFunc(first.Text, unicode.IsSpace)
			if first.Text == "" {
				out = out[1:]
				continue
			}
		case CodeBlock:
			first.Text = strings.TrimLeft(first.Text, "\n")
			if first.Text == "" {
				out = out[1:]
				continue
			}
		case Code, Image, Mention:
		default:
			first.Children = trimNodesStart(first.Children)
			if len(first.Children) == 0 && first.Kind != ListItem {
				out = out[1:]
				continue
			}
		}
		return out
	}
	return out
}

// Fit renders a text and, when the result measures more than limit by m,
// renders the longest truncation of it (see Truncate) that fits. Markup
// and escapes make the rendering longer than the plain text, so the plain
// budget is found by binary search rather than guessed.
func Fit(t Text, limit int, m Measure, render func(Text) string) string {
	out := render(t)
	if m(out) <= limit {
		return out
	}
	// Markup makes a rendering longer than its plain text, almost always:
	// the text is first cut to twice the limit in plain text, so each step
	// of the search renders less.
	bound := 2*limit + 16
	if m(t.PlainText()) > bound {
		t = Truncate(t, bound, m)
	}
	fit := truncateWith(t, m, bound, func(x Text) bool { return m(render(x)) <= limit })
	if len(fit.Blocks) == 0 {
		return ""
	}
	return render(fit)
}
