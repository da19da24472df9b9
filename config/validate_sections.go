package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

func (k *checker) defaults() {
	d := k.c.Defaults
	if _, err := ParseSchedule(d.Schedule, nil); err != nil {
		k.errf("defaults.schedule", "%v", err)
	}
	if d.MaxAge <= 0 {
		k.errf("defaults.max_age", "must be longer than 0 (e.g. 3d)")
	}
	if d.FirstPost < 0 || d.FirstPost > maxFirstPost {
		k.errf("defaults.first_post", "%d is out of range: post 0-%d items on a feed's first poll", d.FirstPost, maxFirstPost)
	}
	if d.Timezone == "" {
		k.errf("defaults.timezone", "is empty; use an IANA name such as UTC")
	}
	k.timezone("defaults.timezone", d.Timezone)
}

func (k *checker) fetch() {
	f := k.c.Fetch
	if f.Timeout <= 0 {
		k.errf("fetch.timeout", "must be longer than 0 (e.g. 30s)")
	}
	if f.HeaderTimeout <= 0 {
		k.errf("fetch.header_timeout", "must be longer than 0 (e.g. 10s)")
	} else if f.Timeout > 0 && f.HeaderTimeout > f.Timeout {
		k.errf("fetch.header_timeout", "%v is longer than fetch.timeout (%v), which ends the request first", f.HeaderTimeout.Std(), f.Timeout.Std())
	}
	if f.MaxBody < 1<<10 {
		k.errf("fetch.max_body", "%d bytes is too small for any feed; use e.g. 10MiB", f.MaxBody)
	}
	if f.MaxRedirects < 0 || f.MaxRedirects > 20 {
		k.errf("fetch.max_redirects", "%d is out of range 0-20", f.MaxRedirects)
	}
	if f.PerHost < 1 {
		k.errf("fetch.per_host", "must be at least 1 (fetches at once per host)")
	}
	if f.MaxFailures < 0 {
		k.errf("fetch.max_failures", "must be 0 (never pause) or more")
	}
	if strings.ContainsAny(f.UserAgent, "\r\n") {
		k.errf("fetch.user_agent", "must be one line")
	}
	for i, a := range f.Allow {
		if err := checkAllow(a); err != nil {
			k.errf(fmt.Sprintf("fetch.allow[%d]", i), "%v", err)
		}
	}
}

// checkAllow accepts a CIDR, an IP address or a host name.
func checkAllow(s string) error {
	if strings.Contains(s, "/") {
		if _, _, err := net.ParseCIDR(s); err != nil {
			return fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8 or fd00::/8", s)
		}
		return nil
	}
	if net.ParseIP(s) != nil {
		return nil
	}
	if s == "" || strings.Contains(s, ":") {
		return fmt.Errorf("%q is not a host name, an IP address or a CIDR (no port, no scheme)", s)
	}
	if err := checkServerName(s); err != nil {
		return fmt.Errorf("%q is not a host name, an IP address or a CIDR: %v", s, err)
	}
	return nil
}

// Token shapes, so a token pasted into the wrong section is caught:
// Synapse and MAS access tokens carry a prefix; a Discord bot token is
// three base64url parts joined by dots.
var (
	matrixTokenPrefixes = []string{"syt_", "syr_", "mct_", "mat_"}
	discordTokenRE      = regexp.MustCompile(`^[A-Za-z0-9_-]{18,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$`)
)

func looksLikeMatrixToken(s string) bool {
	return slices.ContainsFunc(matrixTokenPrefixes, func(p string) bool { return strings.HasPrefix(s, p) })
}

