package feeds

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// ErrEntityDeclarations refuses documents that declare their own XML
// entities. Go's encoding/xml never expands them (a "billion laughs" document
// stays small), but a feed that needs them would come out garbled, and no
// real feed does: saying so beats posting "&lol9;".
var ErrEntityDeclarations = errors.New("not a usable feed: the document declares its own XML entities (<!ENTITY …>), which Herald does not expand")

var (
	xmlDecl     = regexp.MustCompile(`^<\?xml[^>]*\?>`)
	xmlEncoding = regexp.MustCompile(`encoding\s*=\s*["']([^"']*)["']`)
	utf8BOM     = []byte{0xEF, 0xBB, 0xBF}
)

// prepare turns body into valid UTF-8 with no encoding declaration left to
// act on, so every later step (gofeed, the HTML sanitizer, the hash) sees
// the same text: UTF-16 by BOM and declared legacy encodings are transcoded,
// and invalid UTF-8 is repaired with U+FFFD instead of failing the feed.
func prepare(body []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}), bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		dec := unicode.BOMOverride(unicode.UTF8.NewDecoder())
		out, err := io.ReadAll(transform.NewReader(bytes.NewReader(body), dec))
		if err != nil {
			return nil, &NotFeedError{Detail: "cannot decode UTF-16: " + err.Error()}
		}
		body = replaceDecl(out)
	case bytes.HasPrefix(body, utf8BOM):
		body = body[len(utf8BOM):]
	}
	body = bytes.TrimLeft(body, " \t\r\n")
	if len(body) == 0 {
		return nil, &NotFeedError{Detail: "the document is empty"}
	}
	if body[0] == '<' {
		label := declaredEncoding(body)
		if strings.HasPrefix(strings.ToLower(label), "utf-16") {
			// UTF-16 with a BOM was handled above; a document that still
			// starts with '<' and says UTF-16 is really in an 8-bit encoding
			// (a common mislabel), and UTF-8 is the best guess.
			label = ""
			body = replaceDecl(body)
		}
		if label != "" && !isUTF8Label(label) {
			if enc, _ := charset.Lookup(label); enc != nil {
				out, err := enc.NewDecoder().Bytes(body)
				if err == nil {
					body = out
				}
			}
			// Transcoded, or an unknown label: either way the text is UTF-8
			// from here on and the parser must not transcode it again.
			body = replaceDecl(body)
		}
	}
	if !utf8.Valid(body) {
		body = bytes.ToValidUTF8(body, []byte("\uFFFD"))
	}
	if body[0] == '<' && declaresEntities(body) {
		return nil, ErrEntityDeclarations
	}
	return body, nil
}

func declaredEncoding(body []byte) string {
	decl := xmlDecl.Find(body[:min(len(body), 512)])
	if decl == nil {
		return ""
	}
	m := xmlEncoding.FindSubmatch(decl)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(string(m[1]))
}

func isUTF8Label(l string) bool {
	l = strings.ToLower(l)
	return l == "utf-8" || l == "utf8"
}

// replaceDecl swaps the XML declaration for a UTF-8 one.
func replaceDecl(body []byte) []byte {
	body = bytes.TrimLeft(body, " \t\r\n")
	if loc := xmlDecl.FindIndex(body[:min(len(body), 512)]); loc != nil {
		return append([]byte(`<?xml version="1.0" encoding="utf-8"?>`), body[loc[1]:]...)
	}
	return body
}

// declaresEntities looks for <!ENTITY in the prolog: the bytes before the
// root element, which is the only place a DTD's internal subset can be.
func declaresEntities(body []byte) bool {
	prolog := body
	for i := 0; i+1 < len(body); i++ {
		if body[i] == '<' && body[i+1] != '!' && body[i+1] != '?' {
			prolog = body[:i]
			break
		}
	}
	return bytes.Contains(prolog, []byte("<!ENTITY"))
}

const xmlNamespace = "http://www.w3.org/XML/1998/namespace"

// itemLangs gives each item's or entry's xml:lang (inherited from its
// ancestors when it has none), in document order. gofeed keeps only the
// feed's language; a multilingual feed marks its items. The scan runs only
// when the document has more than one xml:lang.
func itemLangs(body []byte) []string {
	if bytes.Count(body, []byte("xml:lang")) < 2 {
		return nil
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	var (
		langs  []string
		stack  []string // the language in force at each open element
		inItem int      // depth of the open item, 0 outside
	)
	for {
		tok, err := d.RawToken()
		if err != nil {
			return langs
		}
		switch t := tok.(type) {
		case xml.StartElement:
			lang := ""
			if len(stack) > 0 {
				lang = stack[len(stack)-1]
			}
			for _, a := range t.Attr {
				if a.Name.Local == "lang" && (a.Name.Space == "xml" || a.Name.Space == xmlNamespace) {
					lang = a.Value
				}
			}
			stack = append(stack, lang)
			depth := len(stack)
			if inItem == 0 && ((t.Name.Local == "entry" && depth == 2) || (t.Name.Local == "item" && (depth == 2 || depth == 3))) {
				inItem = depth
				langs = append(langs, lang)
			}
		case xml.EndElement:
			if len(stack) == inItem {
				inItem = 0
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
}

// decodeByHeader transcodes body to UTF-8 by the charset of its HTTP
// Content-Type, when that is the only word on the encoding: the body is not
// already valid UTF-8 (servers that default to "charset=iso-8859-1" often
// send UTF-8) and has no BOM or XML encoding declaration of its own.
func decodeByHeader(contentType string, body []byte) []byte {
	if utf8.Valid(body) || bytes.HasPrefix(body, []byte{0xFE, 0xFF}) || bytes.HasPrefix(body, []byte{0xFF, 0xFE}) {
		return body
	}
	_, params, err := mime.ParseMediaType(contentType)
	label := params["charset"]
	if err != nil || label == "" || isUTF8Label(label) {
		return body
	}
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '<' && declaredEncoding(trimmed) != "" {
		return body
	}
	enc, _ := charset.Lookup(label)
	if enc == nil {
		return body
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	return out
}
