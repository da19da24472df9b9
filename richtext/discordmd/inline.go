package discordmd

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/heraldchat/herald/richtext"
)

// snowflake is a Discord id: only such mentions are written as <@id>.
var snowflake = regexp.MustCompile(`^[0-9]{1,20}$`)

func renderInline(nodes []richtext.Node) string {
	var b strings.Builder
	for _, n := range nodes {
		// Render into a builder that knows whether a line has begun, so
		// escaping of line starts sees the real context.
		var one strings.Builder
		prev := b.String()
		seeded := prev != "" && prev[len(prev)-1] != '\n'
		if seeded {
			one.WriteByte('x')
		}
		writeInline(&one, n)
		out := one.String()
		if seeded {
			out = out[1:]
		}
		// "**a**" then "*b*" would read as "**a***b*", which Discord
		// parses differently: a zero-width space keeps the markers apart.
		if prev != "" && out != "" && needsGap(prev[len(prev)-1], out[0]) {
			b.WriteString(zwsp)
		}
		b.WriteString(out)
	}
	return b.String()
}

const zwsp = "\u200b"

// needsGap says whether two pieces of output would run together into other
// markup: the same marker character on both sides, or a closing ~~ before
// an underscore (Discord's strike rule refuses "~~_").
func needsGap(last, first byte) bool {
	return strings.IndexByte("*_~|`", first) >= 0 && last == first || last == '~' && first == '_'
}

func writeInline(b *strings.Builder, n richtext.Node) {
	switch n.Kind {
	case richtext.Plain:
		writeText(b, n.Text)
	case richtext.LineBreak:
		b.WriteString("\n")
	case richtext.Bold:
		wrap(b, "**", n.Children)
	case richtext.Italic:
		writeItalic(b, n.Children)
	case richtext.Underline:
		wrap(b, "__", n.Children)
	case richtext.Strike:
		wrap(b, "~~", n.Children)
	case richtext.Spoiler:
		wrap(b, "||", n.Children)
	case richtext.Code:
		if n.Text != "" {
			b.WriteString(inlineCode(breakMarkers(n.Text)))
		}
	case richtext.Link:
		writeLink(b, n.URL, n.Children)
	case richtext.Image:
		label := n.Text
		if label == "" {
			label = "image"
		}
		writeLink(b, n.URL, []richtext.Node{richtext.Str(label)})
	case richtext.Mention:
		if snowflake.MatchString(n.ID) {
			b.WriteString("<@" + n.ID + ">")
			return
		}
		writeText(b, "@"+n.Text)
	case richtext.CodeBlock:
		if atLineStart(b) {
			b.WriteString(codeBlock(n.Lang, n.Text))
		} else {
			b.WriteString(inlineCode(n.Text))
		}
	default: // a block where inline content belongs: keep its text
		if richtext.IsBlock(n.Kind) {
			writeText(b, richtext.InlineText([]richtext.Node{n}))
			return
		}
		b.WriteString(renderInline(n.Children))
	}
}

// wrap writes children between markers, keeping white space at the edges
// outside them: Discord does not read "* x *" as emphasis.
func wrap(b *strings.Builder, marker string, children []richtext.Node) {
	inner := renderInline(children)
	trimmed := strings.TrimLeftFunc(inner, unicode.IsSpace)
	lead := inner[:len(inner)-len(trimmed)]
	core := strings.TrimRightFunc(trimmed, unicode.IsSpace)
	trail := trimmed[len(core):]
	b.WriteString(lead)
	if core != "" {
		// Discord reads ~~ and || lazily without regard to escapes, so a
		// marker character at the edge of the content (escaped or not)
		// would close the span early: keep it apart.
		if strings.HasSuffix(core, "~") && marker[0] == '_' {
			core += zwsp
		}
		if marker == "~~" || marker == "||" {
			if strings.HasSuffix(core, marker[:1]) {
				core += zwsp
			}
			if strings.HasPrefix(core, marker[:1]) {
				core = zwsp + core
			}
		}
		b.WriteString(marker + core + marker)
	}
	b.WriteString(trail)
}

// writeLink writes a masked link only when the label cannot pass for a
// different address; otherwise the address itself, which hides nothing.
// Unsafe targets (javascript:, relative) keep only their label as text.
func writeLink(b *strings.Builder, target string, label []richtext.Node) {
	if !richtext.SafeURL(target) {
		b.WriteString(renderInline(label))
		return
	}
	u := cleanURL(target)
	// A masked link cannot hold links, images, mentions or code blocks; a
	// linked image is labelled by its alt text.
	label = richtext.Flatten(label, richtext.Link, richtext.Image, richtext.Mention, richtext.CodeBlock)
	text := strings.TrimSpace(richtext.InlineText(label))
	if text == "" || sameAddress(text, target) || URLLike(text) {
		b.WriteString("<" + u + ">")
		return
	}
	inner := renderInline(label)
	inner = strings.ReplaceAll(inner, "\n", " ")
	b.WriteString("[" + inner + "](<" + u + ">)")
}

var domainLike = regexp.MustCompile(`(?i)(^|[\s(<\[])([a-z0-9-]+\.)+[a-z]{2,}([/:?#]|\s|$)|[a-z][a-z0-9+.-]*:/|www\.|\b[a-z0-9-]+\.(com|net|org|io|co|app|dev|gov|edu|me|info|xyz|link)\b`)

// URLLike says whether a label looks like an address (a scheme, www., or a
// domain name), so a masked link with it could mislead.
func URLLike(s string) bool { return domainLike.MatchString(s) }