func (k *checker) discord() {
	d := k.c.Discord
	switch {
	case looksLikeMatrixToken(d.Token):
		k.errf("discord.token", "looks like a Matrix access token (it starts with %s); the Discord bot token is on the Bot page of your application", d.Token[:4])
	case strings.ContainsAny(d.Token, " \t\r\n"):
		k.errf("discord.token", "contains white space; copy the token again")
	}
	for _, id := range []struct{ key, val string }{{"application_id", d.ApplicationID}, {"guild_id", d.GuildID}} {
		if id.val != "" {
			if err := checkSnowflake(id.val); err != nil {
				k.errf("discord."+id.key, "%v", err)
			}
		}
	}
	if d.APIBase != "" {
		if err := checkHTTPURL(d.APIBase); err != nil {
			k.errf("discord.api_base", "%v", err)
		}
	}
	if d.ShardCount < 1 {
		k.errf("discord.shard_count", "must be at least 1")
	} else if d.ShardID < 0 || d.ShardID >= d.ShardCount {
		k.errf("discord.shard_id", "%d is out of range: with shard_count %d use 0-%d", d.ShardID, d.ShardCount, d.ShardCount-1)
	}
	for i, r := range d.AdminRoles {
		if err := checkSnowflake(r); err != nil {
			k.errf(fmt.Sprintf("discord.admin_roles[%d]", i), "role %v", err)
		}
	}
	// Discord refuses webhook names longer than 80 or containing these words.
	name := strings.ToLower(d.WebhookName)
	switch {
	case d.WebhookName == "" || utf8.RuneCountInString(d.WebhookName) > 80:
		k.errf("discord.webhook_name", "must be 1-80 characters")
	case strings.Contains(name, "clyde") || strings.Contains(name, "discord"):
		k.errf("discord.webhook_name", "%q: Discord refuses webhook names containing \"clyde\" or \"discord\"", d.WebhookName)
	}
}

func (k *checker) matrix() {
	m := k.c.Matrix
	if m.Homeserver != "" {
		if err := checkHTTPURL(m.Homeserver); err != nil {
			k.errf("matrix.homeserver", "%v", err)
		}
	} else if m.AccessToken != "" || m.Password != "" {
		k.errf("matrix.homeserver", "is missing, but a Matrix access token or password is set: write the homeserver's URL, e.g. https://matrix.example.org")
	}
	if m.UserID != "" {
		if err := checkUserID(m.UserID); err != nil {
			k.errf("matrix.user_id", "%v", err)
		}
	} else if m.Password != "" {
		k.errf("matrix.user_id", "is missing: logging in with a password needs the bot's user id, e.g. @herald:example.org")
	}
	switch {
	case discordTokenRE.MatchString(m.AccessToken):
		k.errf("matrix.access_token", "looks like a Discord bot token (three parts joined by dots); the Matrix access token comes from your homeserver's login")
	case strings.ContainsAny(m.AccessToken, " \t\r\n"):
		k.errf("matrix.access_token", "contains white space; copy the token again")
	}
	for i, r := range m.Rooms {
		if err := checkRoom(r); err != nil {
			k.errf(fmt.Sprintf("matrix.rooms[%d]", i), "%v", err)
		}
	}
	if m.CommandPrefix == "" || strings.ContainsAny(m.CommandPrefix, " \t\r\n") {
		k.errf("matrix.command_prefix", "%q must be one word, such as !herald", m.CommandPrefix)
	}
	for i, u := range m.AdminUsers {
		if err := checkUserID(u); err != nil {
			k.errf(fmt.Sprintf("matrix.admin_users[%d]", i), "%v", err)
		}
	}
	if m.AdminPowerLevel < 0 {
		k.errf("matrix.admin_power_level", "must be 0 or more (moderators usually have 50, admins 100)")
	}
}

// checkHTTPURL accepts an absolute http or https URL.
func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL", s)
	case u.Scheme == "" && !strings.Contains(s, "/"):
		return fmt.Errorf("%q has no scheme: write https://%s", s, s)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q must start with https:// (or http://)", s)
	case u.Host == "":
		return fmt.Errorf("%q has no host", s)
	}
	return nil
}

func (k *checker) web() {
	w := k.c.Web
	if host, port, err := net.SplitHostPort(w.Listen); err != nil {
		k.errf("web.listen", "%q is not host:port, such as 127.0.0.1:8080 or :8080", w.Listen)
	} else if err := checkPort(port); err != nil && port != "0" {
		k.errf("web.listen", "%q: %v", w.Listen, err)
	} else if host != "" && net.ParseIP(host) == nil && checkServerName(host) != nil {
		k.errf("web.listen", "%q: %q is not a host name or IP address", w.Listen, host)
	}
	if w.BaseURL != "" {
		if err := checkHTTPURL(w.BaseURL); err != nil {
			k.errf("web.base_url", "%v", err)
		}
	}
	k.timezone("web.timezone", w.Timezone)
}

