// Package feeds fetches a feed politely and safely, parses it (RSS, Atom,
// RDF, JSON Feed, through gofeed) and normalizes its items. It knows nothing
// of the core: bot/ calls it and turns Items into Articles.
package feeds

import (
	"net/http"
	"sync"
	"time"
)

// Conditional carries the validators of the last successful fetch.
type Conditional struct {
	ETag         string
	LastModified string
}

// Response is the outcome of one fetch.
type Response struct {
	NotModified  bool   // 304: nothing to parse
	Body         []byte // the document; UTF-8 when only the HTTP charset named its encoding
	ContentType  string
	FinalURL     string // after redirects; the base for relative links
	ETag         string
	LastModified string
	MaxAge       time.Duration // Cache-Control max-age, a lower bound on the next check
	RetryAfter   time.Duration // from a 429/503
}

// Feed is a parsed and normalized feed.
type Feed struct {
	Title string
	Link  string
	Lang  string
	TTL   time.Duration // RSS <ttl>, a lower bound on the next check
	// Items are newest first, at most MaxItems of them, one per Key.
	Items []Item
	// Dropped counts the items beyond MaxItems that were left out.
	Dropped int
}

// Item is one normalized feed item.
type Item struct {
	Key          string // dedup key: guid, else canonical link, else hash of title+summary
	GUID         string
	URL          string // canonical: resolved, tracking parameters removed
	Title        string // entities decoded, whitespace collapsed
	SummaryHTML  string // sanitized HTML
	BodyHTML     string // sanitized HTML
	Image        string
	Author       string
	Categories   []string
	Published    time.Time
	Updated      time.Time
	Lang         string
	CommentsFeed string
	CommentCount int
	CommentsURL  string // RSS <comments>: the page where the article's comments are
	Hash         string // content hash: changes when the item is edited
}

// Fetcher fetches feeds over HTTP(S) or from local files, within the limits
// and behind the SSRF guard its Options set. Make one with NewFetcher; the
// zero value works too and uses the defaults. It is safe for concurrent use.
type Fetcher struct {
	once     sync.Once
	opts     Options
	guard    *guard
	resolver Resolver
	client   *http.Client
}
