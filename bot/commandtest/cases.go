package commandtest

import (
	"strings"

	"github.com/heraldchat/herald/bot"
)

// Case is a malformed invocation and the exact reply it must produce. In
// Line, Options and Want, {base} stands for the rig's feed server and
// {here} for the place the command is given in.
type Case struct {
	Name    string
	Line    string            // what follows !herald
	Path    []string          // the slash command's path; nil when the case cannot be typed as one
	Options map[string]string // the slash command's options
	Want    string
}

// Expand fills in the placeholders.
func (c Case) Expand(base string, here bot.Place) Case {
	r := strings.NewReplacer("{base}", base, "{here}", here.String())
	c.Line, c.Want = r.Replace(c.Line), r.Replace(c.Want)
	if c.Options != nil {
		opts := map[string]string{}
		for k, v := range c.Options {
			opts[k] = r.Replace(v)
		}
		c.Options = opts
	}
	return c
}

// Invocation is the case as a slash command sends it.
func (c Case) Invocation() bot.Invocation {
	named := map[string]string{}
	for k, v := range c.Options {
		named[k] = v
	}
	return bot.Invocation{Path: c.Path, Named: named}
}

func path(p ...string) []string { return p }

type opts = map[string]string

// Malformed are invocations an admin gets wrong, each with its answer.
var Malformed = []Case{
	{Name: "unknown command", Line: "fed list", Path: path("fed", "list"),
		Want: `there is no command "fed" (did you mean "feed"?). Commands: feed, post, link, unlink, status, mod, help. Try "help".`},
	{Name: "group without subcommand", Line: "feed", Path: path("feed"),
		Want: `"feed" needs a subcommand: add, remove, list, pause, resume, test. Try "help feed".`},
	{Name: "unknown subcommand", Line: "feed ad {base}/feed.xml", Path: path("feed", "ad"),
		Want: `"feed" has no subcommand "ad" (did you mean "add"?). Subcommands: add, remove, list, pause, resume, test.`},
	{Name: "feed add without url", Line: "feed add", Path: path("feed", "add"),
		Want: `"feed add" needs <url> (the feed's http(s) URL). Usage: feed add <url> [schedule] [place] [name].`},
	{Name: "url without scheme", Line: "feed add example.com/feed.xml", Path: path("feed", "add"), Options: opts{"url": "example.com/feed.xml"},
		Want: `feed add: "example.com/feed.xml" is not a URL: it has no scheme; write https://example.com/feed.xml`},
	{Name: "ftp url", Line: "feed add ftp://example.com/feed.xml", Path: path("feed", "add"), Options: opts{"url": "ftp://example.com/feed.xml"},
		Want: `feed add: "ftp://example.com/feed.xml" is not an http(s) URL; local files and other schemes can only be added in the config file`},
	{Name: "local file", Line: "feed add file:///etc/passwd", Path: path("feed", "add"), Options: opts{"url": "file:///etc/passwd"},
		Want: `feed add: "file:///etc/passwd" is not an http(s) URL; local files and other schemes can only be added in the config file`},
	{Name: "url without host", Line: "feed add https://", Path: path("feed", "add"), Options: opts{"url": "https://"},
		Want: `feed add: "https://" has no host`},
	{Name: "url with password", Line: "feed add https://me:secret@example.com/feed.xml", Path: path("feed", "add"), Options: opts{"url": "https://me:secret@example.com/feed.xml"},
		Want: `feed add: "https://me:secret@example.com/feed.xml" has a user name or password in it; Herald does not send those`},
	{Name: "minute out of range", Line: `feed add https://example.com/feed.xml "*/61 * * * *"`, Path: path("feed", "add"),
		Options: opts{"url": "https://example.com/feed.xml", "schedule": "*/61 * * * *"},
		Want:    `feed add: schedule "*/61 * * * *" is not a valid cron spec (minute must be 0-59)`},
	{Name: "six cron fields", Line: `feed add https://example.com/feed.xml schedule="0 */5 * * * *"`, Path: path("feed", "add"),
		Options: opts{"url": "https://example.com/feed.xml", "schedule": "0 */5 * * * *"},
		Want:    `feed add: schedule "0 */5 * * * *" is not a valid cron spec (it has 6 fields; want 5: minute hour day-of-month month day-of-week, or a descriptor such as @hourly or @every 10m; seconds are not supported)`},
	{Name: "unquoted schedule", Line: `feed add https://example.com/feed.xml */5 * * * *`,
		Want: `too many arguments for "feed add": "* *" is left over. Usage: feed add <url> [schedule] [place] [name]. Quote a schedule with spaces: "*/30 * * * *".`},
	{Name: "bad discord channel", Line: "feed add https://example.com/feed.xml @hourly discord:news", Path: path("feed", "add"),
		Options: opts{"url": "https://example.com/feed.xml", "schedule": "@hourly", "place": "discord:news"},
		Want:    `feed add: place "discord:news": channel id "news" is not a Discord snowflake (a number such as 1081234567890123456; turn on Developer Mode and use Copy ID)`},
	{Name: "unknown platform", Line: "feed add https://example.com/feed.xml @hourly slack:C123", Path: path("feed", "add"),
		Options: opts{"url": "https://example.com/feed.xml", "place": "slack:C123"},
		Want:    `feed add: place "slack:C123": unknown platform "slack" (use discord or matrix)`},
	{Name: "bad matrix room", Line: "feed add https://example.com/feed.xml place=matrix:general", Path: path("feed", "add"),
		Options: opts{"url": "https://example.com/feed.xml", "place": "matrix:general"},
		Want:    `feed add: place "matrix:general": "general" is not a Matrix room (want a room id !id:server or an alias #name:server)`},
	{Name: "misspelt option", Line: "feed add https://example.com/feed.xml --shedule @hourly", Path: path("feed", "add"),
		Options: opts{"url": "https://example.com/feed.xml", "shedule": "@hourly"},
		Want:    `"feed add" has no option "shedule" (did you mean "schedule"?). Its options: url, schedule, place, name.`},
	{Name: "unclosed quote", Line: `feed add "https://example.com/feed.xml`,
		Want: `the quote " before https://example.com/feed.xml is never closed: add the closing "`},
	{Name: "not a feed", Line: "feed add {base}/broken.xml", Path: path("feed", "add"), Options: opts{"url": "{base}/broken.xml"},
		Want: `feed add: could not fetch {base}/broken.xml: not a feed: got text/html`},
	{Name: "feed does not parse", Line: "feed add {base}/garbage.xml", Path: path("feed", "add"), Options: opts{"url": "{base}/garbage.xml"},
		Want: `feed add: {base}/garbage.xml does not parse as a feed: parse feed: XML syntax error on line 1: unexpected EOF`},
	{Name: "feed not found", Line: "feed add {base}/gone.xml", Path: path("feed", "add"), Options: opts{"url": "{base}/gone.xml"},
		Want: `feed add: could not fetch {base}/gone.xml: HTTP 404 from {base}/gone.xml`},
	{Name: "feed already there", Line: "feed add {base}/config.xml", Path: path("feed", "add"), Options: opts{"url": "{base}/config.xml"},
		Want: `feed add: {base}/config.xml is already feed "Config News" (#1) (declared in the config file herald.yaml)`},
	{Name: "remove without feed", Line: "feed remove", Path: path("feed", "remove"),
		Want: `"feed remove" needs <feed> (the feed's id, name or URL). Usage: feed remove <feed>.`},
	{Name: "remove unknown feed", Line: `feed remove "Confg News"`, Path: path("feed", "remove"), Options: opts{"feed": "Confg News"},
		Want: `feed remove: there is no feed "Confg News" (did you mean "Config News"?); "feed list" shows them all`},
	{Name: "remove config feed", Line: `feed remove "Config News"`, Path: path("feed", "remove"), Options: opts{"feed": "Config News"},
		Want: `feed remove: feed "Config News" (#1) is declared in the config file herald.yaml and cannot be removed by command. Delete it from herald.yaml and reload Herald (SIGHUP), or pause it with "feed pause".`},
	{Name: "pause unknown id", Line: "feed pause 999", Path: path("feed", "pause"), Options: opts{"feed": "999"},
		Want: `feed pause: there is no feed "999"; "feed list" shows them all`},
	{Name: "resume a running feed", Line: "feed resume 1", Path: path("feed", "resume"), Options: opts{"feed": "1"},
		Want: `feed resume: feed "Config News" (#1) is not paused`},
	{Name: "list with an argument", Line: "feed list all",
		Want: `too many arguments for "feed list": "all" is left over. Usage: feed list.`},
	{Name: "test a bad url", Line: "feed test gopher://example.com/", Path: path("feed", "test"), Options: opts{"url": "gopher://example.com/"},
		Want: `feed test: "gopher://example.com/" is not an http(s) URL; local files and other schemes can only be added in the config file`},
	{Name: "test a page", Line: "feed test {base}/broken.xml", Path: path("feed", "test"), Options: opts{"url": "{base}/broken.xml"},
		Want: `feed test: could not fetch {base}/broken.xml: not a feed: got text/html`},
	{Name: "post without url", Line: "post", Path: path("post"),
		Want: `"post" needs <url> (the article's URL). Usage: post <url>.`},
	{Name: "post unknown article", Line: "post {base}/a/none", Path: path("post"), Options: opts{"url": "{base}/a/none"},
		Want: `post: no stored article has the URL {base}/a/none, and none of Herald's feeds lists it now`},
	{Name: "link without place", Line: "link", Path: path("link"),
		Want: `"link" needs <place> (discord:<channel id> or matrix:<room id>). Usage: link <place>.`},
	{Name: "link to itself", Line: "link {here}", Path: path("link"), Options: opts{"place": "{here}"},
		Want: `link: {here} is this channel itself; name the place to mirror with`},
	{Name: "unlink a lone place", Line: "unlink discord:1234", Path: path("unlink"), Options: opts{"place": "discord:1234"},
		Want: `unlink: discord:1234 is not linked to anything`},
	{Name: "status with an argument", Line: "status now",
		Want: `too many arguments for "status": "now" is left over. Usage: status.`},
	{Name: "help for an unknown command", Line: "help feeds", Path: path("help"), Options: opts{"command": "feeds"},
		Want: `help: there is no command "feeds" (did you mean "feed"?). Commands: feed, post, link, unlink, status, mod, help. Try "help".`},
}
