package web

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/richtext/webhtml"
)

// atomMax is how many of the newest comments the feed carries.
const atomMax = 100

// Atom 1.0 (RFC 4287), written with encoding/xml, which escapes every text
// and attribute: a comment's HTML goes into <content type="html"> as
// escaped text, and it is webhtml's safe HTML to begin with.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   atomText    `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     atomText   `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Author    atomAuthor `xml:"author"`
	Link      atomLink   `xml:"link"`
	Content   atomText   `xml:"content"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

func atomTime(t time.Time) string {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.UTC().Format(time.RFC3339)
}

// base is the site's absolute URL: the configured one, else the request's
// own host (Atom ids and links must be absolute).
func (s *Site) base(r *http.Request) string {
	if s.opt.BaseURL != "" {
		return s.opt.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Site) serveAtom(w http.ResponseWriter, r *http.Request) {
	id, bad := pathID(r)
	if bad != nil {
		apiError(w, bad.status(), bad.msg)
		return
	}
	if s.notModified(w, r, id) {
		return
	}
	ctx := r.Context()
	v, err := s.store.WebArticle(ctx, id)
	if errors.Is(err, bot.ErrNotFound) {
		apiError(w, http.StatusNotFound, fmt.Sprintf("there is no article %d", id))
		return
	}
	if err != nil {
		s.apiInternal(w, r, err)
		return
	}
	cs, err := s.store.Comments(ctx, id)
	if err != nil {
		s.apiInternal(w, r, err)
		return
	}
	page := s.base(r) + "/articles/" + strconv.FormatInt(id, 10)
	feed := atomFeed{
		ID:    page + "/comments.atom",
		Title: atomText{Body: "Comments on " + titleOf(v.Article)},
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: page + "/comments.atom"}, {Rel: "alternate", Type: "text/html", Href: page}},
	}
	updated := v.Article.Published
	// Newest first, as feed readers show them. A removed comment has no
	// entry: its text and author are gone with it.
	for i := len(cs) - 1; i >= 0 && len(feed.Entries) < atomMax; i-- {
		c := cs[i]
		if !c.Deleted.IsZero() {
			continue
		}
		link := page + "#c" + strconv.FormatInt(c.ID, 10)
		changed := c.Created
		if c.Edited.After(changed) {
			changed = c.Edited
		}
		if changed.After(updated) {
			updated = changed
		}
		name := authorName(c.Author)
		feed.Entries = append(feed.Entries, atomEntry{
			ID:        link,
			Title:     atomText{Body: name + " on " + badge(c.Author.Platform) + ": " + richtext.TruncateString(oneLine(c.Body.PlainText()), 80, richtext.Runes)},
			Updated:   atomTime(changed),
			Published: atomTime(c.Created),
			Author:    atomAuthor{Name: name},
			Link:      atomLink{Rel: "alternate", Type: "text/html", Href: link},
			Content:   atomText{Type: "html", Body: string(webhtml.HTML(c.Body))},
		})
	}
	feed.Updated = atomTime(updated)
	out, err := xml.MarshalIndent(feed, "", "  ")
	if err != nil {
		s.apiInternal(w, r, fmt.Errorf("encode comment feed of article %d: %w", id, err))
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(xml.Header))
		_, _ = w.Write(out)
	}
}

// oneLine collapses whitespace, for titles.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
