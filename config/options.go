package config

import (
	"fmt"
	"strings"
	"time"
)

// These option types are shared by the config file, the store (as JSON in
// feeds.options and routes.options) and the core. The yaml tags are the
// config file's keys; the json tags are how the store keeps them.

// FeedOptions are per-feed choices.
type FeedOptions struct {
	Filters             Filters  `yaml:"filters" json:"filters,omitempty"`
	MaxAge              Duration `yaml:"max_age" json:"max_age,omitempty"`       // items older are never posted; 0 = the default (3 days)
	FirstPost           *int     `yaml:"first_post" json:"first_post,omitempty"` // newest N posted on the first poll; nil = the default (1)
	MinInterval         Duration `yaml:"min_interval" json:"min_interval,omitempty"`
	Colour              string   `yaml:"colour" json:"colour,omitempty"`     // Discord embed colour, "#rrggbb"
	Template            string   `yaml:"template" json:"template,omitempty"` // text/template over the article
	CommentsFeedPattern string   `yaml:"comments_feed" json:"comments_feed,omitempty"`
	ImportComments      bool     `yaml:"import_comments" json:"import_comments,omitempty"`
}

// RouteOptions are per-route choices.
type RouteOptions struct {
	Filters        Filters     `yaml:"filters" json:"filters,omitempty"`
	QuietHours     *QuietHours `yaml:"quiet_hours" json:"quiet_hours,omitempty"`
	Digest         *Digest     `yaml:"digest" json:"digest,omitempty"`
	Template       string      `yaml:"template" json:"template,omitempty"`
	PlainText      bool        `yaml:"plain_text" json:"plain_text,omitempty"`     // Discord: no embed
	MentionRole    string      `yaml:"mention_role" json:"mention_role,omitempty"` // Discord role id pinged on each post
	MessageType    string      `yaml:"msgtype" json:"msgtype,omitempty"`           // Matrix: m.notice (default) or m.text
	ThreadArchive  int         `yaml:"thread_archive_minutes" json:"thread_archive_minutes,omitempty"`
	ForumTags      []string    `yaml:"forum_tags" json:"forum_tags,omitempty"`
	MirrorComments *bool       `yaml:"mirror_comments" json:"mirror_comments,omitempty"`               // nil = true
	MirrorSource   bool        `yaml:"mirror_source_comments" json:"mirror_source_comments,omitempty"` // the news site's own comments go to chat too
}

// Filters keep or drop items by regular expressions.
type Filters struct {
	Include []Pattern `yaml:"include" json:"include,omitempty"`
	Exclude []Pattern `yaml:"exclude" json:"exclude,omitempty"`
	Match   string    `yaml:"match" json:"match,omitempty"` // "any" (default) or "all" of the include patterns
}

// Pattern is a regular expression on one field of an item.
type Pattern struct {
	Field string `yaml:"field" json:"field"` // title, body, author, category, or any (default)
	Regex string `yaml:"regex" json:"regex"`
}

// QuietHours hold posts between Start and End ("22:00", "07:00") in TZ.
type QuietHours struct {
	Start string `yaml:"start" json:"start"`
	End   string `yaml:"end" json:"end"`
	TZ    string `yaml:"tz" json:"tz,omitempty"` // IANA name; empty = the web time zone
}

// Digest collects a route's articles and posts one summary on Schedule.
type Digest struct {
	Schedule string `yaml:"schedule" json:"schedule"`
	Max      int    `yaml:"max" json:"max,omitempty"` // articles per digest; 0 = 10
}

// Duration is a time.Duration written as "90s", "10m", "3d" (days allowed).
type Duration time.Duration

// ParseDuration reads a Duration; it accepts Go's units plus "d" for days.
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n float64
		if _, err := fmt.Sscanf(days, "%g", &n); err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not a duration (use e.g. 90s, 10m, 2h, 3d)", s)
		}
		return Duration(n * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration (use e.g. 90s, 10m, 2h, 3d)", s)
	}
	return Duration(d), nil
}

// UnmarshalText lets YAML and JSON read a Duration from a string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalText writes a Duration the way ParseDuration reads it, in whole
// days when it is whole days ("3d" reads better than "72h0m0s" in an
// exported config).
func (d Duration) MarshalText() ([]byte, error) {
	const day = 24 * time.Hour
	if td := time.Duration(d); td > 0 && td%day == 0 {
		return []byte(fmt.Sprintf("%dd", td/day)), nil
	}
	return []byte(time.Duration(d).String()), nil
}

// Std is the Duration as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }
