// Package config reads Herald's YAML config file into typed structs,
// expands ${ENV} references, fills in defaults and validates everything,
// reporting every problem with its file, line and key path.
package config

import (
	"net/url"
	"path/filepath"
	"strings"
)

// Config is the whole config file. The zero value is not useful: start
// from Default() or Load().
type Config struct {
	Feeds      []Feed     `yaml:"feeds"`
	Defaults   Defaults   `yaml:"defaults"`
	Fetch      Fetch      `yaml:"fetch"`
	Discord    Discord    `yaml:"discord"`
	Matrix     Matrix     `yaml:"matrix"`
	Web        Web        `yaml:"web"`
	Database   Database   `yaml:"database"`
	Moderation Moderation `yaml:"moderation"`
	Links      []Link     `yaml:"links"`
	Log        Log        `yaml:"log"`
	Cluster    Cluster    `yaml:"cluster"`

	// File is the name the config was read from; empty for Default().
	File string `yaml:"-"`
	// Warnings are findings that do not stop Herald, such as a secret
	// written literally in the file instead of as a ${ENV} reference.
	Warnings Problems `yaml:"-"`

	// lines maps a key path ("feeds[2].schedule") to its line in File,
	// so validation can say where a problem is.
	lines map[string]int
}

// Feed is one polled source and where its articles go.
type Feed struct {
	URL         string  `yaml:"url"`      // http(s)://, file:// or a local path
	Name        string  `yaml:"name"`     // shown in post footers and commands; defaults to the feed's title
	Schedule    string  `yaml:"schedule"` // cron spec or descriptor; filled from defaults.schedule
	Routes      []Route `yaml:"routes"`
	FeedOptions `yaml:",inline"`
}

// Route sends a feed's articles to one place.
type Route struct {
	To           string `yaml:"to"` // "discord:<channel id>" or "matrix:<room id or alias>"
	RouteOptions `yaml:",inline"`
}

// Place splits To into its platform and channel; To is validated, so the
// error only happens on a Config that was never validated.
func (r Route) Place() (platform, channel string, err error) { return ParsePlace(r.To) }

// Defaults apply to every feed that does not say otherwise.
type Defaults struct {
	Schedule    string   `yaml:"schedule"`     // "*/10 * * * *"
	MaxAge      Duration `yaml:"max_age"`      // 3d
	FirstPost   int      `yaml:"first_post"`   // 1: the newest item is posted on a feed's first poll
	MinInterval Duration `yaml:"min_interval"` // 1m
	Timezone    string   `yaml:"timezone"`     // cron schedules run in this IANA zone; "UTC"
}

// Fetch tunes how feeds are downloaded.
type Fetch struct {
	Timeout       Duration `yaml:"timeout"`        // whole request; 30s
	HeaderTimeout Duration `yaml:"header_timeout"` // until response headers; 10s
	MaxBody       ByteSize `yaml:"max_body"`       // 10MiB
	MaxRedirects  int      `yaml:"max_redirects"`  // 5
	PerHost       int      `yaml:"per_host"`       // concurrent fetches per host; 2
	Jitter        Duration `yaml:"jitter"`         // random delay added to each scheduled poll; 30s
	// Allow lists CIDRs ("10.0.0.0/8") or host names that may be fetched
	// although they resolve to private, loopback or link-local addresses.
	Allow       []string `yaml:"allow"`
	UserAgent   string   `yaml:"user_agent"`   // empty = "Herald/<version> (+project URL)"
	MaxFailures int      `yaml:"max_failures"` // consecutive failures before a feed is paused; 10, 0 = never
}

// Discord configures the Discord adapter. It starts only when Token is set
// (and Enabled is not false).
type Discord struct {
	Token         string   `yaml:"token" herald:"secret=DISCORD_TOKEN"`
	ApplicationID string   `yaml:"application_id"` // for slash commands; learnt from the gateway when empty
	GuildID       string   `yaml:"guild_id"`       // register commands in this guild; empty = global
	ShardID       int      `yaml:"shard_id"`
	ShardCount    int      `yaml:"shard_count"` // 1 = no sharding
	AdminRoles    []string `yaml:"admin_roles"` // role ids that may run admin commands, besides Manage Server
	WebhookName   string   `yaml:"webhook_name"`
	Enabled       *bool    `yaml:"enabled"` // nil = on when Token is set
	// APIBase sends REST requests to another server than
	// https://discord.com/ (a proxy, or a fake Discord in tests); the
	// gateway URL then comes from that server. Empty = Discord.
	APIBase string `yaml:"api_base"`
}

