package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// noEnv is an empty environment, so tests do not depend on the machine's.
func noEnv(string) (string, bool) { return "", false }

// envOf is an environment holding exactly vars.
func envOf(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

// problemsOf parses yaml and returns its problems; it fails the test if
// the error is something other than Problems.
func problemsOf(t *testing.T, yaml string) (*Config, Problems) {
	t.Helper()
	c, err := parseWith("herald.yaml", []byte(yaml), noEnv)
	if err == nil {
		return c, nil
	}
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("parse: got error %T %v, want Problems", err, err)
	}
	if c == nil {
		t.Fatalf("parse returned Problems with a nil Config")
	}
	return c, ps
}

func TestFiveMistakesAllReportedWithLines(t *testing.T) {
	data, err := os.ReadFile("testdata/five_mistakes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = parseWith("herald.yaml", data, noEnv)
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("got %v, want Problems", err)
	}
	want := []string{
		`herald.yaml:3: feeds[0].url: "htp//example.com/feed.xml" is neither a URL (it has no scheme such as https://) nor a local path`,
		`herald.yaml:8: feeds[1].schedule: "*/61 * * * *" is not a valid cron spec (minute must be 0-59)`,
		`herald.yaml:10: feeds[2].shedule: unknown key "shedule" (did you mean "schedule"?)`,
		`herald.yaml:12: discord.token: must be text, not a number (12345): quote it, or better write ${DISCORD_TOKEN} and set that variable`,
		`herald.yaml:14: database.driver: "mysql" is not a supported driver; use sqlite or postgres`,
	}
	got := strings.Split(err.Error(), "\n")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\ngot:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	data, err := os.ReadFile("../herald.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := parseWith("herald.example.yaml", data, noEnv)
	if err != nil {
		t.Fatalf("herald.example.yaml has problems:\n%v", err)
	}
	if got := len(c.Feeds); got != 1 {
		t.Fatalf("feeds: got %d, want 1", got)
	}
	f := c.Feeds[0]
	if f.URL != "examples/feed.xml" {
		t.Errorf("feed url: got %q, want examples/feed.xml", f.URL)
	}
	if got := len(f.Routes); got != 2 {
		t.Errorf("routes: got %d, want 2", got)
	}
	if c.Discord.Configured() || c.Matrix.Configured() {
		t.Errorf("with no environment the adapters must be off: discord %v, matrix %v", c.Discord.Configured(), c.Matrix.Configured())
	}
	for _, w := range c.Warnings {
		if strings.Contains(w.Msg, "secret") {
			t.Errorf("the example writes a secret literally: %v", w)
		}
	}
	// With the secrets set, both adapters come on and nothing warns about them.
	c, err = parseWith("herald.example.yaml", data, envOf(map[string]string{
		"DISCORD_TOKEN": "MTA4MTIzNDU2Nzg5MDEyMzQ1Ng.GabcDe.abcdefghijklmnopqrstuvwxyz0123456789AB",
		"MATRIX_TOKEN":  "syt_aGVyYWxk_abcdefghijklmnopqrst_0a1b2c",
	}))
	if err != nil {
		t.Fatalf("with secrets set: %v", err)
	}
	if !c.Discord.Configured() || !c.Matrix.Configured() {
		t.Errorf("with secrets set both adapters must be on: discord %v, matrix %v", c.Discord.Configured(), c.Matrix.Configured())
	}
}

func TestGoodFileWithEnv(t *testing.T) {
	data, err := os.ReadFile("testdata/good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := parseWith("good.yaml", data, envOf(map[string]string{
		"HERALD_TEST_DISCORD": "MTA4MTIzNDU2Nzg5MDEyMzQ1Ng.GabcDe.abcdefghijklmnopqrstuvwxyz0123456789AB",
		"HERALD_TEST_PGPASS":  "s3cret",
	}))
	if err != nil {
		t.Fatalf("good.yaml: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"discord token from env", c.Discord.Token, "MTA4MTIzNDU2Nzg5MDEyMzQ1Ng.GabcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"},
		{"bare-number guild id kept as text", c.Discord.GuildID, "1081234567890123000"},
		{"matrix token from the ${VAR:-default}", c.Matrix.AccessToken, "fallback_token"},
		{"dsn with a variable inside", c.Database.DSN, "postgres://herald:s3cret@127.0.0.1:5432/herald"},
		{"feed 0 schedule from defaults", c.Feeds[0].Schedule, "*/10 * * * *"},
		{"feed 1 schedule as written", c.Feeds[1].Schedule, "@every 30m"},
		{"feed 0 first_post from defaults", *c.Feeds[0].FirstPost, 1},
		{"feed 1 first_post 0 kept", *c.Feeds[1].FirstPost, 0},
		{"feed 0 max_age from defaults", c.Feeds[0].MaxAge.Std(), 72 * time.Hour},
		{"route 1 place", c.Feeds[0].Routes[1].To, "matrix:!room:example.org"},
		{"no warnings: secrets come from env", len(c.Warnings), 0},
	}
	for _, ck := range checks {
		if !reflect.DeepEqual(ck.got, ck.want) {
			t.Errorf("%s: got %v, want %v", ck.name, ck.got, ck.want)
		}
	}
	sum := c.Summary()
	for _, want := range []string{"2 feeds, 2 routes", "discord: on (commands in guild 1081234567890123000)", "matrix: on (@herald:example.org", "postgres (postgres://herald:xxxxx@127.0.0.1:5432/herald)"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
	if strings.Contains(sum, "s3cret") || strings.Contains(sum, "MTA4") {
		t.Errorf("summary shows a secret:\n%s", sum)
	}
}

func TestEmptyFileGivesDefaults(t *testing.T) {
	for _, in := range []string{"", "# only a comment\n", "---\n"} {
		c, err := parseWith("herald.yaml", []byte(in), noEnv)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		want := Default()
		want.File = "herald.yaml"
		c.lines, c.Warnings = nil, nil
		if !reflect.DeepEqual(c, want) {
			t.Errorf("%q: got %+v, want the defaults %+v", in, c, want)
		}
	}
}

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default() does not validate:\n%v", err)
	}
	d := Default()
	checks := []struct {
		name      string
		got, want any
	}{
		{"schedule", d.Defaults.Schedule, "*/10 * * * *"},
		{"max_age", d.Defaults.MaxAge.Std(), 72 * time.Hour},
		{"first_post", d.Defaults.FirstPost, 1},
		{"min_interval", d.Defaults.MinInterval.Std(), time.Minute},
		{"fetch.timeout", d.Fetch.Timeout.Std(), 30 * time.Second},
		{"fetch.max_body", d.Fetch.MaxBody, ByteSize(10 << 20)},
		{"fetch.per_host", d.Fetch.PerHost, 2},
		{"matrix.command_prefix", d.Matrix.CommandPrefix, "!herald"},
		{"matrix.admin_power_level", d.Matrix.AdminPowerLevel, 50},
		{"web.listen", d.Web.Listen, "127.0.0.1:8080"},
		{"database.driver", d.Database.Driver, "sqlite"},
		{"sqlite path", d.Database.SQLitePath("data"), filepath.Join("data", "herald.db")},
		{"log.level", d.Log.Level, "info"},
		{"feeds", len(d.Feeds), 0},
	}
	for _, ck := range checks {
		if !reflect.DeepEqual(ck.got, ck.want) {
			t.Errorf("%s: got %v, want %v", ck.name, ck.got, ck.want)
		}
	}
}

