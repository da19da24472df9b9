package feeds

import (
	"html"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	xhtml "golang.org/x/net/html"
)

// newPolicy is bluemonday's policy for user-generated content (no script,
// style, iframe, form, on* attributes, style attributes) narrowed to http,
// https and mailto links, so javascript: and data: URLs never pass. Relative
// URLs pass the sanitizer and are resolved afterwards by rewriteHTML.
func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(true)
	return p
}

// sanitize cleans one HTML fragment and resolves its links; it also returns
// the first image's URL.
func (n *normalizer) sanitize(s string, plain bool) (clean, firstImg string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ""
	}
	if plain {
		return textToHTML(s), ""
	}
	return n.rewriteHTML(n.policy.Sanitize(s))
}

// rewriteHTML resolves href and src against the item's base and strips
// tracking parameters from them, so that relative links work wherever the
// article is shown and the content hash ignores tracking changes.
func (n *normalizer) rewriteHTML(s string) (string, string) {
	if !strings.Contains(s, "href=") && !strings.Contains(s, "src=") {
		return s, "" // nothing to resolve: skip a second tokenization
	}
	var (
		b        strings.Builder
		firstImg string
	)
	b.Grow(len(s))
	z := xhtml.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return strings.TrimSpace(b.String()), firstImg
		}
		tok := z.Token()
		if tt == xhtml.StartTagToken || tt == xhtml.SelfClosingTagToken {
			for i, a := range tok.Attr {
				if a.Key != "href" && a.Key != "src" {
					continue
				}
				u := resolve(a.Val, n.base)
				switch {
				case u == nil:
					tok.Attr[i].Val = ""
				case u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "mailto":
					tok.Attr[i].Val = u.String()
				default:
					tok.Attr[i].Val = "" // a relative URL against a file:// base, say
				}
				if tok.Data == "img" && a.Key == "src" && firstImg == "" && strings.HasPrefix(tok.Attr[i].Val, "http") {
					firstImg = tok.Attr[i].Val
				}
			}
		}
		b.WriteString(tok.String())
	}
}

// textToHTML shows plain text as HTML paragraphs.
func textToHTML(s string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}

// PlainText is the text of an HTML fragment, entities decoded and whitespace
// collapsed: for titles, hashes and plain-text output.
func PlainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return collapse(s)
	}
	var b strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(s))
	skip := 0 // inside script or style: their text is not text
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return collapse(b.String())
		case xhtml.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case xhtml.StartTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				skip++
			case "br", "p", "div", "li", "td", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr":
				b.WriteByte(' ')
			}
		case xhtml.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				if skip > 0 {
					skip--
				}
			case "p", "div", "li", "td", "blockquote", "tr":
				b.WriteByte(' ')
			}
		case xhtml.SelfClosingTagToken:
			b.WriteByte(' ')
		}
	}
}

// collapse turns runs of whitespace and control characters into one space.
func collapse(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r <= ' ' || r == 0x7f || r == 0x85 || r == 0xa0 || r == 0x2028 || r == 0x2029 || r == '\u200b' || r == 0x3000
	}), " ")
}

// cleanText is a title or name: tags dropped, entities decoded, whitespace
// collapsed. The XML parser already decoded one level of entities; feeds
// often escape twice ("&amp;amp;"), which the second decoding here undoes.
func cleanText(s string) string {
	return PlainText(s)
}
