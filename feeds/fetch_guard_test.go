package feeds

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
)

// TestForbiddenReason classifies addresses; nothing here opens a socket.
func TestForbiddenReason(t *testing.T) {
	for _, tt := range []struct{ addr, want string }{
		{"127.0.0.1", "a loopback address"},
		{"127.8.9.10", "a loopback address"},
		{"::1", "a loopback address"},
		{"10.1.2.3", "a private address"},
		{"172.16.0.1", "a private address"},
		{"192.168.1.1", "a private address"},
		{"169.254.169.254", "a link-local address"},
		{"fe80::1", "a link-local address"},
		{"fc00::1", "a unique-local address"},
		{"fd12:3456::1", "a unique-local address"},
		{"224.0.0.1", "a multicast address"},
		{"ff02::1", "a multicast address"},
		{"0.0.0.0", "an unspecified address"},
		{"0.1.2.3", "an unspecified address"},
		{"::", "an unspecified address"},
		{"100.64.0.1", "a carrier-grade NAT address"},
		{"100.127.255.254", "a carrier-grade NAT address"},
		{"::ffff:127.0.0.1", "a loopback address"},
		{"::ffff:10.0.0.1", "a private address"},
		{"64:ff9b::7f00:1", "a loopback address (through NAT64)"},
		{"240.0.0.1", "a reserved address"},
		{"93.184.216.34", ""},
		{"100.128.0.1", ""},
		{"2606:4700::1111", ""},
	} {
		if got := forbiddenReason(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("forbiddenReason(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestGuardAllowList(t *testing.T) {
	g, err := newGuard([]string{"10.0.0.0/8", "192.168.1.7", "Feeds.Intranet.", " "}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		host, addr string
		allowed    bool
	}{
		{"10.2.3.4", "10.2.3.4", true},
		{"wiki", "10.9.9.9", true},
		{"192.168.1.7", "192.168.1.7", true},
		{"192.168.1.8", "192.168.1.8", false},
		{"feeds.intranet", "172.16.5.5", true},
		{"FEEDS.INTRANET", "127.0.0.1", true},
		{"other.intranet", "172.16.5.5", false},
		{"localhost", "::1", false},
		{"public.example", "93.184.216.34", true},
	} {
		err := g.check(tt.host, netip.MustParseAddr(tt.addr))
		if (err == nil) != tt.allowed {
			t.Errorf("check(%s, %s) = %v, want allowed %v", tt.host, tt.addr, err, tt.allowed)
		}
	}
	open, _ := newGuard(nil, true)
	if err := open.check("x", netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Errorf("AllowPrivate: loopback refused: %v", err)
	}
	var refused *RefusedError
	if err := open.check("x", netip.MustParseAddr("224.0.0.1")); !errors.As(err, &refused) {
		t.Errorf("AllowPrivate: multicast = %v, want still refused", err)
	}
}

// TestGoXMLDoesNotExpandEntities shows why a billion-laughs document is
// harmless even past our prolog check: gofeed's decoder (encoding/xml,
// non-strict) leaves custom entity references unexpanded.
func TestGoXMLDoesNotExpandEntities(t *testing.T) {
	doc := billionLaughs()
	f, err := gofeed.NewParser().Parse(bytes.NewReader([]byte(doc)))
	if err != nil {
		t.Fatalf("gofeed: %v", err)
	}
	if len(f.Items) != 1 {
		t.Fatalf("%d items, want 1", len(f.Items))
	}
	t.Logf("title as parsed: %q", f.Items[0].Title)
	for _, it := range f.Items {
		if len(it.Title) > 100 || strings.Contains(it.Title, "lollol") {
			t.Errorf("entity expanded: title of %d bytes %.40q", len(it.Title), it.Title)
		}
	}
	if len(f.Title) > 100 {
		t.Errorf("entity expanded in the feed title: %d bytes", len(f.Title))
	}
}
