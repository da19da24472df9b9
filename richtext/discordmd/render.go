// Package discordmd converts between richtext.Text and Discord's Markdown
// dialect.
//
// Why not goldmark: Discord's dialect is not CommonMark. It comes from
// simple-markdown with Discord's own rules: __x__ is underline, ||x|| a
// spoiler, <@id> a mention, single newlines are line breaks, only "#" to
// "###" headings exist, there are no setext headings, indented code, HTML
// or reference links, and emphasis follows simple-markdown's regexes
// rather than CommonMark's delimiter runs. Bending goldmark to that would
// mean disabling most of its parsers and rewriting the rest; a small
// parser that mirrors simple-markdown's rules is easier to check against
// what Discord actually shows.
package discordmd

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/heraldchat/herald/richtext"
)

// Render writes a text as Discord Markdown. Whatever the text holds, the
// output cannot ping (@everyone and @here get a zero-width space, <@…>
// forms are escaped), cannot hide a link's target behind a URL-like label,
// and cannot break out of its own formatting.
func Render(t richtext.Text) string {
	t = richtext.Normalize(t)
	var b strings.Builder
	renderBlocks(&b, t.Blocks)
	return Defuse(trimBlankEdges(emptyBlankLines(b.String())))
}

// emptyBlankLines empties lines that hold only spaces or tabs outside code
// blocks, and keeps one blank line where there are several. Discord reads a
// space-only line as a blank one (a paragraph break) and several blank
// lines as one, so writing them would only make a second render differ from
// the first ("0\n \n0" and "0\n\n\n0" read back as "0\n\n0"); inside a
// fenced code block they are content and stay. Fences are the lines that
// start with ```: the renderer breaks any ``` run inside code, so no content
// line does.
func emptyBlankLines(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	lines := strings.Split(s, "\n")
	out := lines[:0]
	inCode, blank := false, false
	for _, l := range lines {
		if strings.HasPrefix(l, "```") {
			inCode = !inCode
		} else if !inCode && strings.Trim(l, " \t") == "" {
			if blank {
				continue
			}
			l, blank = "", true
			out = append(out, l)
			continue
		}
		blank = false
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// RenderLimit renders a text within limit runes, truncating it (grapheme-
// safe, links kept whole or dropped) when it is longer.
func RenderLimit(t richtext.Text, limit int) string {
	return richtext.Fit(t, limit, richtext.Runes, Render)
}

// SplitLimit renders a text as parts of at most limit runes each.
func SplitLimit(t richtext.Text, limit int) []string {
	return richtext.Split(t, limit, richtext.Runes, Render)
}

func renderBlocks(b *strings.Builder, blocks []richtext.Node) {
	for i, n := range blocks {
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(renderBlock(n))
	}
}

func renderBlock(n richtext.Node) string {
	switch n.Kind {
	case richtext.Paragraph:
		return renderInline(n.Children)
	case richtext.Heading:
		// One line, and no white space after the marker (Discord's
		// "# +" would swallow it).
		text := strings.TrimLeftFunc(strings.ReplaceAll(renderInline(n.Children), "\n", " "), unicode.IsSpace)
		if n.Level >= 1 && n.Level <= 3 {
			return strings.Repeat("#", n.Level) + " " + text
		}
		return "**" + text + "**" // Discord has no level 4-6 headings
	case richtext.CodeBlock:
		return codeBlock(n.Lang, n.Text)
	case richtext.Quote:
		var inner strings.Builder
		renderBlocks(&inner, flattenQuotes(n.Children))
		return prefixLines(inner.String(), "> ", "> ")
	case richtext.List:
		var lines []string
		for i, item := range n.Children {
			marker := "- "
			if n.Ordered {
				marker = strconv.Itoa(i+1) + ". "
			}
			var inner strings.Builder
			if item.Kind == richtext.ListItem {
				renderItem(&inner, item.Children)
			} else {
				inner.WriteString(renderBlock(item))
			}
			item := strings.TrimLeftFunc(inner.String(), unicode.IsSpace) // as for headings
			lines = append(lines, prefixLines(item, marker, strings.Repeat(" ", len(marker))))
		}
		return strings.Join(lines, "\n")
	case richtext.ListItem:
		var inner strings.Builder
		renderItem(&inner, n.Children)
		return inner.String()
	}
	return renderInline([]richtext.Node{n})
}

// renderItem writes a list item's blocks on consecutive lines: a blank
// line would end the list in Discord.
func renderItem(b *strings.Builder, blocks []richtext.Node) {
	for i, c := range blocks {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(renderBlock(c))
	}
}

// flattenQuotes lifts nested quotes: Discord shows only one level.
func flattenQuotes(blocks []richtext.Node) []richtext.Node {
	var out []richtext.Node
	for _, c := range blocks {
		if c.Kind == richtext.Quote {
			out = append(out, flattenQuotes(c.Children)...)
			continue
		}
		out = append(out, c)
	}
	return out
}

// prefixLines puts first before the first line and rest before the others.
func prefixLines(s, first, rest string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		p := rest
		if i == 0 {
			p = first
		}
		if lines[i] == "" {
			if strings.HasPrefix(p, ">") {
				lines[i] = "> " // a bare newline would end the quote
			}
			continue
		}
		lines[i] = p + lines[i]
	}
	return strings.Join(lines, "\n")
}

// codeBlock fences code. Discord's fence is exactly three backticks and a
// longer fence is not recognised, so a run of three backticks inside the
// code is broken with a zero-width space rather than out-fenced.
func codeBlock(lang, code string) string {
	code = strings.ReplaceAll(code, "```", "`\u200b``")
	for strings.Contains(code, "```") {
		code = strings.ReplaceAll(code, "```", "`\u200b``")
	}
	code = strings.TrimRight(code, "\n")
	if strings.HasSuffix(code, "`") {
		code += "\u200b" // a closing ``` right after a backtick would merge with it
	}
	return "```" + richtext.CleanLang(lang) + "\n" + code + "\n```"
}

// inlineCode fences code. Discord reads ``` anywhere as a code block, so
// the fence may be at most two backticks: runs of backticks inside are
// broken with zero-width spaces (Parse removes them) to stay shorter.
func inlineCode(code string) string {
	code = strings.ReplaceAll(code, "\n", " ")
	for strings.Contains(code, "``") {
		code = strings.ReplaceAll(code, "``", "`"+zwsp+"`")
	}
	fence := "`"
	if strings.Contains(code, "`") {
		fence = "``"
	}
	if strings.HasPrefix(code, "`") || strings.HasSuffix(code, "`") {
		code = " " + code + " "
	}
	return fence + code + fence
}

var everyoneRe = regexp.MustCompile(`(?i)@(everyone|here)`)

// Defuse puts a zero-width space after the @ of every @everyone and @here,
// so no rendering of them can ever ping, even if allowed_mentions were
// lost on the way. It is the last step of every renderer in this package.
func Defuse(s string) string {
	return everyoneRe.ReplaceAllString(s, "@\u200b$1")
}

// trimBlankEdges drops blank lines at the start and white space at the end:
// Discord trims a message, so keeping them would only make a rendering
// differ from the rendering of what Discord shows.
func trimBlankEdges(s string) string {
	s = strings.TrimRightFunc(s, unicode.IsSpace)
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 || strings.TrimSpace(s[:i]) != "" {
			return s
		}
		s = s[i+1:]
	}
}