func (k *checker) database() {
	db := k.c.Database
	switch db.Driver {
	case SQLite:
		if db.DSN != "" {
			k.warnf("database.dsn", "is ignored with the sqlite driver; path sets the database file")
		}
	case Postgres:
		switch {
		case db.DSN == "":
			k.errf("database.dsn", "is missing: the postgres driver needs one, e.g. postgres://herald@127.0.0.1:5432/herald (write ${DATABASE_URL})")
		case strings.HasPrefix(db.DSN, "postgres://") || strings.HasPrefix(db.DSN, "postgresql://"):
			if _, err := url.Parse(db.DSN); err != nil {
				k.errf("database.dsn", "is not a valid postgres:// URL")
			}
		case !strings.Contains(db.DSN, "="):
			k.errf("database.dsn", "is neither a postgres:// URL nor key=value settings (host=… dbname=…)")
		}
		if db.Path != "" {
			k.warnf("database.path", "is ignored with the postgres driver")
		}
	default:
		msg := fmt.Sprintf("%q is not a supported driver; use sqlite or postgres", db.Driver)
		if alias, ok := driverAliases[strings.ToLower(db.Driver)]; ok {
			msg += fmt.Sprintf(" (did you mean %q?)", alias)
		}
		k.errf("database.driver", "%s", msg)
	}
}

// driverAliases are other names people give the two drivers.
var driverAliases = map[string]string{
	"postgresql": Postgres, "pgx": Postgres, "pg": Postgres, "psql": Postgres,
	"sqlite3": SQLite, "sqlite 3": SQLite,
}

func (k *checker) moderation() {
	m := k.c.Moderation
	for i, w := range m.Words {
		p := fmt.Sprintf("moderation.words[%d]", i)
		if strings.TrimSpace(w.Pattern) == "" {
			k.errf(p+".pattern", "is empty")
		} else if w.Regex {
			if _, err := regexp.Compile(w.Pattern); err != nil {
				k.errf(p+".pattern", "%q is not a regular expression: %v", w.Pattern, regexpReason(err))
			}
		}
		switch w.Action {
		case ActionMask, ActionHold, ActionDrop:
		default:
			k.errf(p+".action", "%q is not an action; use mask, hold or drop", w.Action)
		}
	}
	if m.RateLimit.Count < 0 {
		k.errf("moderation.rate_limit.count", "must be 0 (off) or more")
	} else if m.RateLimit.Count > 0 && m.RateLimit.Per <= 0 {
		k.errf("moderation.rate_limit.per", "must be longer than 0 when count is set (e.g. 1m)")
	}
	if m.MaxLength < 0 {
		k.errf("moderation.max_length", "must be 0 (no limit) or more")
	}
	if m.NewAuthorLinkLimit < -1 {
		k.errf("moderation.new_author_link_limit", "must be -1 (no limit) or more")
	}
}

func (k *checker) links() {
	discord, matrix := map[string]int{}, map[string]int{}
	for i, l := range k.c.Links {
		p := fmt.Sprintf("links[%d]", i)
		if l.Discord == "" {
			k.errf(p+".discord", "is missing: a link joins a Discord channel id and a Matrix room")
		} else if err := checkSnowflake(l.Discord); err != nil {
			k.errf(p+".discord", "channel %v", err)
		} else if j, dup := discord[l.Discord]; dup {
			k.errf(p+".discord", "channel %s is already in links[%d]; a channel belongs to one mirror group", l.Discord, j)
		} else {
			discord[l.Discord] = i
		}
		if l.Matrix == "" {
			k.errf(p+".matrix", "is missing: a link joins a Discord channel id and a Matrix room")
		} else if err := checkRoom(l.Matrix); err != nil {
			k.errf(p+".matrix", "%v", err)
		} else if j, dup := matrix[l.Matrix]; dup {
			k.errf(p+".matrix", "room %s is already in links[%d]; a room belongs to one mirror group", l.Matrix, j)
		} else {
			matrix[l.Matrix] = i
		}
	}
}

func (k *checker) log() {
	switch strings.ToLower(k.c.Log.Level) {
	case "debug", "info", "warn", "error":
	case "warning":
		k.errf("log.level", "%q is not a level (did you mean \"warn\"?)", k.c.Log.Level)
	default:
		k.errf("log.level", "%q is not a level; use debug, info, warn or error", k.c.Log.Level)
	}
}
