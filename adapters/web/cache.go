package web

import (
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Conditional requests: every page and API answer carries an ETag made from
// the store's data version (see SiteStore.WebVersion) and the request, and a
// Last-Modified. A client that sends the ETag back (If-None-Match), or a
// date not older than the last change (If-Modified-Since, looked at only
// without If-None-Match, as RFC 9110 says), gets 304 after one small
// aggregate query and no rendering.
//
// Last-Modified is when this process first saw the current data version,
// not the newest time stored with the data: a comment can arrive long after
// it was written (a news site's comment imported a quarter of an hour
// later, a platform event delivered late), and a date taken from the data
// would then answer 304 to a client that never saw it. Another instance, or
// a restart, first sees a version no earlier than it was written, so its
// dates err only towards sending the page again.

// notModified sets the validators for what r asks about and reports whether
// the client's copy is current; then it has written 304 and the caller stops.
// articleID 0 means the lists. It returns false (and sets nothing) when the
// version cannot be read: the handler then renders as usual.
func (s *Site) notModified(w http.ResponseWriter, r *http.Request, articleID int64) bool {
	v, err := s.store.WebVersion(r.Context(), articleID)
	if err != nil {
		s.opt.Logger.Warn("read data version", slog.Any("error", err))
		return false
	}
	if articleID > 0 && strings.HasPrefix(v.Tag, "0.") {
		return false // no such article: let the handler say 404
	}
	h := sha256.Sum256([]byte(s.salt + "\x00" + r.URL.Path + "?" + r.URL.RawQuery + "\x00" + v.Tag))
	etag := `"` + base64.RawURLEncoding.EncodeToString(h[:18]) + `"`
	hdr := w.Header()
	hdr.Set("ETag", etag)
	// Clients may keep a copy but must ask (cheaply) before using it.
	hdr.Set("Cache-Control", "no-cache")
	changed := s.versions.firstSeen(articleID, v.Tag, time.Now())
	hdr.Set("Last-Modified", changed.UTC().Format(http.TimeFormat))
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if !etagMatch(inm, etag) {
			return false
		}
	} else {
		ims, err := http.ParseTime(r.Header.Get("If-Modified-Since"))
		if err != nil || changed.After(ims) {
			return false
		}
	}
	w.WriteHeader(http.StatusNotModified)
	return true
}

// etagMatch reports whether an If-None-Match header names etag (weak
// comparison, as for GET).
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// pageHeaders are set on every HTML page: no script runs on these pages at
// all, so the policy allows none, and styles only from the site itself.
func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src http: https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
}

func itoa(n int) string { return strconv.Itoa(n) }

// maxVersions bounds the versions remembered; past it they are forgotten
// at once, which only makes clients fetch each page once more.
const maxVersions = 20000

// versionClock remembers when each data version (per article, 0 for the
// lists) was first seen, in whole seconds as HTTP dates have them.
type versionClock struct {
	mu   sync.Mutex
	seen map[int64]seenVersion
}

type seenVersion struct {
	tag string
	at  time.Time
}

func (c *versionClock) firstSeen(key int64, tag string, now time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.seen[key]; ok && v.tag == tag {
		return v.at
	}
	if c.seen == nil || len(c.seen) >= maxVersions {
		c.seen = map[int64]seenVersion{}
	}
	// Two versions within one second: the second must not carry the date
	// already handed out with the first, or a client holding the first
	// would be told it is current.
	at := now.Truncate(time.Second)
	if prev, ok := c.seen[key]; ok && !at.After(prev.at) {
		at = prev.at.Add(time.Second)
	}
	c.seen[key] = seenVersion{tag: tag, at: at}
	return at
}
