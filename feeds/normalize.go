package feeds

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
)

// normalizer turns gofeed items into Items for one document.
type normalizer struct {
	base       *url.URL
	now        time.Time
	feedLang   string
	feedAuthor string
	policy     *bluemonday.Policy // built per document: Parse must not share state between goroutines
}

func newNormalizer(base *url.URL, now time.Time, feedLang, feedAuthor string) *normalizer {
	return &normalizer{base: base, now: now, feedLang: feedLang, feedAuthor: feedAuthor, policy: newPolicy()}
}

func (n *normalizer) item(it *gofeed.Item, x extra) Item {
	out := Item{
		GUID:  strings.TrimSpace(it.GUID),
		Title: cleanText(it.Title),
		URL:   n.link(it),
	}
	var bodyImg, sumImg string
	out.SummaryHTML, sumImg = n.sanitize(it.Description, x.plainSummary)
	out.BodyHTML, bodyImg = n.sanitize(it.Content, x.plainContent)
	out.Image = n.image(it)
	if out.Image == "" {
		out.Image = firstNonEmpty(bodyImg, sumImg)
	}
	out.Author = firstNonEmpty(personName(it.Authors), dcCreator(it.DublinCoreExt), itunesAuthor(it.ITunesExt), n.feedAuthor)
	out.Categories = categories(it)
	out.Published, out.Updated = itemDates(it, n.now)
	out.Lang = firstNonEmpty(cleanLang(x.lang), cleanLang(dcLanguage(it.DublinCoreExt)), n.feedLang)
	out.CommentsFeed = canonicalURL(firstNonEmpty(extValue(it.Extensions, "wfw", "commentRss"), x.repliesFeed), n.base, false)
	out.CommentsURL = canonicalURL(x.commentsURL, n.base, false)
	if c, err := strconv.Atoi(firstNonEmpty(extValue(it.Extensions, "slash", "comments"), extValue(it.Extensions, "thr", "total"))); err == nil && c > 0 {
		out.CommentCount = c
	}
	out.Key = itemKey(out.GUID, out.URL, out.Title, out.SummaryHTML, n.base)
	out.Hash = contentHash(out)
	return out
}

// link is the item's canonical URL: its link, else its first link, else a
// guid that is a permalink.
func (n *normalizer) link(it *gofeed.Item) string {
	if u := canonicalURL(it.Link, n.base, true); u != "" {
		return u
	}
	for _, l := range it.Links {
		if u := canonicalURL(l, n.base, true); u != "" {
			return u
		}
	}
	if g := strings.TrimSpace(it.GUID); strings.HasPrefix(g, "http://") || strings.HasPrefix(g, "https://") {
		return canonicalURL(g, nil, true)
	}
	return ""
}

// image picks the item's picture: an image enclosure, media:content or
// media:thumbnail, itunes:image, then the JSON Feed image (gofeed's Image).
func (n *normalizer) image(it *gofeed.Item) string {
	for _, e := range it.Enclosures {
		if e != nil && isImage(e.Type, e.URL) {
			if u := canonicalURL(e.URL, n.base, false); u != "" {
				return u
			}
		}
	}
	if u := canonicalURL(mediaImage(it.Extensions["media"]), n.base, false); u != "" {
		return u
	}
	if it.ITunesExt != nil {
		if u := canonicalURL(it.ITunesExt.Image, n.base, false); u != "" {
			return u
		}
	}
	if it.Image != nil {
		return canonicalURL(it.Image.URL, n.base, false)
	}
	return ""
}

func isImage(mimeType, link string) bool {
	if mimeType != "" {
		return strings.HasPrefix(strings.ToLower(mimeType), "image/")
	}
	u, err := url.Parse(link)
	if err != nil {
		return false
	}
	switch strings.ToLower(path.Ext(u.Path)) {
	case ".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif":
		return true
	}
	return false
}

