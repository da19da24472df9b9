package config

import (
	"strings"
	"testing"
)

// TestProblems feeds small files with one mistake each and wants exactly
// that one problem, with its line and path.
func TestProblems(t *testing.T) {
	const feed = "feeds:\n  - url: https://example.com/feed.xml\n"
	cases := []struct {
		name string
		yaml string
		want string // the one problem, formatted
	}{
		// Keys and types.
		{"unknown top-level key", "feed:\n  - url: x\n", `herald.yaml:1: feed: unknown key "feed" (did you mean "feeds"?)`},
		{"unknown key with another spelling", "defaults:\n  maxAge: 2d\n", `herald.yaml:2: defaults.maxAge: unknown key "maxAge" (did you mean "max_age"?)`},
		{"unknown key in a route", feed + "    routes:\n      - to: discord:1\n        plaintext: true\n", `herald.yaml:5: feeds[0].routes[0].plaintext: unknown key "plaintext" (did you mean "plain_text"?)`},
		{"key twice", "log:\n  level: info\n  level: debug\n", `herald.yaml:3: log.level: appears twice (first on line 2)`},
		{"list where text", "web:\n  title: [a, b]\n", `herald.yaml:2: web.title: must be text, not a list`},
		{"text where list", feed + "    routes: discord:1\n", `herald.yaml:3: feeds[0].routes: must be a list (lines starting with "- "), not text`},
		{"text where mapping", "discord: yes\n", `herald.yaml:1: discord: must be a mapping (key: value lines), not text`},
		{"feed as a bare URL", "feeds:\n  - https://example.com/rss\n", `herald.yaml:2: feeds[0]: must be a mapping (key: value lines), not text (write url: https://example.com/rss)`},
		{"route as a bare place", feed + "    routes:\n      - discord:1\n", `herald.yaml:4: feeds[0].routes[0]: must be a mapping (key: value lines), not text (write to: discord:1)`},
		{"bad number", "fetch:\n  per_host: two\n", `herald.yaml:2: fetch.per_host: "two" is not a whole number`},
		{"decimal for a count", "fetch:\n  per_host: 2.5\n", `herald.yaml:2: fetch.per_host: "2.5" is not a whole number`},
		{"bad bool", "discord:\n  enabled: maybe\n", `herald.yaml:2: discord.enabled: "maybe" is not true or false`},
		{"bad duration", "fetch:\n  timeout: 30 seconds\n", `herald.yaml:2: fetch.timeout: "30 seconds" is not a duration (use e.g. 90s, 10m, 2h, 3d)`},
		{"bad size", "fetch:\n  max_body: 10 megs\n", `herald.yaml:2: fetch.max_body: "10 megs" is not a size (use e.g. 512KiB, 10MiB or a number of bytes)`},
		{"token as a list", "discord:\n  token: [a]\n", `herald.yaml:2: discord.token: must be text, not a list`},
		{"token as a bool", "matrix:\n  access_token: true\n", `herald.yaml:2: matrix.access_token: must be text, not true/false (true): quote it, or better write ${MATRIX_TOKEN} and set that variable`},
		{"unclosed ${", "web:\n  title: ${TITLE\n", `herald.yaml:2: web.title: "${TITLE" has an unclosed ${ (write ${NAME}, or $${ for a literal ${)`},

		// Feeds.
		{"missing url", "feeds:\n  - name: x\n", `herald.yaml:2: feeds[0].url: is missing: every feed needs a url (https://… or a local file)`},
		{"ftp url", "feeds:\n  - url: ftp://example.com/x\n", `herald.yaml:2: feeds[0].url: "ftp://example.com/x": the scheme "ftp" is not supported (use http, https, file:// or a local path)`},
		{"url without host", "feeds:\n  - url: https:///feed\n", `herald.yaml:2: feeds[0].url: "https:///feed" has no host (write https://example.com/feed.xml)`},
		{"url without scheme", "feeds:\n  - url: example.com/rss\n", `herald.yaml:2: feeds[0].url: "example.com/rss" has no scheme: write https://example.com/rss, or ./example.com/rss for a local file`},
		{"url with bad escape", "feeds:\n  - url: https://example.com/%zz\n", `herald.yaml:2: feeds[0].url: "https://example.com/%zz" is not a URL: invalid URL escape "%zz"`},
		{"url with bad port", "feeds:\n  - url: https://example.com:99999/\n", `herald.yaml:2: feeds[0].url: "https://example.com:99999/": port "99999" is not 1-65535`},
		{"duplicate url", feed + "  - url: HTTPS://Example.com/feed.xml\n", `herald.yaml:3: feeds[1].url: the same feed as feeds[0] (line 2); add routes there instead`},
		{"duplicate name", "feeds:\n  - url: https://a.example/\n    name: News\n  - url: https://b.example/\n    name: news\n", `herald.yaml:5: feeds[1].name: "news" is also the name of feeds[0]; commands find feeds by name, so names must differ`},
		{"cron hour", feed + "    schedule: \"0 24 * * *\"\n", `herald.yaml:3: feeds[0].schedule: "0 24 * * *" is not a valid cron spec (hour must be 0-23)`},
		{"cron fields", feed + "    schedule: \"* * * *\"\n", `herald.yaml:3: feeds[0].schedule: "* * * *" is not a valid cron spec (it has 4 fields; want 5: minute hour day-of-month month day-of-week, or a descriptor such as @hourly or @every 10m)`},
		{"cron descriptor", feed + "    schedule: \"@hourlyy\"\n", `herald.yaml:3: feeds[0].schedule: "@hourlyy" is not a valid cron spec (unknown descriptor @hourlyy; use @hourly, @daily, @weekly, @monthly, @yearly or @every <duration>)`},
		{"first_post too many", feed + "    first_post: 500\n", `herald.yaml:3: feeds[0].first_post: 500 is out of range: post 0-50 items on a feed's first poll`},
		{"colour", feed + "    colour: blue\n", `herald.yaml:3: feeds[0].colour: "blue" is not a colour; write #rrggbb, e.g. "#3b82f6" (quoted: # starts a YAML comment)`},
		{"template", feed + "    template: \"{{.Title\"\n", `herald.yaml:3: feeds[0].template: the template does not parse: template:1: unclosed action`},
		{"filter regex", feed + "    filters:\n      include:\n        - regex: \"(\"\n", `herald.yaml:5: feeds[0].filters.include[0].regex: "(" is not a regular expression: missing closing )`},
		{"filter field", feed + "    filters:\n      exclude:\n        - field: colour\n          regex: x\n", `herald.yaml:5: feeds[0].filters.exclude[0].field: "colour" is not a field; use title, body, author, category or any`},
		{"filter match", feed + "    filters:\n      match: most\n", `herald.yaml:4: feeds[0].filters.match: "most" is not any or all`},

		// Routes.
		{"route missing to", feed + "    routes:\n      - plain_text: true\n", `herald.yaml:4: feeds[0].routes[0].to: is missing: say where to post, as discord:<channel id> or matrix:<room id>`},
		{"route not a snowflake", feed + "    routes:\n      - to: discord:general\n", `herald.yaml:4: feeds[0].routes[0].to: "discord:general": channel id "general" is not a Discord snowflake (a number such as 1081234567890123456; turn on Developer Mode and use Copy ID)`},
		{"route bad room", feed + "    routes:\n      - to: matrix:room\n", `herald.yaml:4: feeds[0].routes[0].to: "matrix:room": "room" is not a Matrix room (want a room id !id:server or an alias #name:server)`},
		{"route alias without server", feed + "    routes:\n      - to: \"matrix:#room\"\n", `herald.yaml:4: feeds[0].routes[0].to: "matrix:#room": "#room" is not a Matrix room alias (want #name:server)`},
		{"route platform", feed + "    routes:\n      - to: slack:C123\n", `herald.yaml:4: feeds[0].routes[0].to: "slack:C123": unknown platform "slack" (use discord or matrix)`},
		{"route twice", feed + "    routes:\n      - to: discord:1\n      - to: discord:1\n", `herald.yaml:5: feeds[0].routes[1].to: discord:1 is already routes[0] of this feed`},
		{"quiet hours time", feed + "    routes:\n      - to: discord:1\n        quiet_hours:\n          start: \"25:00\"\n          end: \"07:00\"\n", `herald.yaml:6: feeds[0].routes[0].quiet_hours.start: "25:00" is not a time of day; write HH:MM such as "22:00"`},
		{"quiet hours zone", feed + "    routes:\n      - to: discord:1\n        quiet_hours: {start: \"22:00\", end: \"07:00\", tz: Mars/Olympus}\n", `herald.yaml:5: feeds[0].routes[0].quiet_hours.tz: "Mars/Olympus" is not a time zone; use an IANA name such as UTC or Europe/Berlin`},
		{"digest schedule", feed + "    routes:\n      - to: discord:1\n        digest:\n          schedule: \"0 8 * * 8\"\n", `herald.yaml:6: feeds[0].routes[0].digest.schedule: "0 8 * * 8" is not a valid cron spec (day of week must be 0-6 or sun-sat)`},
		{"msgtype on discord", feed + "    routes:\n      - to: discord:1\n        msgtype: m.text\n", `herald.yaml:5: feeds[0].routes[0].msgtype: applies to Matrix routes only`},
		{"mention_role on matrix", feed + "    routes:\n      - to: \"matrix:!a:b.org\"\n        mention_role: \"123\"\n", `herald.yaml:5: feeds[0].routes[0].mention_role: applies to Discord routes only`},
		{"archive minutes", feed + "    routes:\n      - to: discord:1\n        thread_archive_minutes: 30\n", `herald.yaml:5: feeds[0].routes[0].thread_archive_minutes: Discord accepts 60, 1440, 4320 or 10080, not 30`},

		// Sections.
		{"defaults zone", "defaults:\n  timezone: Berlin\n", `herald.yaml:2: defaults.timezone: "Berlin" is not a time zone; use an IANA name such as UTC or Europe/Berlin`},
		{"defaults schedule", "defaults:\n  schedule: \"*/0 * * * *\"\n", `herald.yaml:2: defaults.schedule: "*/0 * * * *" is not a valid cron spec (minute step in "*/0" must be a positive number)`},
		{"header timeout", "fetch:\n  header_timeout: 1m\n", `herald.yaml:2: fetch.header_timeout: 1m0s is longer than fetch.timeout (30s), which ends the request first`},
		{"allow", "fetch:\n  allow: [10.0.0.0/33]\n", `herald.yaml:2: fetch.allow[0]: "10.0.0.0/33" is not a CIDR such as 10.0.0.0/8 or fd00::/8`},
		{"discord token is matrix", "discord:\n  token: ${T}\n", ``}, // no env: empty, fine
		{"shard", "discord:\n  shard_id: 2\n  shard_count: 2\n", `herald.yaml:2: discord.shard_id: 2 is out of range: with shard_count 2 use 0-1`},
		{"guild id", "discord:\n  guild_id: my-guild\n", `herald.yaml:2: discord.guild_id: id "my-guild" is not a Discord snowflake (a number such as 1081234567890123456; turn on Developer Mode and use Copy ID)`},
		{"webhook name", "discord:\n  webhook_name: Discord News\n", `herald.yaml:2: discord.webhook_name: "Discord News": Discord refuses webhook names containing "clyde" or "discord"`},
		{"homeserver scheme", "matrix:\n  homeserver: matrix.org\n", `herald.yaml:2: matrix.homeserver: "matrix.org" has no scheme: write https://matrix.org`},
		{"user id", "matrix:\n  user_id: herald\n", `herald.yaml:2: matrix.user_id: "herald" is not a Matrix user id (want @name:server)`},
		{"admin user", "matrix:\n  admin_users: [\"@ann\"]\n", `herald.yaml:2: matrix.admin_users[0]: "@ann" is not a Matrix user id (want @name:server)`},
		{"prefix", "matrix:\n  command_prefix: \"\"\n", `herald.yaml:2: matrix.command_prefix: "" must be one word, such as !herald`},
		{"listen", "web:\n  listen: localhost\n", `herald.yaml:2: web.listen: "localhost" is not host:port, such as 127.0.0.1:8080 or :8080`},
		{"base url", "web:\n  base_url: /news\n", `herald.yaml:2: web.base_url: "/news" must start with https:// (or http://)`},
		{"driver alias", "database:\n  driver: postgresql\n", `herald.yaml:2: database.driver: "postgresql" is not a supported driver; use sqlite or postgres (did you mean "postgres"?)`},
		{"postgres without dsn", "database:\n  driver: postgres\n", `herald.yaml:1: database.dsn: is missing: the postgres driver needs one, e.g. postgres://herald@127.0.0.1:5432/herald (write ${DATABASE_URL})`},
		{"word action", "moderation:\n  words:\n    - pattern: x\n      action: ban\n", `herald.yaml:4: moderation.words[0].action: "ban" is not an action; use mask, hold or drop`},
		{"word regex", "moderation:\n  words:\n    - pattern: \"[a\"\n      regex: true\n", `herald.yaml:3: moderation.words[0].pattern: "[a" is not a regular expression: missing closing ]`},
		{"rate limit", "moderation:\n  rate_limit:\n    count: 5\n    per: 0s\n", `herald.yaml:4: moderation.rate_limit.per: must be longer than 0 when count is set (e.g. 1m)`},
		{"link room", "links:\n  - discord: \"1\"\n    matrix: lobby\n", `herald.yaml:3: links[0].matrix: "lobby" is not a Matrix room (want a room id !id:server or an alias #name:server)`},
		{"link missing half", "links:\n  - discord: \"1\"\n", `herald.yaml:2: links[0].matrix: is missing: a link joins a Discord channel id and a Matrix room`},
		{"link twice", "links:\n  - {discord: \"1\", matrix: \"#a:x.org\"}\n  - {discord: \"1\", matrix: \"#b:x.org\"}\n", `herald.yaml:3: links[1].discord: channel 1 is already in links[0]; a channel belongs to one mirror group`},
		{"log level", "log:\n  level: warning\n", `herald.yaml:2: log.level: "warning" is not a level (did you mean "warn"?)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, ps := problemsOf(t, tc.yaml)
			if tc.want == "" {
				if ps != nil {
					t.Fatalf("got problems, want none:\n%v", ps)
				}
				return
			}
			if len(ps) != 1 {
				t.Fatalf("got %d problems, want 1:\n%v", len(ps), ps)
			}
			if got := ps[0].String(); got != tc.want {
				t.Errorf("\ngot:  %s\nwant: %s", got, tc.want)
			}
		})
	}
}

func TestValidateCollectsEveryProblem(t *testing.T) {
	// A config built in code has no lines; every problem is still there.
	c := Default()
	c.Feeds = []Feed{{URL: "gopher://x", Schedule: "bad"}, {URL: "https://ok.example/", Schedule: "@daily"}}
	c.Feeds[1].Routes = []Route{{To: "irc:#go"}}
	c.Database.Driver = "oracle"
	c.Log.Level = "loud"
	err := c.Validate()
	ps, ok := err.(Problems)
	if !ok {
		t.Fatalf("got %v, want Problems", err)
	}
	var paths []string
	for _, p := range ps {
		paths = append(paths, p.Path)
		if p.Line != 0 {
			t.Errorf("%v: a Config built in code has no lines", p)
		}
	}
	want := "database.driver feeds[0].schedule feeds[0].url feeds[1].routes[0].to log.level"
	if got := strings.Join(paths, " "); got != want {
		t.Errorf("paths: got %q, want %q", got, want)
	}
}

func TestTokensInTheWrongPlace(t *testing.T) {
	const discordToken = "MTA4MTIzNDU2Nzg5MDEyMzQ1Ng.GabcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
	cases := []struct {
		name string
		yaml string
		env  map[string]string
		want string
	}{
		{"matrix token in discord", "discord:\n  token: ${DISCORD_TOKEN}\n", map[string]string{"DISCORD_TOKEN": "syt_aGVyYWxk_abcdefghijklmnopqrst_0a1b2c"},
			`herald.yaml:2: discord.token: looks like a Matrix access token (it starts with syt_); the Discord bot token is on the Bot page of your application`},
		{"mas token in discord", "discord:\n  token: ${DISCORD_TOKEN}\n", map[string]string{"DISCORD_TOKEN": "mct_abcdefghijklmnopqrstuvwxyz"},
			`herald.yaml:2: discord.token: looks like a Matrix access token (it starts with mct_); the Discord bot token is on the Bot page of your application`},
		{"discord token in matrix", "matrix:\n  homeserver: https://m.example.org\n  access_token: ${MATRIX_TOKEN}\n", map[string]string{"MATRIX_TOKEN": discordToken},
			`herald.yaml:3: matrix.access_token: looks like a Discord bot token (three parts joined by dots); the Matrix access token comes from your homeserver's login`},
		{"password without user", "matrix:\n  homeserver: https://m.example.org\n  password: ${P}\n", map[string]string{"P": "hunter2"},
			`herald.yaml:1: matrix.user_id: is missing: logging in with a password needs the bot's user id, e.g. @herald:example.org`},
		{"token without homeserver", "matrix:\n  access_token: ${MATRIX_TOKEN}\n", map[string]string{"MATRIX_TOKEN": "syt_x"},
			`herald.yaml:1: matrix.homeserver: is missing, but a Matrix access token or password is set: write the homeserver's URL, e.g. https://matrix.example.org`},
		{"right tokens", "discord:\n  token: ${DISCORD_TOKEN}\nmatrix:\n  homeserver: https://m.example.org\n  access_token: ${MATRIX_TOKEN}\n",
			map[string]string{"DISCORD_TOKEN": "Bot " + discordToken, "MATRIX_TOKEN": "syt_aGVyYWxk_abc"}, ``},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseWith("herald.yaml", []byte(tc.yaml), envOf(tc.env))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("\ngot:  %s\nwant: %s", got, tc.want)
			}
			if tc.want == "" && c.Discord.Token != discordToken {
				t.Errorf("discord token: got %q, want it without the Bot prefix", c.Discord.Token)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want string // the one warning
	}{
		{"literal discord token", "discord:\n  token: abc.def.ghi\n", `herald.yaml:2: discord.token: a secret is written in the file; anyone who can read it can use it: write ${DISCORD_TOKEN} and set that environment variable`},
		{"literal matrix password", "matrix:\n  homeserver: https://m.example.org\n  user_id: \"@h:example.org\"\n  password: hunter2\n", `herald.yaml:4: matrix.password: a secret is written in the file; anyone who can read it can use it: write ${MATRIX_PASSWORD} and set that environment variable`},
		{"dsn with sqlite", "database:\n  dsn: ${DATABASE_URL:-postgres://x}\n", `herald.yaml:2: database.dsn: is ignored with the sqlite driver; path sets the database file`},
		{"missing local feed", "feeds:\n  - url: ./does-not-exist.xml\n", `herald.yaml:2: feeds[0].url: cannot read the local file ./does-not-exist.xml now (a relative path is relative to the directory Herald runs in): no such file or directory`},
		{"literal dsn with a password", "database:\n  driver: postgres\n  dsn: postgres://herald:pw@db/herald\n", `herald.yaml:3: database.dsn: a secret is written in the file; anyone who can read it can use it: write ${DATABASE_URL} and set that environment variable`},
		{"literal dsn without a password", "database:\n  driver: postgres\n  dsn: postgres://herald@db/herald\n", ``},
		{"key=value dsn with a password", "database:\n  driver: postgres\n  dsn: host=db password=pw\n", `herald.yaml:3: database.dsn: a secret is written in the file; anyone who can read it can use it: write ${DATABASE_URL} and set that environment variable`},
		{"secret from env", "discord:\n  token: ${DISCORD_TOKEN:-x}\n", ``},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, ps := problemsOf(t, tc.yaml)
			if ps != nil {
				t.Fatalf("warnings must not be problems: %v", ps)
			}
			got := c.Warnings.Error()
			if got != tc.want {
				t.Errorf("\ngot:  %s\nwant: %s", got, tc.want)
			}
		})
	}
}
