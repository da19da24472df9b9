package richtext

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLOptions adjust FromHTMLWith for a dialect of HTML.
type HTMLOptions struct {
	// Mention, when set, turns a link into a user mention: it returns the
	// user's id for hrefs that name a user (Matrix's matrix.to pills).
	Mention func(href string) (id string, ok bool)
}

// maxDepth bounds recursion on hostile, deeply nested markup; below it,
// elements are flattened to their text.
const maxDepth = 64

// FromHTML reads already-sanitized feed HTML. Unknown elements flatten to
// their text, images become Image nodes, links keep only http, https and
// mailto targets (others become plain text), and script, style and similar
// elements are dropped whatever the sanitizer did.
func FromHTML(s string) Text { return FromHTMLWith(s, HTMLOptions{}) }

// FromHTMLWith is FromHTML with dialect options.
func FromHTMLWith(s string, o HTMLOptions) Text {
	// The model holds valid UTF-8 only (JSON could not keep anything else).
	s = strings.ToValidUTF8(s, "\uFFFD")
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	if err != nil { // only reader errors are possible; a strings.Reader has none
		return FromPlain(s)
	}
	p := htmlReader{o: o}
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	return Text{Blocks: foldMergedSpace(Normalize(Text{Blocks: p.blocks(root, 0)}).Blocks)}
}

// foldMergedSpace folds the double spaces that Normalize leaves where it
// joined two text runs that an element stood between ("a <a></a> b"): a
// browser collapses white space across inline boundaries too, and the
// renderers would otherwise write "a  b", which reads back as "a b".
// Every run was already collapsed by itself, so a double space in a Plain
// node can only come from such a join; code keeps its spaces (it is not
// Plain).
func foldMergedSpace(nodes []Node) []Node {
	for i := range nodes {
		if nodes[i].Kind == Plain && strings.Contains(nodes[i].Text, "  ") {
			nodes[i].Text = collapse(nodes[i].Text)
		}
		nodes[i].Children = foldMergedSpace(nodes[i].Children)
	}
	return nodes
}

type htmlReader struct{ o HTMLOptions }

// dropped elements never show anything, even their text.
func dropped(a atom.Atom, data string) bool {
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Iframe, atom.Object,
		atom.Embed, atom.Svg, atom.Math, atom.Head, atom.Title, atom.Button, atom.Select,
		atom.Textarea, atom.Input, atom.Form, atom.Audio, atom.Video, atom.Canvas, atom.Frameset,
		atom.Frame, atom.Meta, atom.Link, atom.Base:
		return true
	}
	return data == "mx-reply" // Matrix reply fallbacks repeat the parent
}

func blockElement(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Main,
		atom.Aside, atom.Nav, atom.Figure, atom.Figcaption, atom.Blockquote, atom.Pre, atom.Ul,
		atom.Ol, atom.Li, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Table,
		atom.Thead, atom.Tbody, atom.Tfoot, atom.Tr, atom.Hr, atom.Dl, atom.Dt, atom.Dd,
		atom.Details, atom.Summary, atom.Address, atom.Center, atom.Caption, atom.Body, atom.Html:
		return true
	}
	return false
}

// blocks reads the children of a block container.
func (p htmlReader) blocks(n *html.Node, depth int) []Node {
	var out []Node
	var pending []Node
	flush := func() {
		if len(pending) > 0 {
			out = append(out, Para(pending...))
			pending = nil
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && dropped(c.DataAtom, c.Data) {
			continue
		}
		if c.Type == html.ElementNode && blockElement(c.DataAtom) {
			flush()
			out = append(out, p.block(c, depth+1)...)
			continue
		}
		pending = append(pending, p.inline(c, depth+1, false)...)
	}
	flush()
	return trimParagraphs(out)
}

// block reads one block element.
func (p htmlReader) block(n *html.Node, depth int) []Node {
	if depth > maxDepth {
		return []Node{Para(Str(collapse(textOf(n))))}
	}
	switch n.DataAtom {
	case atom.Pre:
		code, lang := n, ""
		if c := onlyChild(n); c != nil && c.DataAtom == atom.Code {
			code = c
			lang = codeLanguage(c)
		}
		return []Node{Pre(lang, strings.TrimSuffix(textOf(code), "\n"))}
	case atom.Blockquote:
		return []Node{Q(p.blocks(n, depth)...)}
	case atom.Ul, atom.Ol:
		list := Node{Kind: List, Ordered: n.DataAtom == atom.Ol}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.ElementNode && c.DataAtom == atom.Li:
				list.Children = append(list.Children, Li(p.blocks(c, depth+1)...))
			case c.Type == html.ElementNode && dropped(c.DataAtom, c.Data):
			case c.Type == html.ElementNode && blockElement(c.DataAtom):
				list.Children = append(list.Children, Li(p.block(c, depth+1)...))
			case strings.TrimSpace(textOf(c)) != "":
				list.Children = append(list.Children, Li(Para(trimInline(p.inline(c, depth+1, false))...)))
			}
		}
		return []Node{list}
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		level, _ := strconv.Atoi(n.Data[1:])
		return []Node{H(level, trimInline(p.children(n, depth, false))...)}
	case atom.Hr:
		return nil
	case atom.Tr:
		// A table row reads as one line: cells separated by " | ".
		var inl []Node
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if len(inl) > 0 {
				inl = append(inl, Str(" | "))
			}
			inl = append(inl, trimInline(p.children(c, depth, false))...)
		}
		return []Node{Para(inl...)}
	}
	return p.blocks(n, depth)
}

// children reads the children of an element as inline nodes.
func (p htmlReader) children(n *html.Node, depth int, pre bool) []Node {
	var out []Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		out = append(out, p.inline(c, depth+1, pre)...)
	}
	return out
}

