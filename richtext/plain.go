package richtext

import (
	"slices"
	"strconv"
	"strings"
)

// IsBlock says whether a kind is a block kind.
func IsBlock(k Kind) bool {
	switch k {
	case Paragraph, Quote, CodeBlock, List, ListItem, Heading:
		return true
	}
	return false
}

// IsEmpty says whether the text shows nothing at all (only whitespace).
func (t Text) IsEmpty() bool {
	return strings.TrimSpace(t.PlainText()) == ""
}

// PlainText is what the text says without any formatting: blocks are
// separated by a blank line, list items start with "• " or "1. ", line
// breaks are newlines, a link is its label, an image its alt text (else its
// URL), a mention "@name". It is also the measure Truncate budgets against.
func (t Text) PlainText() string {
	var b strings.Builder
	writeBlocks(&b, t.Blocks, "")
	return b.String()
}

func writeBlocks(b *strings.Builder, blocks []Node, indent string) {
	for i, n := range blocks {
		if i > 0 {
			b.WriteString("\n\n")
			b.WriteString(indent)
		}
		writeBlock(b, n, indent)
	}
}

func writeBlock(b *strings.Builder, n Node, indent string) {
	switch n.Kind {
	case Quote:
		writeBlocks(b, n.Children, indent)
	case CodeBlock:
		b.WriteString(n.Text)
	case List:
		for i, item := range n.Children {
			if i > 0 {
				b.WriteString("\n")
				b.WriteString(indent)
			}
			if n.Ordered {
				b.WriteString(strconv.Itoa(i+1) + ". ")
			} else {
				b.WriteString("• ")
			}
			if item.Kind == ListItem {
				writeBlocks(b, item.Children, indent+"  ")
			} else {
				writeBlock(b, item, indent+"  ")
			}
		}
	case ListItem, Paragraph, Heading:
		if n.Kind == ListItem {
			writeBlocks(b, n.Children, indent)
			return
		}
		b.WriteString(InlineText(n.Children))
	default: // an inline node where a block belongs: show it anyway
		b.WriteString(InlineText([]Node{n}))
	}
}

// InlineText is the plain text of inline nodes (see PlainText).
func InlineText(nodes []Node) string {
	var b strings.Builder
	for _, n := range nodes {
		b.WriteString(nodeText(n))
	}
	return b.String()
}

// Flatten replaces every node of the given kinds, at any depth of nodes,
// with its plain text (see InlineText). Renderers use it for link labels,
// which cannot hold links, images or mentions on any platform.
func Flatten(nodes []Node, kinds ...Kind) []Node {
	out := make([]Node, 0, len(nodes))
	for _, n := range nodes {
		if slices.Contains(kinds, n.Kind) {
			out = append(out, Str(InlineText([]Node{n})))
			continue
		}
		if len(n.Children) > 0 {
			n.Children = Flatten(n.Children, kinds...)
		}
		out = append(out, n)
	}
	return out
}

// nodeText is one inline node's plain text; blocks found inline are
// flattened so that nothing a hostile tree holds is silently lost.
func nodeText(n Node) string {
	switch n.Kind {
	case Plain, Code:
		return n.Text
	case LineBreak:
		return "\n"
	case Image:
		if n.Text != "" {
			return n.Text
		}
		return n.URL
	case Mention:
		return "@" + n.Text
	case CodeBlock:
		return n.Text
	}
	if IsBlock(n.Kind) {
		var b strings.Builder
		writeBlock(&b, n, "")
		return b.String()
	}
	return InlineText(n.Children)
}

// Normalize merges neighbouring plain nodes, drops empty inline nodes and
// empty paragraphs, so that equal-looking texts compare equal.
func Normalize(t Text) Text {
	return Text{Blocks: normBlocks(t.Blocks)}
}

func normBlocks(blocks []Node) []Node {
	var out []Node
	for _, n := range blocks {
		switch n.Kind {
		case Paragraph, Heading:
			n.Children = normInlines(n.Children)
			if len(n.Children) == 0 || blankInlines(n.Children) {
				continue // nothing to show
			}
		case Quote, ListItem:
			n.Children = normBlocks(n.Children)
			if len(n.Children) == 0 && n.Kind == Quote {
				continue
			}
		case List:
			n.Children = normBlocks(n.Children)
			if len(n.Children) == 0 {
				continue
			}
		case CodeBlock:
		default:
			n = Para(normInlines([]Node{n})...)
			if len(n.Children) == 0 {
				continue
			}
		}
		out = append(out, n)
	}
	return out
}

func normInlines(nodes []Node) []Node {
	var out []Node
	for _, n := range nodes {
		switch n.Kind {
		case Plain:
			if n.Text == "" {
				continue
			}
			if len(out) > 0 && out[len(out)-1].Kind == Plain {
				out[len(out)-1].Text += n.Text
				continue
			}
		case Bold, Italic, Underline, Strike, Spoiler, Link:
			n.Children = normInlines(unnest(n.Kind, n.Children))
			if len(n.Children) == 0 {
				continue
			}
			// Formatting over white space alone shows nothing (and
			// Markdown cannot write it): keep the space, drop the format.
			if n.Kind != Link && strings.TrimSpace(InlineText(n.Children)) == "" && !hasAtoms(n.Children) {
				out = normInlines(append(out, n.Children...))
				continue
			}
			// **a****b** would not read back as bold: merge neighbours.
			if len(out) > 0 && out[len(out)-1].Kind == n.Kind && out[len(out)-1].URL == n.URL {
				prev := &out[len(out)-1]
				prev.Children = normInlines(append(append([]Node(nil), prev.Children...), n.Children...))
				continue
			}
		case Code:
			if n.Text == "" {
				continue
			}
		case LineBreak, Image, Mention:
		default:
			if IsBlock(n.Kind) {
				n = Str(nodeText(n))
				if n.Text == "" {
					continue
				}
				if len(out) > 0 && out[len(out)-1].Kind == Plain {
					out[len(out)-1].Text += n.Text
					continue
				}
			}
		}
		out = append(out, n)
	}
	return out
}

func splitParagraphs(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var out []string
	for _, p := range strings.Split(s, "\n\n") {
		if strings.TrimSpace(p) != "" {
			out = append(out, strings.Trim(p, "\n"))
		}
	}
	return out
}

func splitLines(s string) []string { return strings.Split(s, "\n") }

// unnest lifts formatting nested anywhere inside the same formatting
// (italic in bold in italic): it means nothing more, and Markdown cannot
// write it. A link inside a link keeps only its label: anchors do not nest.
func unnest(k Kind, nodes []Node) []Node {
	var out []Node
	for _, c := range nodes {
		if c.Kind == k {
			out = append(out, unnest(k, c.Children)...)
			continue
		}
		if len(c.Children) > 0 && !IsBlock(c.Kind) {
			c.Children = unnest(k, c.Children)
		}
		out = append(out, c)
	}
	return out
}

// hasAtoms says whether inline nodes hold anything but text and breaks.
func hasAtoms(nodes []Node) bool {
	for _, n := range nodes {
		switch n.Kind {
		case Plain, LineBreak:
		case Bold, Italic, Underline, Strike, Spoiler:
			if hasAtoms(n.Children) {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// blankInlines says whether inline nodes show only white space.
func blankInlines(nodes []Node) bool {
	return !hasAtoms(nodes) && strings.TrimSpace(InlineText(nodes)) == ""
}
