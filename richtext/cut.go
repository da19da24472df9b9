package richtext

import (
	"sort"
	"strings"
	"unicode"

	"github.com/rivo/uniseg"
)

// Cutting works on a text's "content": the concatenation of what its leaves
// show (plain text, code, link labels, mention and image text, line breaks
// as "\n") without block separators. A cut position is a byte offset into
// it; layout says which offsets are good places to cut.
type layout struct {
	content   string
	blockCuts []int    // where a leaf block (paragraph, heading, code block) begins
	lineCuts  []int    // just after a line break
	atomic    [][2]int // links, mentions, images: [start, end)
}

func layoutOf(t Text) layout {
	var w layoutWriter
	w.blocks(t.Blocks)
	return layout{content: w.b.String(), blockCuts: w.blockCuts, lineCuts: w.lineCuts, atomic: w.atomic}
}

type layoutWriter struct {
	b         strings.Builder
	blockCuts []int
	lineCuts  []int
	atomic    [][2]int
}

func (w *layoutWriter) blocks(nodes []Node) {
	for _, n := range nodes {
		w.node(n)
	}
}

func (w *layoutWriter) node(n Node) {
	switch n.Kind {
	case Paragraph, Heading:
		w.blockStart()
		w.blocks(n.Children)
	case CodeBlock:
		w.blockStart()
		w.text(n.Text, true)
	case Plain, Code:
		w.text(n.Text, false)
	case LineBreak:
		w.b.WriteByte('\n')
		w.lineCuts = append(w.lineCuts, w.b.Len())
	case Link:
		start := w.b.Len()
		w.blocks(n.Children)
		w.atomic = append(w.atomic, [2]int{start, w.b.Len()})
	case Image, Mention:
		start := w.b.Len()
		w.b.WriteString(nodeText(n))
		w.atomic = append(w.atomic, [2]int{start, w.b.Len()})
	default: // quotes, lists, items and inline formatting hold children
		w.blocks(n.Children)
	}
}

func (w *layoutWriter) blockStart() {
	if w.b.Len() > 0 {
		w.blockCuts = append(w.blockCuts, w.b.Len())
	}
}

func (w *layoutWriter) text(s string, lines bool) {
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 || !lines {
			w.b.WriteString(s)
			return
		}
		w.b.WriteString(s[:i+1])
		w.lineCuts = append(w.lineCuts, w.b.Len())
		s = s[i+1:]
	}
}

// contentLen is how many bytes of content a node contributes.
func contentLen(n Node) int {
	switch n.Kind {
	case Plain, Code, CodeBlock:
		return len(n.Text)
	case LineBreak:
		return 1
	case Image, Mention:
		return len(nodeText(n))
	}
	total := 0
	for _, c := range n.Children {
		total += contentLen(c)
	}
	return total
}

// inAtomic says whether k falls strictly inside a link, mention or image.
func (l layout) inAtomic(k int) bool {
	for _, r := range l.atomic {
		if k > r[0] && k < r[1] {
			return true
		}
	}
	return false
}

// graphemeCuts are the content offsets between grapheme clusters, 0 and
// len(content) excluded.
func (l layout) graphemeCuts() []int { return l.graphemeCutsUpTo(nil, 0) }

// graphemeCutsUpTo is graphemeCuts stopping once the content before a cut
// measures more than max by m (no cut past that can be wanted); a nil m
// means no stop.
func (l layout) graphemeCutsUpTo(m Measure, max int) []int {
	var cuts []int
	state := -1
	rest := l.content
	pos, used := 0, 0
	for len(rest) > 0 {
		var cluster string
		cluster, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		pos += len(cluster)
		if m != nil {
			if used += m(cluster); used > max {
				if pos < len(l.content) {
					cuts = append(cuts, pos) // one past the budget bounds the search
				}
				break
			}
		}
		if pos < len(l.content) {
			cuts = append(cuts, pos)
		}
	}
	return cuts
}

// wordCuts are the grapheme cuts just after a run of white space.
func (l layout) wordCuts(graphemes []int) []int {
	var cuts []int
	for _, k := range graphemes {
		prev := l.content[k-1]
		next := l.content[k]
		if isSpaceByte(prev) && !isSpaceByte(next) {
			cuts = append(cuts, k)
		}
	}
	return cuts
}

func isSpaceByte(b byte) bool { return b < 0x80 && unicode.IsSpace(rune(b)) }

// filterCuts keeps the cuts (sorted) outside atomic nodes that are also
// grapheme boundaries (block and line cuts always are, unless a cluster
// spans them). One sweep: long texts have thousands of cuts and links.
func (l layout) filterCuts(cuts []int, graphemes []int) []int {
	atoms := append([][2]int(nil), l.atomic...)
	sort.Slice(atoms, func(i, j int) bool { return atoms[i][0] < atoms[j][0] })
	var out []int
	a, g := 0, 0
	reach := -1 // the furthest end among atoms that start before k
	for _, k := range cuts {
		if k <= 0 || k >= len(l.content) {
			continue
		}
		for a < len(atoms) && atoms[a][0] < k {
			reach = max(reach, atoms[a][1])
			a++
		}
		if k < reach {
			continue // strictly inside a link, mention or image
		}
		for g < len(graphemes) && graphemes[g] < k {
			g++
		}
		if g == len(graphemes) || graphemes[g] != k {
			continue
		}
		out = append(out, k)
	}
	return out
}

// splitAt cuts a text at content offset k into what comes before and after.
// Formatting that spans the cut continues on both sides; a block that spans
// it becomes two blocks of the same kind.
func splitAt(t Text, k int) (head, tail Text) {
	pos := 0
	h, tl := splitNodes(t.Blocks, &pos, k, false)
	return Text{Blocks: h}, Text{Blocks: tl}
}

// headAt is the part of splitAt before k, without building the rest.
func headAt(t Text, k int) Text {
	pos := 0
	h, _ := splitNodes(t.Blocks, &pos, k, true)
	return Text{Blocks: h}
}

func splitNodes(nodes []Node, pos *int, k int, headOnly bool) (head, tail []Node) {
	for _, n := range nodes {
		if headOnly && *pos >= k {
			break
		}
		l := contentLen(n)
		switch {
		case *pos+l <= k:
			head = append(head, n)
		case *pos >= k:
			tail = append(tail, n)
		default:
			h, t := splitNode(n, *pos, k, headOnly)
			if h != nil {
				head = append(head, *h)
			}
			if t != nil {
				tail = append(tail, *t)
			}
		}
		*pos += l
	}
	return head, tail
}

// splitNode splits a node that straddles k (pos < k < pos+len).
func splitNode(n Node, pos, k int, headOnly bool) (*Node, *Node) {
	switch n.Kind {
	case Plain, Code, CodeBlock:
		h, t := n, n
		h.Text, t.Text = n.Text[:k-pos], n.Text[k-pos:]
		return &h, &t
	case Image, Mention, LineBreak:
		return nil, &n // cannot be split: it goes whole to the later part
	}
	p := pos
	hc, tc := splitNodes(n.Children, &p, k, headOnly)
	var h, t *Node
	if len(hc) > 0 {
		c := n
		c.Children = hc
		h = &c
	}
	if len(tc) > 0 {
		c := n
		c.Children = tc
		t = &c
	}
	return h, t
}
