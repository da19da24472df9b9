package config

import (
	"fmt"
	"strings"
)

// Summary describes the config in a few lines for `herald check` and the
// start-up log: feeds, routes, which adapters will start, the database.
// It never prints a secret.
func (c *Config) Summary() string {
	routes := 0
	for _, f := range c.Feeds {
		routes += len(f.Routes)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %s, %s\n", plural(len(c.Feeds), "feed"), plural(routes, "route"), plural(len(c.Links), "link"))

	switch {
	case c.Discord.Configured():
		scope := "global commands"
		if c.Discord.GuildID != "" {
			scope = "commands in guild " + c.Discord.GuildID
		}
		shard := ""
		if c.Discord.ShardCount > 1 {
			shard = fmt.Sprintf(", shard %d of %d", c.Discord.ShardID, c.Discord.ShardCount)
		}
		fmt.Fprintf(&b, "discord: on (%s%s)\n", scope, shard)
	case c.Discord.Token != "":
		b.WriteString("discord: off (enabled: false)\n")
	default:
		b.WriteString("discord: off (no token)\n")
	}

	switch {
	case c.Matrix.Configured():
		login := "access token"
		if c.Matrix.AccessToken == "" {
			login = "password"
		}
		who := c.Matrix.UserID
		if who == "" {
			who = "the token's user"
		}
		fmt.Fprintf(&b, "matrix: on (%s on %s, %s, %s)\n", who, c.Matrix.Homeserver, login, plural(len(c.Matrix.Rooms), "room"))
	case c.Matrix.Homeserver == "":
		b.WriteString("matrix: off (no homeserver)\n")
	default:
		b.WriteString("matrix: off (no access token or password)\n")
	}

	switch c.Database.Driver {
	case Postgres:
		fmt.Fprintf(&b, "database: postgres (%s)\n", redactDSN(c.Database.DSN))
	default:
		path := c.Database.Path
		if path == "" {
			path = "<data dir>/herald.db"
		}
		fmt.Fprintf(&b, "database: sqlite (%s)\n", path)
	}
	fmt.Fprintf(&b, "web: %s", c.Web.Listen)
	if c.Web.BaseURL != "" {
		fmt.Fprintf(&b, " (%s)", c.Web.BaseURL)
	}
	return b.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
