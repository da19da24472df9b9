package feeds

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
)

// Defaults for Options fields left zero.
const (
	DefaultMaxBody       = 10 << 20
	DefaultTimeout       = 30 * time.Second
	DefaultHeaderTimeout = 10 * time.Second
	DefaultMaxRedirects  = 5
	projectURL           = "https://github.com/heraldchat/herald"
)

// Options tune a Fetcher. The zero value is usable: every zero field takes
// its default.
type Options struct {
	Version       string        // Herald's version, for the User-Agent
	UserAgent     string        // replaces "Herald/<version> (+project URL)" when set
	MaxBody       int64         // bytes, counted after decompression; 10 MiB
	Timeout       time.Duration // the whole fetch, body included; 30 s
	HeaderTimeout time.Duration // until the response headers arrive; 10 s
	MaxRedirects  int           // 5; a negative value follows none
	// Allow lists CIDRs ("10.0.0.0/8"), IPs or host names that may be
	// fetched although they are private, loopback, link-local and so on.
	Allow []string
	// AllowPrivate turns the SSRF guard off (multicast stays refused); for
	// `herald preview -allow-private` and tests.
	AllowPrivate bool
	// DenyFiles refuses local paths and file:// URLs, e.g. for feeds that a
	// chat admin adds by command rather than the operator in the config.
	DenyFiles bool
	// Resolver looks up host names; net.DefaultResolver when nil.
	Resolver Resolver
}

func (o Options) withDefaults() Options {
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.HeaderTimeout <= 0 {
		o.HeaderTimeout = DefaultHeaderTimeout
	}
	switch {
	case o.MaxRedirects == 0:
		o.MaxRedirects = DefaultMaxRedirects
	case o.MaxRedirects < 0:
		o.MaxRedirects = 0
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	if o.UserAgent == "" {
		o.UserAgent = "Herald/" + o.Version + " (+" + projectURL + ")"
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	return o
}

// NewFetcher makes a Fetcher; it fails only on an invalid allow-list entry.
func NewFetcher(o Options) (*Fetcher, error) {
	f := &Fetcher{}
	if err := f.init(o); err != nil {
		return nil, err
	}
	f.once.Do(func() {}) // already initialised
	return f, nil
}

func (f *Fetcher) init(o Options) error {
	f.opts = o.withDefaults()
	g, err := newGuard(f.opts.Allow, f.opts.AllowPrivate)
	if err != nil {
		return err
	}
	f.guard = g
	f.resolver = f.opts.Resolver
	transport := &http.Transport{
		Proxy:                  nil, // a proxy would connect for us, past the guard
		DialContext:            f.dial,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    f.opts.HeaderTimeout,
		ResponseHeaderTimeout:  f.opts.HeaderTimeout,
		DisableCompression:     true, // we decompress ourselves so the cap counts decompressed bytes
		MaxIdleConns:           64,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 1 << 20,
	}
	f.client = &http.Client{Transport: transport, CheckRedirect: f.checkRedirect}
	return nil
}

// Fetch gets url (http, https, a local path or a file:// URL), sending the
// validators in cond. A 304 gives NotModified and no body. A body that is
// not UTF-8 and declares no encoding itself is transcoded by the charset of
// the Content-Type. A failure is one of the typed errors in fetch_errors.go
// or a wrapped error naming the URL; a 429 or 503 also returns a Response
// carrying RetryAfter.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string, cond Conditional) (*Response, error) {
	f.once.Do(func() {
		if err := f.init(Options{}); err != nil {
			panic(err) // unreachable: the zero Options have no allow list to reject
		}
	})
	rawURL = strings.TrimSpace(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("feed address %q: %w", rawURL, err)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		return f.fetchFile(rawURL, cond)
	case "file":
		path := u.Path
		if u.Host != "" && u.Host != "localhost" {
			path = u.Host + u.Path // file://examples/feed.xml: a relative path, loosely written
		}
		return f.fetchFile(path, cond)
	default:
		return nil, &SchemeError{URL: rawURL, Scheme: u.Scheme}
	}

	ctx, cancel := context.WithTimeoutCause(ctx, f.opts.Timeout, errTotalTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5")
	req.Header.Set("Accept-Encoding", "gzip")
	if cond.ETag != "" {
		req.Header.Set("If-None-Match", cond.ETag)
	}
	if cond.LastModified != "" {
		req.Header.Set("If-Modified-Since", cond.LastModified)
	}

	resp, err := f.client.Do(req)
	if err != nil {
		return nil, f.explain(ctx, rawURL, "waiting for response headers", err)
	}
	defer resp.Body.Close()

	out := &Response{
		FinalURL:     resp.Request.URL.String(),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		ContentType:  resp.Header.Get("Content-Type"),
		MaxAge:       maxAge(resp.Header.Get("Cache-Control")),
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		if out.ETag == "" {
			out.ETag = cond.ETag
		}
		if out.LastModified == "" {
			out.LastModified = cond.LastModified
		}
		return out, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		out.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		return out, &HTTPError{URL: out.FinalURL, Status: resp.StatusCode, RetryAfter: out.RetryAfter}
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return out, &HTTPError{URL: out.FinalURL, Status: resp.StatusCode}
	}

	body, err := f.readBody(resp)
	if err != nil {
		return nil, f.explain(ctx, out.FinalURL, "reading the body", err)
	}
	if err := checkFeedish(out.ContentType, body); err != nil {
		return nil, err
	}
	out.Body = decodeByHeader(out.ContentType, body)
	return out, nil
}

var errTotalTimeout = errors.New("total fetch timeout")

// readBody reads the body, decompressing gzip, and stops at the cap.
func (f *Fetcher) readBody(resp *http.Response) ([]byte, error) {
	var r io.Reader = resp.Body
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		if resp.ContentLength > f.opts.MaxBody {
			return nil, &TooLargeError{Limit: f.opts.MaxBody}
		}
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("corrupt gzip body: %w", err)
		}
		defer zr.Close()
		r = zr
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q (Herald asked for gzip)", enc)
	}
	return readCapped(r, f.opts.MaxBody)
}

