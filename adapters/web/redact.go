package web

import (
	"net/url"
	"regexp"
)

// urlInText finds absolute URLs in an error message.
var urlInText = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>]+`)

// publicError shortens every URL in a delivery error to its scheme and
// host before the error is shown on the public pages: transport errors
// quote the URL they failed on, and some URLs carry secrets in their path
// or query (a Discord webhook's token, an access_token parameter).
func publicError(msg string) string {
	return urlInText.ReplaceAllStringFunc(msg, func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return "(a URL)"
		}
		out := u.Scheme + "://" + u.Host
		if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			out += "/…"
		}
		return out
	})
}
