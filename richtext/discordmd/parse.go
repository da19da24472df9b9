package discordmd

import (
	"regexp"
	"strings"

	"github.com/heraldchat/herald/richtext"
)

// maxNesting bounds recursion on hostile input such as a thousand ">>> "
// or "**" in a row; deeper content is read as plain text.
const maxNesting = 32

// Parse reads Discord Markdown as Discord shows it: code blocks, block
// quotes ("> " and ">>> "), "#"-"###" headings, "-", "*", "+" and "1."
// lists, and inline bold, italic, underline, strike, spoilers, inline code,
// masked and bare links and <@id> user mentions. Everything else is text.
func Parse(s string) richtext.Text {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\r\n", "\n")
	return richtext.Normalize(richtext.Text{Blocks: parseBlocks(s, 0)})
}

// ParseWith is Parse with display names for user mentions: name returns
// the name for a user id ("" keeps the id). Discord sends the mentioned
// users with each message, so the adapter can supply them.
func ParseWith(s string, name func(id string) string) richtext.Text {
	t := Parse(s)
	t.Blocks = nameMentions(t.Blocks, name)
	return t
}

func nameMentions(nodes []richtext.Node, name func(string) string) []richtext.Node {
	out := make([]richtext.Node, len(nodes))
	for i, n := range nodes {
		if n.Kind == richtext.Mention {
			if v := name(n.ID); v != "" {
				n.Text = v
			}
		}
		if len(n.Children) > 0 {
			n.Children = nameMentions(n.Children, name)
		}
		out[i] = n
	}
	return out
}

var (
	headingRe  = regexp.MustCompile(`^(#{1,3}) +(\S.*)$`)
	listItemRe = regexp.MustCompile(`^( *)([-*+]|[0-9]{1,9}\.) +(\S.*)$`)
	langLineRe = regexp.MustCompile(`^([A-Za-z0-9_+\-.#]+?)\n`)
)

func parseBlocks(s string, depth int) []richtext.Node {
	if depth > maxNesting {
		return richtext.FromPlain(s).Blocks
	}
	var out []richtext.Node
	var para []string
	flush := func() {
		if len(para) > 0 {
			out = append(out, richtext.Para(parseInline(strings.Join(para, "\n"), depth)...))
			para = nil
		}
	}
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.HasPrefix(strings.TrimLeft(line, " "), "```"):
			rest := strings.Join(lines[i:], "\n")
			rest = strings.TrimLeft(rest, " ")
			if code, lang, after, ok := fencedCode(rest); ok {
				flush()
				out = append(out, richtext.Pre(lang, code))
				if after == "" {
					return out
				}
				lines = append([]string{}, strings.Split(after, "\n")...)
				i = -1
				continue
			}
			para = append(para, line)
		case strings.HasPrefix(line, ">>> "):
			flush()
			rest := strings.Join(append([]string{line[4:]}, lines[i+1:]...), "\n")
			return append(out, richtext.Q(parseBlocks(rest, depth+1)...))
		case strings.HasPrefix(line, "> ") || line == ">":
			flush()
			var quoted []string
			for ; i < len(lines) && (strings.HasPrefix(lines[i], "> ") || lines[i] == ">"); i++ {
				quoted = append(quoted, strings.TrimPrefix(strings.TrimPrefix(lines[i], ">"), " "))
			}
			i--
			out = append(out, richtext.Q(parseBlocks(strings.Join(quoted, "\n"), depth+1)...))
		case headingRe.MatchString(line):
			flush()
			m := headingRe.FindStringSubmatch(line)
			out = append(out, richtext.H(len(m[1]), parseInline(m[2], depth)...))
		case listItemRe.MatchString(line):
			flush()
			var list richtext.Node
			list, i = parseList(lines, i, depth)
			i--
			out = append(out, list)
		case strings.HasPrefix(line, "-# "):
			// Subtext: small print, read as an ordinary line.
			para = append(para, line[3:])
		case strings.TrimSpace(line) == "":
			flush()
		default:
			para = append(para, line)
		}
	}
	flush()
	return out
}

// parseList reads list items starting at lines[i]; more-indented items
// form nested lists. It returns the list and the first line after it.
func parseList(lines []string, i, depth int) (richtext.Node, int) {
	m := listItemRe.FindStringSubmatch(lines[i])
	indent := len(m[1])
	list := richtext.Node{Kind: richtext.List, Ordered: m[2] != "-" && m[2] != "*" && m[2] != "+"}
	for i < len(lines) {
		m := listItemRe.FindStringSubmatch(lines[i])
		if m == nil || len(m[1]) < indent {
			break
		}
		ordered := m[2] != "-" && m[2] != "*" && m[2] != "+"
		if len(m[1]) == indent && ordered != list.Ordered {
			break // a different marker starts a new list
		}
		if len(m[1]) > indent && len(list.Children) > 0 && depth < maxNesting {
			var sub richtext.Node
			sub, i = parseList(lines, i, depth+1)
			last := &list.Children[len(list.Children)-1]
			last.Children = append(last.Children, sub)
			continue
		}
		item := richtext.Li(richtext.Para(parseInline(m[3], depth)...))
		i++
		// Continuation lines are indented past the marker.
		for i < len(lines) && strings.HasPrefix(lines[i], strings.Repeat(" ", indent+2)) && !listItemRe.MatchString(lines[i]) {
			item.Children[0].Children = append(item.Children[0].Children, richtext.Br())
			item.Children[0].Children = append(item.Children[0].Children, parseInline(strings.TrimLeft(lines[i], " "), depth)...)
			i++
		}
		list.Children = append(list.Children, item)
	}
	return list, i
}

// fencedCode reads a ``` code block at the start of s, as Discord does:
// an optional language on the first line, the code up to the next ```.
func fencedCode(s string) (code, lang, after string, ok bool) {
	body := s[3:]
	if m := langLineRe.FindStringSubmatch(body); m != nil {
		lang = m[1]
		body = body[len(m[0]):]
	}
	end := strings.Index(body, "```")
	if end < 0 {
		return "", "", "", false
	}
	code = strings.Trim(body[:end], "\n")
	code = strings.ReplaceAll(code, "\u200b", "")
	if code == "" {
		return "", "", "", false
	}
	return code, lang, strings.TrimPrefix(body[end+3:], "\n"), true
}
