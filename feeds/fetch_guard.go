package feeds

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
)

// Resolver looks up the addresses of a host name. *net.Resolver is one; tests
// pass a resolver that only ever answers with loopback addresses, so they
// cannot reach another machine even if the guard were broken.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// guard decides which addresses a fetch may connect to. It is consulted in
// net.Dialer.Control, i.e. on the address actually being connected to, after
// DNS resolution and on every redirect hop, so neither DNS rebinding nor a
// redirect to an internal address gets around it.
type guard struct {
	allowAll bool // Options.AllowPrivate
	prefixes []netip.Prefix
	hosts    map[string]bool
}

func newGuard(allow []string, allowPrivate bool) (*guard, error) {
	g := &guard{allowAll: allowPrivate, hosts: map[string]bool{}}
	for _, a := range allow {
		a = strings.TrimSpace(a)
		switch {
		case a == "":
			continue
		case strings.Contains(a, "/"):
			p, err := netip.ParsePrefix(a)
			if err != nil {
				return nil, fmt.Errorf("fetch.allow: %q is not a valid CIDR: %w", a, err)
			}
			g.prefixes = append(g.prefixes, p.Masked())
		default:
			if ip, err := netip.ParseAddr(strings.Trim(a, "[]")); err == nil {
				g.prefixes = append(g.prefixes, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
				continue
			}
			g.hosts[canonicalHost(a)] = true
		}
	}
	return g, nil
}

func canonicalHost(h string) string { return strings.TrimSuffix(strings.ToLower(h), ".") }

// check returns a *RefusedError when host (the name in the URL, or the IP
// itself) may not be reached at addr.
func (g *guard) check(host string, addr netip.Addr) error {
	addr = addr.Unmap()
	reason := forbiddenReason(addr)
	if reason == "" {
		return nil
	}
	if g.allowAll && reason != "a multicast address" {
		return nil
	}
	if g.hosts[canonicalHost(host)] {
		return nil
	}
	for _, p := range g.prefixes {
		if p.Contains(addr) {
			return nil
		}
	}
	return &RefusedError{Addr: addr, Reason: reason}
}

var (
	cgnat       = netip.MustParsePrefix("100.64.0.0/10")
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
	reserved4   = netip.MustParsePrefix("240.0.0.0/4")
	nat64       = netip.MustParsePrefix("64:ff9b::/96")
	uniqueLocal = netip.MustParsePrefix("fc00::/7")
)

// forbiddenReason says why addr is not a public unicast address, or "".
func forbiddenReason(addr netip.Addr) string {
	addr = addr.Unmap()
	if nat64.Contains(addr) {
		// A NAT64 address reaches the IPv4 address in its last 32 bits.
		b := addr.As16()
		if r := forbiddenReason(netip.AddrFrom4([4]byte(b[12:16]))); r != "" {
			return r + " (through NAT64)"
		}
	}
	switch {
	case !addr.IsValid():
		return "not a valid address"
	case addr.IsUnspecified(), addr.Is4() && thisNetwork.Contains(addr):
		return "an unspecified address"
	case addr.IsLoopback():
		return "a loopback address"
	case addr.IsLinkLocalUnicast():
		return "a link-local address"
	case addr.IsMulticast():
		return "a multicast address"
	case uniqueLocal.Contains(addr):
		return "a unique-local address"
	case addr.IsPrivate():
		return "a private address"
	case cgnat.Contains(addr):
		return "a carrier-grade NAT address"
	case addr.Is4() && reserved4.Contains(addr):
		return "a reserved address"
	}
	return ""
}

// dial resolves the host with the configured resolver and connects to the
// first address the guard allows. The guard runs in Control, on the address
// being connected to.
func (f *Fetcher) dial(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", address, err)
	}
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		addrs, err = f.resolver.LookupNetIP(ctx, "ip", host)
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) {
			return nil, err // already says "lookup <host>: no such host"
		}
		if err != nil {
			return nil, fmt.Errorf("look up %s: %w", host, err)
		}
		if len(addrs) == 0 {
			return nil, fmt.Errorf("look up %s: no addresses", host)
		}
	}
	d := net.Dialer{
		Timeout: f.opts.HeaderTimeout,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("refused: cannot tell the address of %q: %w", address, err)
			}
			return f.guard.check(host, ap.Addr())
		},
	}
	var errs []error
	for _, ip := range addrs {
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
		if err == nil {
			return conn, nil
		}
		var refused *RefusedError
		if errors.As(err, &refused) {
			// Say the guard's sentence rather than "dial tcp …: operation not permitted".
			err = refused
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	// A refusal says more to a person than "connection refused" on another
	// address of the same host, so it wins.
	for _, err := range errs {
		var refused *RefusedError
		if errors.As(err, &refused) {
			return nil, refused
		}
	}
	return nil, errs[0]
}
