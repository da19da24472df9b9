package richtext

// Builders make Text values short to write in tests, fixtures and
// renderers. They do no validation: the converters treat any tree
// defensively anyway.

// Doc is a Text made of blocks.
func Doc(blocks ...Node) Text { return Text{Blocks: blocks} }

// Para is a paragraph of inline nodes.
func Para(inl ...Node) Node { return Node{Kind: Paragraph, Children: inl} }

// Str is plain characters.
func Str(s string) Node { return Node{Kind: Plain, Text: s} }

// Br is a line break.
func Br() Node { return Node{Kind: LineBreak} }

// B is bold.
func B(inl ...Node) Node { return Node{Kind: Bold, Children: inl} }

// I is italic.
func I(inl ...Node) Node { return Node{Kind: Italic, Children: inl} }

// U is underline.
func U(inl ...Node) Node { return Node{Kind: Underline, Children: inl} }

// S is strikethrough.
func S(inl ...Node) Node { return Node{Kind: Strike, Children: inl} }

// Sp is a spoiler.
func Sp(inl ...Node) Node { return Node{Kind: Spoiler, Children: inl} }

// C is inline code.
func C(code string) Node { return Node{Kind: Code, Text: code} }

// A is a link to url labelled by inl (the URL itself when inl is empty).
func A(url string, inl ...Node) Node {
	if len(inl) == 0 {
		inl = []Node{Str(url)}
	}
	return Node{Kind: Link, URL: url, Children: inl}
}

// Img is an image, shown as a link.
func Img(url, alt string) Node { return Node{Kind: Image, URL: url, Text: alt} }

// At is a mention of a user by platform id and display name.
func At(id, name string) Node { return Node{Kind: Mention, ID: id, Text: name} }

// Pre is a code block.
func Pre(lang, code string) Node { return Node{Kind: CodeBlock, Lang: lang, Text: code} }

// Q is a block quote.
func Q(blocks ...Node) Node { return Node{Kind: Quote, Children: blocks} }

// H is a heading of level 1-6.
func H(level int, inl ...Node) Node { return Node{Kind: Heading, Level: level, Children: inl} }

// UL is a bulleted list; OL a numbered one. Items are ListItem nodes.
func UL(items ...Node) Node { return Node{Kind: List, Children: items} }

// OL is a numbered list.
func OL(items ...Node) Node { return Node{Kind: List, Ordered: true, Children: items} }

// Li is a list item holding blocks.
func Li(blocks ...Node) Node { return Node{Kind: ListItem, Children: blocks} }

// FromPlain is text with no formatting: paragraphs at blank lines, line
// breaks at single newlines.
func FromPlain(s string) Text {
	var t Text
	for _, para := range splitParagraphs(s) {
		var inl []Node
		for i, line := range splitLines(para) {
			if i > 0 {
				inl = append(inl, Br())
			}
			if line != "" {
				inl = append(inl, Str(line))
			}
		}
		t.Blocks = append(t.Blocks, Para(inl...))
	}
	return t
}