func sameAddress(label, target string) bool {
	strip := func(s string) string {
		s = strings.TrimSpace(strings.ToLower(s))
		for _, p := range []string{"https://", "http://", "mailto:"} {
			s = strings.TrimPrefix(s, p)
		}
		return strings.TrimSuffix(s, "/")
	}
	return strip(label) == strip(target)
}

// cleanURL percent-encodes, after the host, what would end <…> or a masked
// link early, and the emphasis characters: Discord's emphasis rules do not
// stop at link syntax, so a * or _ in an address inside *italic* would end
// it. Encoded, the address is equivalent (RFC 3986 2.3; Parse decodes
// them). Hosts are plain already (richtext.SafeURL).
func cleanURL(s string) string {
	s = strings.TrimSpace(s)
	if u, err := url.Parse(s); err == nil {
		s = u.String()
	}
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + 3
		if j := strings.IndexAny(s[start:], "/?#"); j >= 0 {
			start += j
		} else {
			start = len(s)
		}
	}
	var b strings.Builder
	b.WriteString(s[:start])
	for _, r := range s[start:] {
		switch {
		case r == '<', r == '>', r == '(', r == ')', r == '[', r == ']', r == '"', r == '`', r == '\\', r == '|',
			r == '*', r == '_', r == '~', unicode.IsSpace(r), unicode.IsControl(r):
			for _, c := range []byte(string(r)) {
				fmt.Fprintf(&b, "%%%02X", c)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// bareURL finds addresses in plain text. It stops at characters that are
// markup, so the address can be written as <address>: Discord shows it as
// itself (it hides nothing), and the brackets keep Discord's greedier
// autolink rule from swallowing the text after it.
var bareURL = regexp.MustCompile("https?://[^\\s<>\\[\\]()|*~`\\\\\"']+")

// writeText escapes plain text: every character Discord treats as markup
// gets a backslash (Discord shows escaped punctuation as itself), line
// starts lose their block meaning, and addresses are delimited whole.
func writeText(b *strings.Builder, s string) {
	for s != "" {
		loc := bareURL.FindStringIndex(s)
		if loc == nil {
			escapeText(b, s)
			return
		}
		u := strings.TrimRight(s[loc[0]:loc[1]], ".,:;!?")
		if !richtext.SafeURL(u) {
			escapeText(b, s[:loc[1]])
			s = s[loc[1]:]
			continue
		}
		escapeText(b, s[:loc[0]])
		b.WriteString("<" + cleanURL(u) + ">")
		s = s[loc[0]+len(u):]
	}
}

func escapeText(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if atLineStart(b) {
			// A line that starts like a heading, quote or list item must
			// stay text; leading spaces do not stop Discord seeing them.
			// Any white space but a newline counts as indentation (wrap
			// moves the same white space outside markers).
			j := i
			for j < len(s) {
				r, size := utf8.DecodeRuneInString(s[j:])
				if r == '\n' || !unicode.IsSpace(r) {
					break
				}
				j += size
			}
			b.WriteString(s[i:j])
			i = j
			if i >= len(s) {
				return
			}
			c = s[i]
			switch {
			case c == '#' || c == '>' || c == '-' || c == '+':
				b.WriteString("\\")
				b.WriteByte(c)
				i++
				continue
			case c >= '0' && c <= '9':
				k := i
				for k < len(s) && s[k] >= '0' && s[k] <= '9' {
					k++
				}
				b.WriteString(s[i:k])
				if k < len(s) && s[k] == '.' {
					b.WriteString("\\.")
					k++
				}
				i = k
				continue
			}
		}
		switch c {
		case '\\', '*', '_', '~', '`', '|', '[', ']', '<', '>':
			b.WriteByte('\\')
		}
		b.WriteByte(c)
		i++
	}
}

// atLineStart says whether the next character begins a line of output.
func atLineStart(b *strings.Builder) bool {
	s := b.String()
	return s == "" || strings.HasSuffix(s, "\n")
}

// breakMarkers puts a zero-width space inside every doubled marker (** __
// ~~ ||) in code: Discord's emphasis rules do not skip code spans, so
// "**" in code inside **bold** would end the bold. Parse removes it again.
func breakMarkers(code string) string {
	for _, m := range []string{"**", "__", "~~", "||"} {
		for strings.Contains(code, m) {
			code = strings.ReplaceAll(code, m, m[:1]+zwsp+m[1:])
		}
	}
	return code
}

// writeItalic writes *italic*. When code inside it holds a *, which would
// end *…* early (code spans are not skipped), it uses _italic_ guarded by
// zero-width spaces (so word characters around cannot stop it); when code
// holds both * and _, only the parts outside the code are italic.
func writeItalic(b *strings.Builder, children []richtext.Node) {
	star, under := codeHas(children, "*"), codeHas(children, "_")
	switch {
	case !star:
		wrap(b, "*", children)
	case !under:
		var inner strings.Builder
		wrap(&inner, "_", children)
		b.WriteString(zwsp + inner.String() + zwsp)
	default:
		var run []richtext.Node
		flush := func() {
			if len(run) > 0 {
				wrap(b, "*", run)
				run = nil
			}
		}
		for _, c := range children {
			if codeHas([]richtext.Node{c}, "*") {
				flush()
				writeInline(b, c)
				continue
			}
			run = append(run, c)
		}
		flush()
	}
}

// codeHas says whether inline code (or a link target) under nodes holds s.
func codeHas(nodes []richtext.Node, s string) bool {
	for _, n := range nodes {
		if (n.Kind == richtext.Code || n.Kind == richtext.CodeBlock) && strings.Contains(n.Text, s) {
			return true
		}
		if codeHas(n.Children, s) {
			return true
		}
	}
	return false
}