func TestFileOverridesOnlyWhatItSays(t *testing.T) {
	c, ps := problemsOf(t, "fetch:\n  per_host: 4\nweb:\n  title: News\n")
	if ps != nil {
		t.Fatal(ps)
	}
	if c.Fetch.PerHost != 4 || c.Web.Title != "News" {
		t.Errorf("overrides: per_host %d title %q, want 4 and News", c.Fetch.PerHost, c.Web.Title)
	}
	if c.Fetch.Timeout.Std() != 30*time.Second || c.Web.Listen != "127.0.0.1:8080" {
		t.Errorf("untouched keys lost their defaults: timeout %v listen %q", c.Fetch.Timeout.Std(), c.Web.Listen)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v, want an error wrapping os.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), "nope.yaml does not exist") {
		t.Errorf("message %q does not say which file is missing", err)
	}
}

func TestLoadReadsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.yaml")
	if err := os.WriteFile(path, []byte("log:\n  level: debug\n  colour: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	want := path + `:3: log.colour: unknown key "colour" (known keys: level)`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestProblemFormat(t *testing.T) {
	cases := []struct {
		p    Problem
		want string
	}{
		{Problem{"herald.yaml", 12, "feeds[2].schedule", "bad"}, "herald.yaml:12: feeds[2].schedule: bad"},
		{Problem{"herald.yaml", 0, "web.listen", "bad"}, "herald.yaml: web.listen: bad"},
		{Problem{"", 0, "web.listen", "bad"}, "web.listen: bad"},
		{Problem{"herald.yaml", 3, "", "YAML syntax: x"}, "herald.yaml:3: YAML syntax: x"},
	}
	for _, tc := range cases {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	ps := Problems{cases[0].p, cases[1].p}
	if got, want := ps.Error(), cases[0].want+"\n"+cases[1].want; got != want {
		t.Errorf("Problems.Error: got %q, want %q", got, want)
	}
}

func TestYAMLSyntaxError(t *testing.T) {
	_, ps := problemsOf(t, "feeds:\n  - url: x\n   bad: [\n")
	if len(ps) != 1 || ps[0].Line == 0 || !strings.HasPrefix(ps[0].Msg, "YAML syntax: ") {
		t.Fatalf("got %#v, want one YAML syntax problem with a line", ps)
	}
	_, ps = problemsOf(t, "log:\n  level: info\n---\nlog: {}\n")
	if len(ps) != 1 || ps[0].Line != 3 || !strings.Contains(ps[0].Msg, "second YAML document") {
		t.Fatalf("got %#v, want the second document reported on line 3", ps)
	}
}

func TestAliasBombStops(t *testing.T) {
	// Aliases are followed, not copied, so a small file can name billions
	// of nodes: 200 feeds × 200 routes × 200 patterns here.
	many := func(alias string) string {
		return "[" + strings.TrimSuffix(strings.Repeat(alias+", ", 200), ", ") + "]"
	}
	doc := "p: &p {field: title, regex: x}\n" +
		"ps: &ps " + many("*p") + "\n" +
		"r: &r {to: \"discord:1\", filters: {include: *ps}}\n" +
		"rs: &rs " + many("*r") + "\n" +
		"f: &f {url: \"https://example.com/\", routes: *rs}\n" +
		"feeds: " + many("*f") + "\n"
	_, ps := problemsOf(t, doc)
	var stopped bool
	for _, p := range ps {
		stopped = stopped || strings.Contains(p.Msg, "expands to more than")
	}
	if !stopped || len(ps) > 10 {
		t.Fatalf("got %d problems (stopped: %v), want the expansion stopped and a short report:\n%v", len(ps), stopped, ps)
	}
}

func TestAliasesAndMerges(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"self-containing merge", "log: &l {<<: *l}\n", `herald.yaml:1: log: the alias *l is inside the value it names, so it never ends`},
		{"self-containing list", "feeds: &f [*f]\n", `herald.yaml:1: feeds[0]: must be a mapping (key: value lines), not a list`},
		{"merge of a scalar", "log: {<<: x}\n", `herald.yaml:1: log: << merges a mapping or a list of mappings, not text`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, ps := problemsOf(t, tc.yaml)
			if got := ps.Error(); got != tc.want {
				t.Errorf("\ngot:  %s\nwant: %s", got, tc.want)
			}
		})
	}
	// A merge key shares settings; keys written beside it win.
	c, ps := problemsOf(t, "feeds:\n  - &base\n    url: https://a.example/\n    schedule: \"@hourly\"\n    max_age: 1d\n  - url: https://b.example/\n    <<: *base\n")
	if ps != nil {
		t.Fatal(ps)
	}
	if got := c.Feeds[1]; got.URL != "https://b.example/" || got.Schedule != "@hourly" || got.MaxAge.Std() != 24*time.Hour {
		t.Errorf("merged feed: got url %q schedule %q max_age %v", got.URL, got.Schedule, got.MaxAge.Std())
	}
}
