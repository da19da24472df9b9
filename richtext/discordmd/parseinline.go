package discordmd

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/heraldchat/herald/richtext"
)

// inlineParser reads one paragraph's inline Markdown, rule by rule at each
// position, in simple-markdown's order.
type inlineParser struct {
	s     string
	depth int
	out   []richtext.Node
	text  strings.Builder
}

func parseInline(s string, depth int) []richtext.Node {
	if depth > maxNesting {
		return []richtext.Node{richtext.Str(s)}
	}
	p := &inlineParser{s: s, depth: depth}
	p.run()
	return p.out
}

func (p *inlineParser) emit(n richtext.Node) {
	p.flushText()
	p.out = append(p.out, n)
}

func (p *inlineParser) flushText() {
	if p.text.Len() > 0 {
		// Zero-width spaces are how renderers keep markup apart; they
		// carry no meaning of their own.
		t := strings.ReplaceAll(p.text.String(), "\u200b", "")
		if t != "" {
			p.out = append(p.out, richtext.Str(t))
		}
		p.text.Reset()
	}
}

func (p *inlineParser) sub(s string) []richtext.Node { return parseInline(s, p.depth+1) }

var (
	mentionRe = regexp.MustCompile(`^<@!?([0-9]{1,20})>`)
	emojiRe   = regexp.MustCompile(`^<a?:([A-Za-z0-9_]{1,32}):[0-9]{1,20}>`)
	autoRe    = regexp.MustCompile(`^<(https?://[^ >]+)>`)
	urlRe     = regexp.MustCompile(`^https?://[^\s<]+[^<.,:;"')\]\s]`)
)

func (p *inlineParser) run() {
	s := p.s
	for i := 0; i < len(s); {
		if n, end, ok := p.rule(i); ok {
			if n != nil {
				p.emit(*n)
			}
			i = end
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		p.text.WriteString(s[i : i+size])
		i += size
	}
	p.flushText()
}

// rule tries every rule at i. A nil node with ok means text was written.
func (p *inlineParser) rule(i int) (*richtext.Node, int, bool) {
	s := p.s
	c := s[i]
	switch c {
	case '\\':
		if i+1 < len(s) && isEscapable(s[i+1]) {
			p.text.WriteByte(s[i+1])
			return nil, i + 2, true
		}
	case '\n':
		n := richtext.Br()
		return &n, i + 1, true
	case '<':
		rest := s[i:]
		if m := mentionRe.FindStringSubmatch(rest); m != nil {
			n := richtext.At(m[1], m[1])
			return &n, i + len(m[0]), true
		}
		if m := emojiRe.FindStringSubmatch(rest); m != nil {
			p.text.WriteString(":" + m[1] + ":")
			return nil, i + len(m[0]), true
		}
		if m := autoRe.FindStringSubmatch(rest); m != nil && richtext.SafeURL(m[1]) {
			n := richtext.A(decodeURL(m[1]))
			return &n, i + len(m[0]), true
		}
	case '[':
		if n, end, ok := p.maskedLink(i); ok {
			return &n, end, true
		}
	case 'h':
		if m := urlRe.FindString(s[i:]); m != "" && richtext.SafeURL(m) {
			n := richtext.A(m)
			return &n, i + len(m), true
		}
	case '*', '_':
		return p.emphasis(i)
	case '~':
		if end, inner, ok := lazyPair(s, i, "~~"); ok {
			n := richtext.S(p.sub(inner)...)
			return &n, end, true
		}
	case '|':
		if end, inner, ok := lazyPair(s, i, "||"); ok {
			n := richtext.Sp(p.sub(inner)...)
			return &n, end, true
		}
	case '`':
		if n, end, ok := codeSpan(s, i); ok {
			return &n, end, true
		}
	}
	return nil, 0, false
}

func isEscapable(c byte) bool {
	// Discord's rule: \\([^0-9A-Za-z\s]).
	return c < 0x80 && !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte(" \t\n\v\f\r", c) >= 0)
}

// lazyPair matches marker, the shortest non-empty content, marker — the
// way Discord reads ~~strike~~ and ||spoilers|| (escapes do not count).
func lazyPair(s string, i int, marker string) (end int, inner string, ok bool) {
	if !strings.HasPrefix(s[i:], marker) {
		return 0, "", false
	}
	start := i + len(marker)
	if start >= len(s) {
		return 0, "", false
	}
	for j := start + 1; j < len(s); j++ {
		if !strings.HasPrefix(s[j:], marker) {
			continue
		}
		if marker == "~~" && j+2 < len(s) && s[j+2] == '_' {
			continue // (?!_) in Discord's rule
		}
		return j + len(marker), s[start:j], true
	}
	return 0, "", false
}

// codeSpan matches a run of backticks, content, the same run.
func codeSpan(s string, i int) (richtext.Node, int, bool) {
	n := 0
	for i+n < len(s) && s[i+n] == '`' {
		n++
	}
	fence := s[i : i+n]
	for j := i + n; j < len(s); {
		k := strings.Index(s[j:], fence)
		if k < 0 {
			break
		}
		k += j
		run := 0
		for k+run < len(s) && s[k+run] == '`' {
			run++
		}
		if run == n && k > i+n && s[k-1] != '`' {
			code := s[i+n : k]
			if strings.HasPrefix(code, " ") && strings.HasSuffix(code, " ") && strings.Trim(code, " ") != "" &&
				(strings.HasPrefix(strings.TrimLeft(code, " "), "`") || strings.HasSuffix(strings.TrimRight(code, " "), "`")) {
				code = code[1 : len(code)-1]
			}
			return richtext.C(strings.ReplaceAll(code, "\u200b", "")), k + n, true
		}
		j = k + run
	}
	return richtext.Node{}, 0, false
}

// maskedLink matches [label](target) and [label](<target>).
func (p *inlineParser) maskedLink(i int) (richtext.Node, int, bool) {
	s := p.s
	depth := 0
	j := i
	for ; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
			continue
		case '[':
			depth++
		case ']':
			depth--
		}
		if depth == 0 {
			break
		}
	}
	if j >= len(s) || j+1 >= len(s) || s[j+1] != '(' {
		return richtext.Node{}, 0, false
	}
	label := s[i+1 : j]
	k := j + 2
	var target string
	if k < len(s) && s[k] == '<' {
		e := strings.IndexByte(s[k:], '>')
		if e < 0 || k+e+1 >= len(s) || s[k+e+1] != ')' {
			return richtext.Node{}, 0, false
		}
		target = s[k+1 : k+e]
		k += e + 2
	} else {
		e := strings.IndexAny(s[k:], ") \n")
		if e < 0 || s[k+e] != ')' {
			return richtext.Node{}, 0, false
		}
		target = s[k : k+e]
		k += e + 1
	}
	if !richtext.SafeURL(target) || strings.TrimSpace(label) == "" {
		return richtext.Node{}, 0, false
	}
	return richtext.A(decodeURL(target), p.sub(label)...), k, true
}

// decodeURL undoes the encoding Render applies to * _ ~ | in addresses.
func decodeURL(u string) string {
	return urlDecoder.Replace(u)
}

var urlDecoder = strings.NewReplacer("%2A", "*", "%2a", "*", "%5F", "_", "%5f", "_", "%7E", "~", "%7e", "~", "%7C", "|", "%7c", "|")
