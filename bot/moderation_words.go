package bot

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/heraldchat/herald/config"
	"github.com/heraldchat/herald/richtext"
)

// maskWith replaces a masked word in mirrored text.
const maskWith = "•••"

// wordRule is one compiled entry of moderation.words.
type wordRule struct {
	pattern string
	action  string // config.ActionMask, ActionHold or ActionDrop
	re      *regexp.Regexp
	word    bool // a plain word: a match must not sit inside a longer word
}

// compileWords compiles the config's word list. A plain word matches
// case-insensitively as a whole word in any script (regexp's \b knows only
// ASCII, so word edges are checked by hand); a regex is used as written.
func compileWords(rules []config.WordRule) ([]wordRule, error) {
	out := make([]wordRule, 0, len(rules))
	for i, r := range rules {
		p := strings.TrimSpace(r.Pattern)
		if p == "" {
			return nil, fmt.Errorf("moderation.words[%d].pattern is empty", i)
		}
		w := wordRule{pattern: p, action: r.Action, word: !r.Regex}
		if w.action == "" {
			w.action = config.ActionMask
		}
		src := p
		if !r.Regex {
			src = "(?i)" + regexp.QuoteMeta(p)
		}
		re, err := regexp.Compile(src)
		if err != nil {
			return nil, fmt.Errorf("moderation.words[%d].pattern %q: %w", i, p, err)
		}
		w.re = re
		switch w.action {
		case config.ActionMask, config.ActionHold, config.ActionDrop:
		default:
			return nil, fmt.Errorf("moderation.words[%d].action %q: use mask, hold or drop", i, r.Action)
		}
		out = append(out, w)
	}
	return out, nil
}

// find returns the byte ranges of s the rule matches.
func (w wordRule) find(s string) [][]int {
	var out [][]int
	for _, m := range w.re.FindAllStringIndex(s, -1) {
		if m[0] == m[1] {
			continue // an empty match masks nothing
		}
		if w.word && (wordRuneBefore(s, m[0]) || wordRuneAfter(s, m[1])) {
			continue
		}
		out = append(out, m)
	}
	return out
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_'
}

func wordRuneBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return isWordRune(r)
}

func wordRuneAfter(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isWordRune(r)
}

// wordVerdict is what the word list says about a text.
type wordVerdict struct {
	drop, hold string // the first drop and hold rule that matched
	masked     []string
}

// judgeWords applies every rule to the text's characters and returns the
// text with masked words replaced. Only characters people read are looked
// at and changed (plain text, code, alt text, link labels); link targets and
// mention ids are left alone.
func judgeWords(rules []wordRule, t richtext.Text) (richtext.Text, wordVerdict) {
	var v wordVerdict
	if len(rules) == 0 {
		return t, v
	}
	var visit func(nodes []richtext.Node) []richtext.Node
	visit = func(nodes []richtext.Node) []richtext.Node {
		if nodes == nil {
			return nil
		}
		out := make([]richtext.Node, len(nodes))
		for i, n := range nodes {
			if n.Text != "" {
				n.Text = applyWords(rules, n.Text, &v)
			}
			n.Children = visit(n.Children)
			out[i] = n
		}
		return out
	}
	return richtext.Text{Blocks: visit(t.Blocks)}, v
}

// applyWords records which rules match s and masks the words of mask rules.
func applyWords(rules []wordRule, s string, v *wordVerdict) string {
	for _, w := range rules {
		ms := w.find(s)
		if len(ms) == 0 {
			continue
		}
		switch w.action {
		case config.ActionDrop:
			if v.drop == "" {
				v.drop = w.pattern
			}
		case config.ActionHold:
			if v.hold == "" {
				v.hold = w.pattern
			}
		default:
			var b strings.Builder
			last := 0
			for _, m := range ms {
				b.WriteString(s[last:m[0]])
				b.WriteString(maskWith)
				last = m[1]
			}
			b.WriteString(s[last:])
			s = b.String()
			v.masked = append(v.masked, w.pattern)
		}
	}
	return s
}

// bareURL finds links written as plain text (platforms linkify them).
var bareURL = regexp.MustCompile(`(?i)\b(?:https?://|www\.)\S+`)

// countLinks counts the links in a text: link nodes and bare URLs.
func countLinks(t richtext.Text) int {
	n := 0
	var visit func(nodes []richtext.Node)
	visit = func(nodes []richtext.Node) {
		for _, x := range nodes {
			switch x.Kind {
			case richtext.Link:
				n++
				continue // its label is not a second link
			case richtext.Plain:
				n += len(bareURL.FindAllStringIndex(x.Text, -1))
			}
			visit(x.Children)
		}
	}
	visit(t.Blocks)
	return n
}

// sameText normalizes a comment's text for duplicate detection: case,
// spacing and trailing punctuation do not make a message new.
func sameText(t richtext.Text) string {
	s := strings.ToLower(strings.Join(strings.Fields(t.PlainText()), " "))
	return strings.TrimRight(s, "!?. ")
}
