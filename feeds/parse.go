package feeds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	gfjson "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
)

// MaxItems is how many items Parse keeps from one document, newest first. A
// feed of 100,000 items is legal but no poll needs more than its newest few
// hundred; the rest are counted in Feed.Dropped and never normalized.
const MaxItems = 500

// maxTTL bounds RSS <ttl> so a feed cannot ask to be left alone for years.
const maxTTL = 24 * time.Hour

// Parse parses and normalizes a feed document; baseURL (the fetch's
// FinalURL) resolves relative links and now stands in for missing or future
// dates. Items come newest first, at most MaxItems, one per dedup Key.
// A document that is not a feed gives a *NotFeedError.
func Parse(body []byte, baseURL string, now time.Time) (feed *Feed, err error) {
	// gofeed and the HTML tokenizer see hostile input; a bug in them must
	// fail this one feed, not the process that polls all the others.
	defer func() {
		if r := recover(); r != nil {
			feed, err = nil, fmt.Errorf("parse feed: the parser failed on this document: %v", r)
		}
	}()

	body, err = prepare(body)
	if err != nil {
		return nil, err
	}
	body, cut := limitItems(body)
	p := gofeed.NewParser()
	// We find the first <img> ourselves, in the HTML we sanitize anyway.
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	p.KeepOriginalFeed = true // for <comments>, <ttl>, replies links and item languages
	gf, err := p.Parse(bytes.NewReader(body))
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			if looksLikeHTML(body) {
				return nil, &NotFeedError{ContentType: "text/html"}
			}
			return nil, &NotFeedError{Detail: "no RSS, Atom, RDF or JSON Feed document found"}
		}
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			// gofeed decodes through alias types, which show in the path.
			var path []string
			for _, p := range strings.Split(typeErr.Field, ".") {
				if p != "" && p != "alias" {
					path = append(path, p)
				}
			}
			return nil, fmt.Errorf("parse feed: JSON Feed field %q is a %s, not the %s the format wants", strings.Join(path, "."), typeErr.Value, typeErr.Type)
		}
		return nil, fmt.Errorf("parse feed: %w", err)
	}
	out := normalizeFeed(gf, body, baseURL, now)
	out.Dropped += cut
	return out, nil
}

// extra is what the universal gofeed.Item lacks and the original holds.
type extra struct {
	lang         string
	commentsURL  string
	repliesFeed  string
	plainContent bool // the content is plain text (JSON Feed content_text, Atom type="text")
	plainSummary bool
}

func normalizeFeed(gf *gofeed.Feed, body []byte, baseURL string, now time.Time) *Feed {
	now = now.UTC()
	base, _ := url.Parse(baseURL)
	out := &Feed{Title: cleanText(gf.Title), Lang: cleanLang(gf.Language)}
	if link := canonicalURL(gf.Link, base, false); link != "" {
		out.Link = link
		if u, err := url.Parse(link); err == nil {
			base = u // relative item links are relative to the site, not the feed file
		}
	}
	extras := make([]extra, len(gf.Items))
	switch orig := gf.OriginalFeed().(type) {
	case *rss.Feed:
		if m, err := strconv.Atoi(strings.TrimSpace(orig.TTL)); err == nil && m > 0 {
			out.TTL = min(time.Duration(m)*time.Minute, maxTTL)
		}
		if len(orig.Items) == len(extras) {
			for i, it := range orig.Items {
				extras[i].commentsURL = it.Comments
			}
		}
	case *atom.Feed:
		if len(orig.Entries) == len(extras) {
			for i, e := range orig.Entries {
				for _, l := range e.Links {
					if l != nil && strings.EqualFold(l.Rel, "replies") && extras[i].repliesFeed == "" {
						extras[i].repliesFeed = l.Href
					}
				}
				if e.Content != nil && strings.EqualFold(e.Content.Type, "text") {
					extras[i].plainContent = true
				}
			}
		}
	case *gfjson.Feed:
		if len(orig.Items) == len(extras) {
			for i, it := range orig.Items {
				extras[i].lang = it.Language
				extras[i].plainContent = it.ContentHTML == ""
				extras[i].plainSummary = true // JSON Feed summaries are plain text
			}
		}
	}
	if _, isJSON := gf.OriginalFeed().(*gfjson.Feed); !isJSON {
		if langs := itemLangs(body); len(langs) == len(extras) {
			for i := range extras {
				extras[i].lang = langs[i]
			}
		}
	}
	feedAuthor := personName(gf.Authors)

	// Order newest first before normalizing, so a huge feed costs a sort of
	// pointers and MaxItems normalizations, not one per item.
	order := make([]int, len(gf.Items))
	dates := make([]time.Time, len(gf.Items))
	for i, it := range gf.Items {
		order[i] = i
		if it != nil {
			dates[i], _ = itemDates(it, now)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return dates[b].Compare(dates[a]) })
	if len(order) > MaxItems {
		out.Dropped = len(order) - MaxItems
		order = order[:MaxItems]
	}

	n := newNormalizer(base, now, out.Lang, feedAuthor)
	seen := make(map[string]bool, len(order))
	out.Items = make([]Item, 0, len(order))
	for _, i := range order {
		if gf.Items[i] == nil {
			continue
		}
		it := n.item(gf.Items[i], extras[i])
		if seen[it.Key] {
			continue // the same article twice in one document: keep the newest
		}
		seen[it.Key] = true
		out.Items = append(out.Items, it)
	}
	return out
}

// looksLikeHTML says whether a document that is no feed is an HTML page, so
// the error can say "got text/html" as a person would.
func looksLikeHTML(body []byte) bool {
	head := body
	if len(head) > 1024 {
		head = head[:1024]
	}
	head = bytes.ToLower(head)
	return bytes.Contains(head, []byte("<!doctype html")) || bytes.Contains(head, []byte("<html"))
}