// readCapped reads r to the end, or fails once it gives more than limit bytes.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, &TooLargeError{Limit: limit}
	}
	return body, nil
}

// explain turns a transport error into one a person can act on.
func (f *Fetcher) explain(ctx context.Context, where, phase string, err error) error {
	var (
		refused  *RefusedError
		redirect *RedirectError
		tooLarge *TooLargeError
		netErr   net.Error
	)
	switch {
	case errors.As(err, &refused):
		return refused
	case errors.As(err, &redirect):
		return redirect
	case errors.As(err, &tooLarge):
		return tooLarge
	case context.Cause(ctx) == errTotalTimeout:
		return &TimeoutError{URL: where, After: f.opts.Timeout, Phase: phase}
	case errors.As(err, &netErr) && netErr.Timeout():
		return &TimeoutError{URL: where, After: f.opts.HeaderTimeout, Phase: phase}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("fetch %s: %w", where, err)
}

// checkRedirect allows at most MaxRedirects hops, over http(s) only, and
// refuses to visit a URL twice.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	chain := make([]string, 0, len(via)+1)
	for _, r := range via {
		chain = append(chain, r.URL.String())
	}
	next := req.URL.String()
	for _, seen := range chain {
		if seen == next {
			return &RedirectError{Chain: append(chain, next), Reason: "redirect loop"}
		}
	}
	chain = append(chain, next)
	if s := strings.ToLower(req.URL.Scheme); s != "http" && s != "https" {
		return &RedirectError{Chain: chain, Reason: "redirect to unsupported scheme " + strconv.Quote(req.URL.Scheme)}
	}
	if len(via) > f.opts.MaxRedirects {
		return &RedirectError{Chain: chain, Reason: fmt.Sprintf("more than %d redirects", f.opts.MaxRedirects)}
	}
	return nil
}

// checkFeedish rejects a body that is clearly not a feed: its content type
// says so and its first bytes do not look like RSS, Atom or JSON Feed. Many
// servers send feeds as text/html or text/plain, so the bytes have the last
// word.
func checkFeedish(contentType string, body []byte) error {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt == "" {
		return nil
	}
	peek := body
	if len(peek) > 4096 {
		peek = peek[:4096]
	}
	if gofeed.DetectFeedType(bytes.NewReader(peek)) != gofeed.FeedTypeUnknown {
		return nil
	}
	switch {
	case strings.Contains(mt, "xml"), strings.Contains(mt, "json"),
		mt == "text/plain", mt == "application/octet-stream":
		return nil // Parse will say what is wrong with it
	}
	return &NotFeedError{ContentType: mt}
}

// maxAge reads max-age from Cache-Control; no-store and no-cache give 0.
func maxAge(cc string) time.Duration {
	for _, d := range strings.Split(cc, ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
		if strings.EqualFold(name, "max-age") {
			n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64)
			if err != nil || n <= 0 {
				return 0
			}
			if n > 365*24*3600 {
				n = 365 * 24 * 3600
			}
			return time.Duration(n) * time.Second
		}
	}
	return 0
}

// retryAfter reads Retry-After as seconds or as an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > 365*24*3600 {
			n = 365 * 24 * 3600
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now).Round(time.Second)
	}
	return 0
}
