// Package richtext is Herald's one rich-text model. Feeds, chat messages and
// web comments are converted into it at the edges, and every output (Discord
// Markdown, Matrix HTML, web HTML) is produced from it: N converters, not N×N.
//
// It is a leaf package (it imports nothing of Herald's) so that feeds/, bot/
// and every adapter can share it, and so its converters can be fuzzed alone.
package richtext

// Kind says what a Node is.
type Kind string

// Block kinds: they hold other blocks or inline nodes.
const (
	Paragraph Kind = "p"
	Quote     Kind = "quote"
	CodeBlock Kind = "pre"  // Text holds the code, Lang the language hint
	List      Kind = "list" // Ordered says 1. 2. 3.; children are ListItem
	ListItem  Kind = "li"
	Heading   Kind = "h" // Level 1-6
)

// Inline kinds.
const (
	Plain     Kind = "text" // Text holds the characters, never markup
	LineBreak Kind = "br"
	Bold      Kind = "b"
	Italic    Kind = "i"
	Strike    Kind = "s"
	Underline Kind = "u"       // Discord's __x__ and Matrix's <u>; the web shows <u>
	Code      Kind = "code"    // Text holds the code
	Link      Kind = "a"       // URL is the target; children are the label
	Image     Kind = "img"     // URL is the source, Text the alt text; shown as a link
	Mention   Kind = "mention" // a user: ID on its platform, Text the display name
	Spoiler   Kind = "spoiler"
)

// Node is one element of the tree. Only the fields its Kind uses are set.
type Node struct {
	Kind     Kind   `json:"k"`
	Text     string `json:"t,omitempty"`
	URL      string `json:"u,omitempty"`
	ID       string `json:"id,omitempty"`
	Lang     string `json:"lang,omitempty"`
	Level    int    `json:"lvl,omitempty"`
	Ordered  bool   `json:"ord,omitempty"`
	Children []Node `json:"c,omitempty"`
}

// Text is a document: a list of block nodes. The zero value is empty text.
// It round-trips through encoding/json, which is how the store keeps it.
type Text struct {
	Blocks []Node `json:"blocks,omitempty"`
}
