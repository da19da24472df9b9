package feeds

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// The errors below are what a failed fetch returns. Their messages are meant
// for a person (they end up in the feed's last error and in admin notices);
// callers branch on them with errors.As.

// HTTPError is a response with a status other than 2xx or 304.
type HTTPError struct {
	URL        string
	Status     int
	RetryAfter time.Duration // from Retry-After on a 429 or 503; 0 when absent
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("HTTP %d from %s", e.Status, e.URL)
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return msg
}

// NotFeedError is a document that is not RSS, Atom, RDF or JSON Feed, such as
// an HTML page.
type NotFeedError struct {
	ContentType string // "text/html"; empty when only the content told
	Detail      string // what was seen instead, when ContentType says nothing
}

func (e *NotFeedError) Error() string {
	if e.ContentType != "" {
		return "not a feed: got " + e.ContentType
	}
	if e.Detail != "" {
		return "not a feed: " + e.Detail
	}
	return "not a feed"
}

// TooLargeError is a body over the size cap, counted after decompression.
type TooLargeError struct {
	Limit int64
}

func (e *TooLargeError) Error() string { return "body larger than " + formatBytes(e.Limit) }

// RefusedError is a connection the SSRF guard did not allow.
type RefusedError struct {
	Addr   netip.Addr
	Reason string // "a loopback address"
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refused: %s is %s (allow it in fetch.allow)", e.Addr, e.Reason)
}

// RedirectError is a redirect Herald will not follow.
type RedirectError struct {
	Chain  []string // the URLs visited, the refused one last
	Reason string   // "redirect loop", "more than 5 redirects", …
}

func (e *RedirectError) Error() string {
	return e.Reason + ": " + strings.Join(e.Chain, " → ")
}

// TimeoutError is a fetch that ran out of time.
type TimeoutError struct {
	URL   string
	After time.Duration
	Phase string // "waiting for response headers" or "reading the body"
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("timed out after %s %s from %s", e.After, e.Phase, e.URL)
}

// SchemeError is a URL Herald cannot fetch at all.
type SchemeError struct {
	URL    string
	Scheme string
}

func (e *SchemeError) Error() string {
	return fmt.Sprintf("unsupported scheme %q in %s: only http, https and local files", e.Scheme, e.URL)
}

// ErrFilesDenied is returned for a local path when Options.DenyFiles is set.
var ErrFilesDenied = errors.New("local files are not allowed as feeds here")

// formatBytes says n in the largest binary unit that divides it, so the
// default cap reads "10 MiB" rather than "10485760 bytes".
func formatBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}
