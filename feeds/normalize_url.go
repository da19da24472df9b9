package feeds

import (
	"net/url"
	"strings"
)

// trackingParams are query parameters that say who sent a reader, not what
// they read. They are dropped from canonical links (and links inside item
// HTML) so an item whose links only change in them is the same item.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gbraid": true, "wbraid": true,
	"msclkid": true, "yclid": true, "twclid": true, "ttclid": true, "igshid": true,
	"mc_cid": true, "mc_eid": true, "ref_src": true, "ref_url": true,
	"_hsenc": true, "_hsmi": true, "__hstc": true, "__hssc": true, "__hsfp": true,
	"mkt_tok": true, "li_fat_id": true, "oly_anon_id": true, "oly_enc_id": true,
	"vero_id": true, "wickedid": true, "_ga": true, "_gl": true,
}

// IsTrackingParam reports whether a query parameter is one canonical links
// drop, so that other parts (the web's comment counts) can find an article
// by a URL a reader arrived with.
func IsTrackingParam(name string) bool { return isTrackingParam(name) }

func isTrackingParam(name string) bool {
	name = strings.ToLower(name)
	return strings.HasPrefix(name, "utm_") || trackingParams[name]
}

// canonicalURL resolves raw against base and returns it without tracking
// parameters, and without its fragment when dropFragment. Anything but an
// http(s) URL gives "".
func canonicalURL(raw string, base *url.URL, dropFragment bool) string {
	u := resolve(raw, base)
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	if dropFragment {
		u.Fragment, u.RawFragment = "", ""
	}
	return u.String()
}

// resolve parses raw relative to base, lowercases scheme and host, and drops
// tracking parameters and user info. It returns nil for what cannot parse.
func resolve(raw string, base *url.URL) *url.URL {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	var (
		u   *url.URL
		err error
	)
	if base != nil {
		u, err = base.Parse(raw)
	} else {
		u, err = url.Parse(raw)
	}
	if err != nil {
		return nil
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = stripTracking(u.RawQuery)
		u.ForceQuery = false
	}
	return u
}

// stripTracking removes tracking parameters from a raw query, keeping the
// others in their order and spelling (re-encoding could change the URL).
func stripTracking(q string) string {
	parts := strings.Split(q, "&")
	kept := parts[:0]
	for _, p := range parts {
		if p == "" {
			continue
		}
		name, _, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if !isTrackingParam(name) {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "&")
}
