package web

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Helpers that read pages the way a browser would: parsed, not grepped.

type htmlNode = html.Node

func parseHTML(t testing.TB, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse page: %v", err)
	}
	return doc
}

func attrOf(n *html.Node, key string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasClass(n *html.Node, class string) bool {
	v, _ := attrOf(n, "class")
	return slices.Contains(strings.Fields(v), class)
}

// walk visits every element under n in document order.
func walk(n *html.Node, fn func(*html.Node)) {
	if n.Type == html.ElementNode {
		fn(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	walk(n, func(e *html.Node) {
		if match(e) {
			out = append(out, e)
		}
	})
	return out
}

func byClass(class string) func(*html.Node) bool {
	return func(n *html.Node) bool { return hasClass(n, class) }
}

func byTag(tag string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == tag }
}

// first returns the first match under n that is not inside a nested
// comment (so a comment's own parts are not confused with its replies').
func own(n *html.Node, match func(*html.Node) bool) *html.Node {
	var found *html.Node
	var visit func(*html.Node)
	visit = func(e *html.Node) {
		for c := e.FirstChild; c != nil && found == nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if match(c) {
				found = c
				return
			}
			if hasClass(c, "replies") {
				continue
			}
			visit(c)
		}
	}
	visit(n)
	return found
}

func textOf(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var visit func(*html.Node)
	visit = func(e *html.Node) {
		if e.Type == html.TextNode {
			b.WriteString(e.Data)
		}
		for c := e.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	visit(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// parentComment is the nearest li.comment above n, or nil.
func parentComment(n *html.Node) *html.Node {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && hasClass(p, "comment") {
			return p
		}
	}
	return nil
}

// scriptish lists what in a document could run script or load a page: script
// and other active elements, event-handler attributes, and URLs with
// schemes other than http(s), mailto and relative ones.
func scriptish(doc *html.Node) []string {
	var bad []string
	walk(doc, func(n *html.Node) {
		switch n.Data {
		case "script", "iframe", "object", "embed", "form", "textarea", "svg", "math", "base", "meta":
			if n.Data == "meta" {
				if _, ok := attrOf(n, "charset"); ok {
					return
				}
				if v, _ := attrOf(n, "name"); v == "viewport" {
					return
				}
			}
			bad = append(bad, "<"+n.Data+">")
		}
		for _, a := range n.Attr {
			k := strings.ToLower(a.Key)
			if strings.HasPrefix(k, "on") || k == "style" || k == "srcdoc" || k == "formaction" {
				bad = append(bad, n.Data+" "+k+"="+a.Val)
			}
			if k == "href" || k == "src" || k == "action" {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if !(strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "mailto:") ||
					strings.HasPrefix(v, "/") || strings.HasPrefix(v, "#")) {
					bad = append(bad, n.Data+" "+k+"="+a.Val)
				}
			}
		}
	})
	return bad
}
