package discordmd

import (
	"strings"

	"github.com/heraldchat/herald/richtext"
)

// emphasis picks among *em*, _em_, **strong** and __underline__ the way
// simple-markdown does: each rule that matches scores its length, em adds
// 0.2, strong 0.1, underline 0; the best score wins.
func (p *inlineParser) emphasis(i int) (*richtext.Node, int, bool) {
	type cand struct {
		kind  richtext.Kind
		inner string
		end   int
		score float64
	}
	var best *cand
	try := func(k richtext.Kind, inner string, end int, ok bool, bonus float64) {
		if !ok {
			return
		}
		c := cand{k, inner, end, float64(end-i) + bonus}
		if best == nil || c.score > best.score {
			best = &c
		}
	}
	s := p.s
	if s[i] == '*' {
		end, inner, ok := emStar(s, i)
		try(richtext.Italic, inner, end, ok, 0.2)
		end, inner, ok = doubled(s, i, "**")
		try(richtext.Bold, inner, end, ok, 0.1)
	} else {
		end, inner, ok := emUnderscore(s, i)
		try(richtext.Italic, inner, end, ok, 0.2)
		end, inner, ok = doubled(s, i, "__")
		try(richtext.Underline, inner, end, ok, 0)
	}
	if best == nil {
		return nil, 0, false
	}
	n := richtext.Node{Kind: best.kind, Children: p.sub(best.inner)}
	return &n, best.end, true
}

// doubled matches **x** or __x__: the shortest content (escapes skipped)
// followed by the marker not followed by its character again.
func doubled(s string, i int, marker string) (int, string, bool) {
	if !strings.HasPrefix(s[i:], marker) {
		return 0, "", false
	}
	start := i + 2
	for j := start; j < len(s); {
		if s[j] == '\\' && j+1 < len(s) {
			j += 2
			continue
		}
		if j > start && strings.HasPrefix(s[j:], marker) && (j+2 >= len(s) || s[j+2] != marker[0]) {
			return j + 2, s[start:j], true
		}
		j++
	}
	return 0, "", false
}

// emStar matches *x*: x starts and ends with non-space, may hold **pairs**
// and escapes, and the closing * is not followed by another.
func emStar(s string, i int) (int, string, bool) {
	start := i + 1
	if start >= len(s) || isSpace(s[start]) {
		return 0, "", false
	}
	j := start
	for j < len(s) {
		switch {
		case s[j] == '*' && j+1 < len(s) && s[j+1] == '*':
			j += 2
		case s[j] == '*':
			if j > start {
				return j + 1, s[start:j], true
			}
			return 0, "", false
		case s[j] == '\\' && j+1 < len(s):
			j += 2
		case isSpace(s[j]):
			for j < len(s) && isSpace(s[j]) {
				j++
			}
			if j >= len(s) || (s[j] == '*' && !(j+1 < len(s) && s[j+1] == '*')) {
				return 0, "", false
			}
		default:
			j++
		}
	}
	return 0, "", false
}

// emUnderscore matches _x_ at word boundaries: not after a word character,
// and the closing _ not followed by one.
func emUnderscore(s string, i int) (int, string, bool) {
	if i > 0 && isWord(s[i-1]) {
		return 0, "", false
	}
	start := i + 1
	for j := start; j < len(s); {
		switch {
		case s[j] == '\\' && j+1 < len(s):
			j += 2
		case s[j] == '_':
			if j > start && (j+1 >= len(s) || !isWord(s[j+1])) {
				return j + 1, s[start:j], true
			}
			if j+1 < len(s) && s[j+1] == '_' {
				j += 2
				continue
			}
			return 0, "", false
		default:
			j++
		}
	}
	return 0, "", false
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func isWord(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
