package feeds

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// loopbackResolver answers only for localhost and names under .test, and
// only ever with loopback addresses: whatever the guard does, a test cannot
// reach another machine through a name.
type loopbackResolver struct {
	names map[string][]netip.Addr // extra names, all loopback
}

func (r loopbackResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if addrs, ok := r.names[host]; ok {
		for _, a := range addrs {
			if !a.IsLoopback() {
				panic("test resolver configured with a non-loopback address")
			}
		}
		return addrs, nil
	}
	if host == "localhost" {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}, nil
	}
	return nil, fmt.Errorf("test resolver: %s is not a loopback name", host)
}

// newTestFetcher builds a fetcher whose resolver only knows loopback names.
// Tests must only ever give it URLs on 127.0.0.1, [::1] or such names.
func newTestFetcher(t testing.TB, o Options) *Fetcher {
	t.Helper()
	if o.Resolver == nil {
		o.Resolver = loopbackResolver{}
	}
	f, err := NewFetcher(o)
	if err != nil {
		t.Fatalf("NewFetcher: %v", err)
	}
	return f
}

// rssDoc is a small RSS 2.0 document with n items.
func rssDoc(title string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>%s</title><link>https://news.example/</link>`, title)
	for i := range n {
		fmt.Fprintf(&b, `<item><title>Item %d</title><link>https://news.example/%d</link><guid>id-%d</guid><pubDate>Mon, 02 Nov 2026 10:%02d:00 GMT</pubDate></item>`, i, i, i, i%60)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