// Configured reports whether the Discord adapter should start.
func (d Discord) Configured() bool {
	return d.Token != "" && (d.Enabled == nil || *d.Enabled)
}

// Matrix configures the Matrix adapter. It starts only when Homeserver and
// an access token or a password are set.
type Matrix struct {
	Homeserver      string   `yaml:"homeserver"` // https://matrix.example.org
	UserID          string   `yaml:"user_id"`    // @herald:example.org
	AccessToken     string   `yaml:"access_token" herald:"secret=MATRIX_TOKEN"`
	Password        string   `yaml:"password" herald:"secret=MATRIX_PASSWORD"`
	DeviceName      string   `yaml:"device_name"`
	Rooms           []string `yaml:"rooms"`          // joined at start: room ids or aliases
	CommandPrefix   string   `yaml:"command_prefix"` // "!herald"
	AdminUsers      []string `yaml:"admin_users"`    // user ids that may always run admin commands
	AdminPowerLevel int      `yaml:"admin_power_level"`
}

// Configured reports whether the Matrix adapter should start.
func (m Matrix) Configured() bool {
	return m.Homeserver != "" && (m.AccessToken != "" || m.Password != "")
}

// Web configures the HTTP server: article pages, API, health and metrics.
type Web struct {
	Listen   string `yaml:"listen"`   // "127.0.0.1:8080"
	BaseURL  string `yaml:"base_url"` // public URL used in links to article pages; empty = http://<listen>
	Timezone string `yaml:"timezone"` // times on pages; "UTC"
	Title    string `yaml:"title"`    // "Herald"
}

// Database chooses the store.
type Database struct {
	Driver string `yaml:"driver"` // "sqlite" (default) or "postgres"
	DSN    string `yaml:"dsn" herald:"secret=DATABASE_URL,dsn"`
	Path   string `yaml:"path"` // SQLite file; empty = <data dir>/herald.db
}

// Database drivers.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// SQLitePath is the SQLite file to open, given the data directory.
func (d Database) SQLitePath(dataDir string) string {
	if d.Path != "" {
		return d.Path
	}
	return filepath.Join(dataDir, "herald.db")
}

// Moderation holds the automatic rules applied to every comment.
type Moderation struct {
	Words              []WordRule `yaml:"words"`
	RateLimit          RateLimit  `yaml:"rate_limit"`
	DuplicateWindow    Duration   `yaml:"duplicate_window"`      // same author, same text within this window is not mirrored; 0 = off
	MaxLength          int        `yaml:"max_length"`            // characters; longer comments are held; 0 = no limit
	NewAuthorLinkLimit int        `yaml:"new_author_link_limit"` // links allowed from an author Herald has not seen before; -1 = no limit
}

// WordRule matches a word or a regular expression in a comment.
type WordRule struct {
	Pattern string `yaml:"pattern"`
	Regex   bool   `yaml:"regex"`  // Pattern is a Go regular expression; otherwise a case-insensitive word
	Action  string `yaml:"action"` // mask (default), hold or drop
}

// Word rule actions.
const (
	ActionMask = "mask"
	ActionHold = "hold"
	ActionDrop = "drop"
)

// RateLimit allows Count comments per author in Per; Count 0 = off.
type RateLimit struct {
	Count int      `yaml:"count"`
	Per   Duration `yaml:"per"`
}

// Link joins a Discord channel and a Matrix room into one mirror group.
type Link struct {
	Discord string `yaml:"discord"` // channel id
	Matrix  string `yaml:"matrix"`  // room id or alias
}

// Log sets the log level: debug, info, warn or error.
type Log struct {
	Level string `yaml:"level"`
}

// dsnHasPassword reports whether a PostgreSQL DSN carries a password, in
// URL or key=value form; one without (trust or peer auth, a .pgpass file)
// is no secret.
func dsnHasPassword(dsn string) bool {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		_, ok := u.User.Password()
		return ok || u.Query().Has("password")
	}
	return strings.Contains(dsn, "password")
}

// redactDSN hides a PostgreSQL password so a summary can be printed.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		if strings.Contains(dsn, "password") {
			return "(key=value DSN)"
		}
		return dsn
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	// libpq and pgx also take the password (and the TLS key's) as a parameter.
	if q := u.Query(); q.Has("password") || q.Has("sslpassword") {
		for _, k := range []string{"password", "sslpassword"} {
			if q.Has(k) {
				q.Set(k, "xxxxx")
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}