// inline reads a node in inline context. Block elements met here (a <p>
// inside a <b>, say) flatten to their inline content on lines of their own.
func (p htmlReader) inline(n *html.Node, depth int, pre bool) []Node {
	switch n.Type {
	case html.TextNode:
		if pre {
			return []Node{Str(n.Data)}
		}
		return []Node{Str(collapse(n.Data))}
	case html.ElementNode:
	default:
		return nil
	}
	if dropped(n.DataAtom, n.Data) {
		return nil
	}
	if depth > maxDepth {
		return []Node{Str(collapse(textOf(n)))}
	}
	kids := func() []Node { return p.children(n, depth, pre) }
	switch n.DataAtom {
	case atom.Br:
		return []Node{Br()}
	case atom.B, atom.Strong:
		return []Node{B(kids()...)}
	case atom.I, atom.Em, atom.Cite, atom.Dfn, atom.Var:
		return []Node{I(kids()...)}
	case atom.U, atom.Ins:
		return []Node{U(kids()...)}
	case atom.S, atom.Del, atom.Strike:
		return []Node{S(kids()...)}
	case atom.Code, atom.Kbd, atom.Samp, atom.Tt:
		return []Node{C(textOf(n))}
	case atom.Img:
		src := attr(n, "src")
		if !SafeURL(src) {
			if alt := attr(n, "alt"); alt != "" {
				return []Node{Str(alt)}
			}
			return nil
		}
		return []Node{Img(src, strings.TrimSpace(attr(n, "alt")))}
	case atom.A:
		href := strings.TrimSpace(attr(n, "href"))
		label := kids()
		if p.o.Mention != nil {
			if id, ok := p.o.Mention(href); ok {
				name := strings.TrimPrefix(strings.TrimSpace(InlineText(label)), "@")
				if name == "" {
					name = strings.TrimPrefix(id, "@") // what a client shows for a bare pill
				}
				return []Node{At(id, name)}
			}
		}
		if !SafeURL(href) {
			return label
		}
		if strings.TrimSpace(InlineText(label)) == "" {
			label = []Node{Str(href)}
		}
		return []Node{A(href, label...)}
	case atom.Span:
		if _, ok := attrOK(n, "data-mx-spoiler"); ok {
			return []Node{Sp(kids()...)}
		}
		return kids()
	}
	if blockElement(n.DataAtom) {
		var out []Node
		for _, b := range p.block(n, depth) {
			out = append(out, Br())
			out = append(out, blockInline(b)...)
		}
		return append(out, Br())
	}
	return kids()
}

// blockInline flattens a block to inline nodes.
func blockInline(b Node) []Node {
	switch b.Kind {
	case Paragraph, Heading:
		return b.Children
	case CodeBlock:
		return []Node{C(b.Text)}
	}
	var out []Node
	for i, c := range b.Children {
		if i > 0 {
			out = append(out, Br())
		}
		out = append(out, blockInline(c)...)
	}
	return out
}

// SafeURL says whether a link target may be shown as a link anywhere:
// absolute http, https or mailto URLs only. javascript:, data: and relative
// URLs are not links (feeds resolve relative links before this point).
func SafeURL(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != "" && cleanHost(u.Host)
	case "mailto":
		return u.Opaque != ""
	}
	return false
}

// cleanHost allows letters, digits and . - : [ ] (ports, IPv6) in a host,
// so no renderer has to escape or encode a host.
func cleanHost(h string) bool {
	for _, r := range h {
		switch {
		case r == '.' || r == '-' || r == ':' || r == '[' || r == ']':
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
		case r > 0x7f && unicode.IsLetter(r) || r > 0x7f && unicode.IsDigit(r) || r > 0x7f && unicode.IsMark(r):
		default:
			return false
		}
	}
	return true
}

func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
	return v
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val, true
		}
	}
	return "", false
}

func onlyChild(n *html.Node) *html.Node {
	var found *html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode && strings.TrimSpace(c.Data) == "" {
			continue
		}
		if found != nil {
			return nil
		}
		found = c
	}
	return found
}

func codeLanguage(n *html.Node) string {
	for _, class := range strings.Fields(attr(n, "class")) {
		if lang, ok := strings.CutPrefix(class, "language-"); ok {
			return CleanLang(lang)
		}
	}
	return ""
}

// CleanLang is a code block's language hint if it is a plain name (letters,
// digits and _ + - . #, as Discord accepts), else "": the hint goes into a
// fence line and an HTML class.
func CleanLang(lang string) string {
	if len(lang) == 0 || len(lang) > 32 {
		return ""
	}
	for _, r := range lang {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_+-.#", r)) {
			return ""
		}
	}
	return lang
}

// textOf is all text under n, dropped elements excluded, iteratively so
// that depth cannot exhaust the stack.
func textOf(n *html.Node) string {
	var b strings.Builder
	stack := []*html.Node{n}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch {
		case c.Type == html.TextNode:
			b.WriteString(c.Data)
			continue
		case c.Type == html.ElementNode && c != n && dropped(c.DataAtom, c.Data):
			continue
		case c.Type == html.ElementNode && c.DataAtom == atom.Br:
			b.WriteByte('\n')
		}
		for k := c.LastChild; k != nil; k = k.PrevSibling {
			stack = append(stack, k)
		}
	}
	return b.String()
}

// collapse folds runs of HTML white space to one space, as browsers do.
func collapse(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}

// trimParagraphs trims white space at the edges of each paragraph.
func trimParagraphs(blocks []Node) []Node {
	for i := range blocks {
		if blocks[i].Kind == Paragraph {
			blocks[i].Children = trimInline(blocks[i].Children)
		}
	}
	return blocks
}

func trimInline(nodes []Node) []Node {
	return trimNodesStart(trimNodesEnd(nodes))
}