// mediaImage finds a Media RSS image, looking inside media:group too
// (YouTube puts its thumbnails there).
func mediaImage(media map[string][]ext.Extension) string {
	for _, c := range media["content"] {
		if isImage(c.Attrs["type"], c.Attrs["url"]) || strings.EqualFold(c.Attrs["medium"], "image") {
			return c.Attrs["url"]
		}
	}
	for _, t := range media["thumbnail"] {
		if t.Attrs["url"] != "" {
			return t.Attrs["url"]
		}
	}
	for _, g := range media["group"] {
		if u := mediaImage(g.Children); u != "" {
			return u
		}
	}
	return ""
}

// itemDates gives published and updated in UTC: a missing one takes the
// other's value, both missing take now, and future dates are clamped to now
// (a post dated next year must not stay "newest" forever).
func itemDates(it *gofeed.Item, now time.Time) (published, updated time.Time) {
	valid := func(t *time.Time) time.Time {
		if t == nil || t.Year() < 1971 {
			return time.Time{}
		}
		if t.After(now) {
			return now
		}
		return t.UTC()
	}
	published, updated = valid(it.PublishedParsed), valid(it.UpdatedParsed)
	switch {
	case published.IsZero() && updated.IsZero():
		published, updated = now, now
	case published.IsZero():
		published = updated
	case updated.IsZero() || updated.Before(published):
		updated = published
	}
	return published, updated
}

func personName(ps []*gofeed.Person) string {
	var names []string
	for _, p := range ps {
		if p == nil {
			continue
		}
		if name := cleanText(firstNonEmpty(p.Name, p.Email)); name != "" {
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}

func dcCreator(dc *ext.DublinCoreExtension) string {
	if dc == nil || len(dc.Creator) == 0 {
		return ""
	}
	return cleanText(strings.Join(dc.Creator, ", "))
}

func dcLanguage(dc *ext.DublinCoreExtension) string {
	if dc == nil || len(dc.Language) == 0 {
		return ""
	}
	return dc.Language[0]
}

func itunesAuthor(it *ext.ITunesItemExtension) string {
	if it == nil {
		return ""
	}
	return cleanText(it.Author)
}

// categories are trimmed, de-duplicated and bounded (some feeds tag an item
// with hundreds of keywords).
func categories(it *gofeed.Item) []string {
	const maxCategories = 32
	var out []string
	seen := map[string]bool{}
	for _, c := range it.Categories {
		c = cleanText(c)
		if c == "" || seen[strings.ToLower(c)] {
			continue
		}
		seen[strings.ToLower(c)] = true
		out = append(out, c)
		if len(out) == maxCategories {
			break
		}
	}
	return out
}

func cleanLang(l string) string {
	return strings.ReplaceAll(strings.TrimSpace(l), "_", "-")
}

func extValue(e ext.Extensions, space, name string) string {
	for _, v := range e[space][name] {
		if s := strings.TrimSpace(v.Value); s != "" {
			return s
		}
	}
	return ""
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// maxKeyGUID bounds the guids used as keys verbatim; longer ones are hashed
// so a key always fits an index.
const maxKeyGUID = 512

// itemKey is the dedup key: "guid:" + guid, else "url:" + canonical link,
// else "hash:" + sha256 of title and summary text. The prefixes keep the
// kinds apart. A guid that is a URL loses its tracking parameters (but keeps
// its fragment, which some feeds use to tell items apart).
func itemKey(guid, link, title, summaryHTML string, base *url.URL) string {
	if guid != "" {
		if strings.HasPrefix(guid, "http://") || strings.HasPrefix(guid, "https://") {
			if u := canonicalURL(guid, nil, false); u != "" {
				guid = u
			}
		}
		if len(guid) > maxKeyGUID {
			return "guid-sha256:" + sha256Hex(guid)
		}
		return "guid:" + guid
	}
	if link != "" && len(link) <= maxKeyGUID {
		return "url:" + link
	}
	if link != "" {
		return "url-sha256:" + sha256Hex(link)
	}
	return "hash:" + sha256Hex(title+"\x00"+PlainText(summaryHTML))
}

// contentHash covers what a reader would call the article: when it changes,
// the article was edited. Fetch time and tracking parameters are not in it
// (they are stripped from the URL and from links in the HTML).
func contentHash(it Item) string {
	return sha256Hex(strings.Join([]string{"v1", it.Title, it.URL, it.SummaryHTML, it.BodyHTML, it.Image}, "\x00"))
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
