package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"regexp/syntax"
	"strings"
	"text/template/parse"
	"time"
)

// Validate checks the whole config and returns every problem found as a
// Problems error (nil when there is none). Lines are known only for a
// Config that came from Load or Parse.
func (c *Config) Validate() error {
	errs, _ := c.check()
	if len(errs) == 0 {
		return nil
	}
	errs.sort()
	return errs
}

// checker collects problems; nothing in it stops at the first.
type checker struct {
	c     *Config
	errs  Problems
	warns Problems
}

func (k *checker) errf(path, format string, args ...any) {
	k.errs = append(k.errs, Problem{File: k.c.File, Line: k.c.lineOf(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (k *checker) warnf(path, format string, args ...any) {
	k.warns = append(k.warns, Problem{File: k.c.File, Line: k.c.lineOf(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

// check returns the errors and the warnings of the whole config.
func (c *Config) check() (errs, warns Problems) {
	k := &checker{c: c}
	k.feeds()
	k.defaults()
	k.fetch()
	k.discord()
	k.matrix()
	k.web()
	k.database()
	k.moderation()
	k.links()
	k.log()
	k.cluster()
	return k.errs, k.warns
}

func (k *checker) feeds() {
	urls := map[string]int{}
	names := map[string]int{}
	for i, f := range k.c.Feeds {
		p := fmt.Sprintf("feeds[%d]", i)
		if err := checkFeedURL(f.URL); err != nil {
			k.errf(p+".url", "%v", err)
		} else {
			key := feedKey(f.URL)
			if j, dup := urls[key]; dup {
				k.errf(p+".url", "the same feed as feeds[%d] (line %d); add routes there instead", j, k.c.lineOf(fmt.Sprintf("feeds[%d].url", j)))
			} else {
				urls[key] = i
			}
			if isLocalPath(f.URL) {
				if _, err := os.Stat(localPath(f.URL)); err != nil {
					k.warnf(p+".url", "cannot read the local file %s now (a relative path is relative to the directory Herald runs in): %v", f.URL, errors.Unwrap(err))
				}
			}
		}
		if f.Name != "" {
			if j, dup := names[strings.ToLower(f.Name)]; dup {
				k.errf(p+".name", "%q is also the name of feeds[%d]; commands find feeds by name, so names must differ", f.Name, j)
			} else {
				names[strings.ToLower(f.Name)] = i
			}
		}
		if _, err := ParseSchedule(f.Schedule, nil); err != nil {
			k.errf(p+".schedule", "%v", err)
		}
		k.feedOptions(p, f.FeedOptions)
		places := map[string]int{}
		for j, r := range f.Routes {
			rp := fmt.Sprintf("%s.routes[%d]", p, j)
			platform, channel, err := ParsePlace(r.To)
			if r.To == "" {
				k.errf(rp+".to", "is missing: say where to post, as discord:<channel id> or matrix:<room id>")
			} else if err != nil {
				k.errf(rp+".to", "%v", err)
			} else if prev, dup := places[platform+":"+channel]; dup {
				k.errf(rp+".to", "%s is already routes[%d] of this feed", r.To, prev)
			} else {
				places[platform+":"+channel] = j
			}
			k.routeOptions(rp, platform, r.RouteOptions)
		}
	}
}

// checkFeedURL accepts http(s) URLs, file:// URLs and local paths.
func checkFeedURL(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("is missing: every feed needs a url (https://… or a local file)")
	case strings.ContainsAny(s, " \t\r\n"):
		return fmt.Errorf("%q contains white space; encode spaces as %%20", s)
	case isLocalPath(s):
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%q is not a URL: %v", s, err)
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return fmt.Errorf("%q has no host (write %s://example.com/feed.xml)", s, u.Scheme)
		}
		if u.Port() != "" {
			if err := checkPort(u.Port()); err != nil {
				return fmt.Errorf("%q: %w", s, err)
			}
		}
		if u.User != nil {
			return fmt.Errorf("%q has a user name or password in it; Herald does not send those", s)
		}
		return nil
	case "file":
		return nil // isLocalPath took the good ones
	case "":
		if strings.Contains(s, "//") || strings.Contains(s, ":") {
			return fmt.Errorf("%q is neither a URL (it has no scheme such as https://) nor a local path", s)
		}
		return fmt.Errorf("%q has no scheme: write https://%s, or ./%s for a local file", s, s, s)
	default:
		return fmt.Errorf("%q: the scheme %q is not supported (use http, https, file:// or a local path)", s, u.Scheme)
	}
}

// isLocalPath reports whether a feed URL names a local file: a file:// URL
// with a path, an absolute or ./ or ../ path, or a relative path whose first
// part has no dot (examples/feed.xml). A relative path that looks like a
// URL without its scheme (example.com/rss, htp//example.com) is local only
// if such a file exists.
func isLocalPath(s string) bool {
	if rest, ok := strings.CutPrefix(s, "file://"); ok {
		return rest != "" && (rest[0] == '/' || strings.HasPrefix(rest, "localhost/"))
	}
	switch {
	case s == "" || strings.Contains(s, "://"):
		return false
	case filepath.IsAbs(s) || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../"):
		return true
	}
	first, _, _ := strings.Cut(s, "/")
	if !strings.Contains(s, "//") && !strings.Contains(first, ":") && (!strings.Contains(first, ".") || first == s) {
		return true
	}
	_, err := os.Stat(s)
	return err == nil
}

// localPath is the file a local feed URL names.
func localPath(s string) string {
	if rest, ok := strings.CutPrefix(s, "file://"); ok {
		rest = strings.TrimPrefix(rest, "localhost")
		if p, err := url.PathUnescape(rest); err == nil {
			return p
		}
		return rest
	}
	return s
}

// feedKey is what two URLs of the same feed have in common.
func feedKey(s string) string {
	if isLocalPath(s) {
		if abs, err := filepath.Abs(localPath(s)); err == nil {
			return "file://" + abs
		}
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	u.Scheme, u.Host, u.Fragment = strings.ToLower(u.Scheme), strings.ToLower(u.Host), ""
	u.Host = strings.TrimSuffix(strings.TrimSuffix(u.Host, ":80"), ":443")
	return u.String()
}

func (k *checker) feedOptions(p string, o FeedOptions) {
	k.filters(p+".filters", o.Filters)
	if o.FirstPost != nil && (*o.FirstPost < 0 || *o.FirstPost > maxFirstPost) {
		k.errf(p+".first_post", "%d is out of range: post 0-%d items on a feed's first poll", *o.FirstPost, maxFirstPost)
	}
	if o.Colour != "" && !colourRE.MatchString(o.Colour) {
		k.errf(p+".colour", "%q is not a colour; write #rrggbb, e.g. \"#3b82f6\" (quoted: # starts a YAML comment)", o.Colour)
	}
	if err := checkTemplate(o.Template); err != nil {
		k.errf(p+".template", "%v", err)
	}
	if o.CommentsFeedPattern != "" && !strings.HasPrefix(o.CommentsFeedPattern, "http://") && !strings.HasPrefix(o.CommentsFeedPattern, "https://") {
		k.errf(p+".comments_feed", "%q is not an http(s) URL pattern", o.CommentsFeedPattern)
	}
}

// maxFirstPost bounds first_post: a new feed must not flood a channel.
const maxFirstPost = 50

var colourRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// discordArchiveMinutes are the auto-archive durations Discord accepts.
var discordArchiveMinutes = map[int]bool{60: true, 1440: true, 4320: true, 10080: true}

func (k *checker) routeOptions(p, platform string, o RouteOptions) {
	k.filters(p+".filters", o.Filters)
	if q := o.QuietHours; q != nil {
		qp := p + ".quiet_hours"
		start, err1 := time.Parse("15:04", q.Start)
		if err1 != nil {
			k.errf(qp+".start", "%q is not a time of day; write HH:MM such as \"22:00\"", q.Start)
		}
		end, err2 := time.Parse("15:04", q.End)
		if err2 != nil {
			k.errf(qp+".end", "%q is not a time of day; write HH:MM such as \"07:00\"", q.End)
		}
		if err1 == nil && err2 == nil && start.Equal(end) {
			k.errf(qp, "start and end are both %s: the quiet hours are empty", q.Start)
		}
		k.timezone(qp+".tz", q.TZ)
	}
	if dg := o.Digest; dg != nil {
		if _, err := ParseSchedule(dg.Schedule, nil); err != nil {
			k.errf(p+".digest.schedule", "%v", err)
		}
		if dg.Max < 0 {
			k.errf(p+".digest.max", "%d articles per digest is not possible; use 1 or more (0 = 10)", dg.Max)
		}
	}
	if err := checkTemplate(o.Template); err != nil {
		k.errf(p+".template", "%v", err)
	}
	discordOnly := func(key string) {
		if platform == "matrix" {
			k.errf(p+"."+key, "applies to Discord routes only")
		}
	}
	if o.MentionRole != "" {
		discordOnly("mention_role")
		if err := checkSnowflake(o.MentionRole); err != nil {
			k.errf(p+".mention_role", "role %v", err)
		}
	}
	if o.ThreadArchive != 0 {
		discordOnly("thread_archive_minutes")
		if !discordArchiveMinutes[o.ThreadArchive] {
			k.errf(p+".thread_archive_minutes", "Discord accepts 60, 1440, 4320 or 10080, not %d", o.ThreadArchive)
		}
	}
	if len(o.ForumTags) > 0 {
		discordOnly("forum_tags")
	}
	if o.MessageType != "" {
		if platform == "discord" {
			k.errf(p+".msgtype", "applies to Matrix routes only")
		}
		if o.MessageType != "m.notice" && o.MessageType != "m.text" {
			k.errf(p+".msgtype", "%q is not m.notice or m.text", o.MessageType)
		}
	}
}

var filterFields = map[string]bool{"": true, "any": true, "title": true, "body": true, "author": true, "category": true}

func (k *checker) filters(p string, f Filters) {
	for _, list := range []struct {
		key      string
		patterns []Pattern
	}{{"include", f.Include}, {"exclude", f.Exclude}} {
		for i, pat := range list.patterns {
			pp := fmt.Sprintf("%s.%s[%d]", p, list.key, i)
			if !filterFields[pat.Field] {
				k.errf(pp+".field", "%q is not a field; use title, body, author, category or any", pat.Field)
			}
			if pat.Regex == "" {
				k.errf(pp+".regex", "is empty; it would match everything")
			} else if _, err := regexp.Compile(pat.Regex); err != nil {
				k.errf(pp+".regex", "%q is not a regular expression: %v", pat.Regex, regexpReason(err))
			}
		}
	}
	if f.Match != "" && f.Match != "any" && f.Match != "all" {
		k.errf(p+".match", "%q is not any or all", f.Match)
	}
}

// regexpReason keeps regexp's explanation without repeating the pattern.
func regexpReason(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return se.Code.String()
	}
	return err.Error()
}

// checkTemplate parses a post template. Functions are not checked: the
// renderer owns them, and config must not import it.
func checkTemplate(s string) error {
	if s == "" {
		return nil
	}
	t := parse.New("template")
	t.Mode = parse.SkipFuncCheck
	if _, err := t.Parse(s, "", "", map[string]*parse.Tree{}); err != nil {
		return fmt.Errorf("the template does not parse: %v", strings.TrimPrefix(err.Error(), "template: "))
	}
	return nil
}

// timezone checks an IANA zone name; empty means the default.
func (k *checker) timezone(p, tz string) {
	if tz == "" {
		return
	}
	if _, err := time.LoadLocation(tz); err != nil {
		k.errf(p, "%q is not a time zone; use an IANA name such as UTC or Europe/Berlin", tz)
	}
}
