package richtexttest

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"golang.org/x/net/html"

	"github.com/heraldchat/herald/richtext"
)

var liveMass = regexp.MustCompile(`(?i)@(everyone|here|room)\b`)

// LiveMassMention finds an @everyone, @here or @room that could notify a
// whole channel or room (one without a zero-width space after the @).
func LiveMassMention(s string) string { return liveMass.FindString(s) }

// CheckHTML parses HTML output and fails on any tag outside allowed, any
// on* handler, any style or src attribute on a non-img, and any href or src
// that is not http, https or mailto (or mxc:// when allowMXC).
func CheckHTML(s string, allowed map[string]bool) error {
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if errors.Is(z.Err(), io.EOF) {
				return nil
			}
			return z.Err()
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			tok := z.Token()
			if !allowed[tok.Data] {
				return fmt.Errorf("tag <%s> not allowed in %q", tok.Data, s)
			}
			for _, a := range tok.Attr {
				key := strings.ToLower(a.Key)
				switch {
				case strings.HasPrefix(key, "on"):
					return fmt.Errorf("handler %s=%q in %q", a.Key, a.Val, s)
				case key == "href" || key == "src":
					if !richtext.SafeURL(a.Val) {
						return fmt.Errorf("%s=%q is not a safe URL in %q", a.Key, a.Val, s)
					}
				case key == "style":
					return fmt.Errorf("style attribute in %q", s)
				}
			}
		}
	}
}

// MatrixTags are the tags the Matrix spec lets clients render in
// formatted_body (m.room.message, msgtype m.text).
var MatrixTags = setOf("font", "del", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "p", "a", "ul", "ol",
	"sup", "sub", "li", "b", "i", "u", "strong", "em", "s", "code", "hr", "br", "div", "table", "thead",
	"tbody", "tr", "th", "td", "caption", "pre", "span", "img", "details", "summary")

// WebTags are the tags Herald's web renderer may write.
var WebTags = setOf("p", "h3", "h4", "h5", "h6", "pre", "code", "blockquote", "ul", "ol", "li", "br",
	"strong", "em", "u", "del", "span", "a", "article", "h2", "div", "img", "time")

func setOf(tags ...string) map[string]bool {
	m := map[string]bool{}
	for _, t := range tags {
		m[t] = true
	}
	return m
}
