package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/config"
	"github.com/heraldchat/herald/store"
)

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// localFeed writes a one-item RSS file and returns its path.
func localFeed(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name+".xml")
	writeFile(t, path, fmt.Sprintf(`<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title>
<item><title>%s story</title><link>https://news.example/%s</link><guid>%s-1</guid></item></channel></rss>`, name, name, name, name))
	return path
}

func feedConfig(feeds ...string) string {
	var b strings.Builder
	b.WriteString("feeds:\n")
	for _, f := range feeds {
		fmt.Fprintf(&b, "  - url: %s\n    schedule: \"@hourly\"\n    routes:\n      - to: discord:1081234567890123456\n", f)
	}
	return b.String()
}

func feedURLs(t *testing.T, db interface {
	ListFeeds(context.Context) ([]bot.Feed, error)
}) []string {
	t.Helper()
	list, err := db.ListFeeds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range list {
		out = append(out, f.URL)
	}
	slices.Sort(out)
	return out
}

// TestReload calls the reload function: a new feed is applied, a config
// feed dropped from the file goes, a command feed stays, and a broken file
// changes nothing.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	a, b := localFeed(t, dir, "alpha"), localFeed(t, dir, "beta")
	cfgPath := filepath.Join(dir, "herald.yaml")
	writeFile(t, cfgPath, feedConfig(a))
	db, err := store.Open(t.Context(), "sqlite", filepath.Join(dir, "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	specs, err := feedSpecs(cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SyncConfigFeeds(t.Context(), specs); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddFeed(t.Context(), bot.FeedSpec{URL: "https://cmd.example/feed.xml"}, bot.FromCommand); err != nil {
		t.Fatal(err)
	}
	routes := newRouteTable(cfg)
	tree := bot.NewCommands(bot.CommandOptions{Store: db})
	r := &reloader{path: cfgPath, dataDir: dir, store: db, routes: routes, tree: tree, log: testLog(t)}

	writeFile(t, cfgPath, feedConfig(b)+"    colour: \"#112233\"\nmatrix:\n  admin_users: [\"@ada:example.org\"]\n  admin_power_level: 75\nlinks:\n  - discord: \"1081234567890123459\"\n    matrix: \"!mirror:example.org\"\n")
	if err := r.reload(t.Context()); err != nil {
		t.Fatalf("reload: %v", err)
	}
	if got, want := feedURLs(t, db), []string{b, "https://cmd.example/feed.xml"}; !slices.Equal(got, want) {
		t.Errorf("feeds after reload: %v, want %v", got, want)
	}
	if got := routes.get(bot.Place{Platform: bot.Discord, Channel: "1081234567890123456"}).render.Colour; got != 0x112233 {
		t.Errorf("route colour after reload: %#x, want 0x112233", got)
	}
	if got := routes.adminFacts(); !slices.Equal(got.matrixUsers, []string{"@ada:example.org"}) || got.matrixLevel != 75 {
		t.Errorf("admin facts after reload: %+v, want @ada:example.org and level 75", got)
	}
	groups, err := db.LinkGroups(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]bot.Place{{{Platform: bot.Discord, Channel: "1081234567890123459"}, {Platform: bot.Matrix, Channel: "!mirror:example.org"}}}; !reflect.DeepEqual(groups, want) {
		t.Errorf("links after reload: %v, want %v", groups, want)
	}
	if got := tree.Config().Links; len(got) != 1 {
		t.Errorf("the command tree knows %d config links after reload, want 1", len(got))
	}

	writeFile(t, cfgPath, feedConfig(a)+"    shedule: \"@daily\"\n")
	err = r.reload(t.Context())
	if err == nil || !strings.Contains(err.Error(), "herald.yaml:6") {
		t.Errorf("reload of a broken file: %v, want the problem with its line", err)
	}
	if got, want := feedURLs(t, db), []string{b, "https://cmd.example/feed.xml"}; !slices.Equal(got, want) {
		t.Errorf("feeds after a broken reload: %v, want the old %v", got, want)
	}
}

// TestSIGHUPReload runs the binary, adds a feed to its config file, sends
// SIGHUP, then a broken file and SIGHUP again: the first applies, the
// second is refused and logged, and the daemon keeps running.
func TestSIGHUPReload(t *testing.T) {
	dir := t.TempDir()
	a, b := localFeed(t, dir, "alpha"), localFeed(t, dir, "beta")
	cfgPath := filepath.Join(dir, "herald.yaml")
	writeFile(t, cfgPath, feedConfig(a))
	d := startDaemon(t, dir, "-config", cfgPath, "-data", filepath.Join(dir, "data"))
	select {
	case <-d.addr:
	case err := <-d.done:
		t.Fatalf("herald run exited early: %v\n%s", err, d.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("no HTTP address logged within 30 s:\n%s", d.log())
	}
	waitLog := func(what string, n int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for strings.Count(d.log(), what) < n {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in the log within 30 s:\n%s", what, d.log())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	writeFile(t, cfgPath, feedConfig(a, b))
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(`"msg":"config reloaded"`, 1)
	writeFile(t, cfgPath, "feeds:\n  - url: ftp://nowhere.example/feed\n")
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(`"msg":"config reload refused; the old config stays in force"`, 1)
	if !strings.Contains(d.log(), `herald.yaml:2: feeds[0].url`) {
		t.Errorf("the refused reload did not log the problem with its line:\n%s", d.log())
	}
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("herald run after SIGTERM: %v\n%s", err, d.log())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("herald run did not stop after SIGTERM:\n%s", d.log())
	}
	db, err := store.Open(t.Context(), "sqlite", filepath.Join(dir, "data", "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := []string{a, b}
	slices.Sort(want)
	if got := feedURLs(t, db); !slices.Equal(got, want) {
		t.Errorf("feeds after the reloads: %v, want %v", got, want)
	}
}

// TestExportRoundTrip: export → check passes → loading the export gives
// the same feeds, routes and links as the store.
func TestExportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	a := localFeed(t, dir, "alpha")
	cfgPath := filepath.Join(dir, "herald.yaml")
	writeFile(t, cfgPath, feedConfig(a)+`    name: Alpha
    max_age: 2d
    filters:
      exclude:
        - regex: "(?i)sponsored"
links:
  - discord: "1081234567890123457"
    matrix: "!room:example.org"
`)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	db, err := openStore(t.Context(), cfg, filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	specs, err := feedSpecs(cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := db.SyncConfigFeeds(ctx, specs); err != nil {
		t.Fatal(err)
	}
	ropts, _ := json.Marshal(config.RouteOptions{QuietHours: &config.QuietHours{Start: "22:00", End: "07:00"}, MessageType: "m.text"})
	_, err = db.AddFeed(ctx, bot.FeedSpec{URL: "https://cmd.example/feed.xml", Name: "By command", Routes: []bot.RouteSpec{
		{Place: bot.Place{Platform: bot.Matrix, Channel: "!news:example.org"}, Options: ropts}}}, bot.FromCommand)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.LinkPlaces(ctx, bot.Place{Platform: bot.Discord, Channel: "1081234567890123458"},
		bot.Place{Platform: bot.Matrix, Channel: "!other:example.org"}); err != nil {
		t.Fatal(err)
	}
	before, err := db.ListFeeds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	var stdout, stderr strings.Builder
	if code := dispatch(ctx, []string{"export", "-format", "yaml", "-config", cfgPath, "-data", filepath.Join(dir, "data")}, &stdout, &stderr); code != 0 {
		t.Fatalf("herald export: exit %d: %s", code, stderr.String())
	}
	exported := filepath.Join(dir, "exported.yaml")
	writeFile(t, exported, stdout.String())
	var checkOut, checkErr strings.Builder
	if code := dispatch(ctx, []string{"check", "-config", exported}, &checkOut, &checkErr); code != 0 {
		t.Fatalf("herald check of the export: exit %d\n%s%s\nexport:\n%s", code, checkOut.String(), checkErr.String(), stdout.String())
	}
	again, err := config.Load(exported)
	if err != nil {
		t.Fatal(err)
	}
	got, err := feedSpecs(again, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(before) {
		t.Fatalf("export has %d feeds, the store %d:\n%s", len(got), len(before), stdout.String())
	}
	for i, f := range before {
		g := got[i]
		if g.URL != f.URL || g.Name != f.Name || g.Schedule != firstNonEmpty(f.Schedule, cfg.Defaults.Schedule) {
			t.Errorf("feed %d: exported %s %q %q, stored %s %q %q", i, g.URL, g.Name, g.Schedule, f.URL, f.Name, f.Schedule)
		}
		if !sameOptions(t, g.Options, f.Options, cfg.Defaults) {
			t.Errorf("feed %s options: exported %s, stored %s", f.URL, g.Options, f.Options)
		}
	}
	if q := again.Feeds[1].Routes[0]; q.To != "matrix:!news:example.org" || q.QuietHours == nil || q.QuietHours.Start != "22:00" || q.MessageType != "m.text" {
		t.Errorf("command feed route after export: %+v", q)
	}
	wantLinks := []config.Link{{Discord: "1081234567890123457", Matrix: "!room:example.org"}, {Discord: "1081234567890123458", Matrix: "!other:example.org"}}
	if !slices.Equal(again.Links, wantLinks) {
		t.Errorf("links after export: %+v, want %+v", again.Links, wantLinks)
	}
}

// sameOptions compares two feed option documents as the poller reads
// them: unset values take the config's defaults (loading a config file
// writes them in), and key order does not matter.
func sameOptions(t *testing.T, a, b []byte, d config.Defaults) bool {
	t.Helper()
	norm := func(raw []byte) string {
		var o config.FeedOptions
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatal(err)
		}
		if o.MaxAge == 0 {
			o.MaxAge = d.MaxAge
		}
		if o.MinInterval == 0 {
			o.MinInterval = d.MinInterval
		}
		if o.FirstPost == nil {
			o.FirstPost = &d.FirstPost
		}
		out, _ := json.Marshal(o)
		return string(out)
	}
	return norm(a) == norm(b)
}

func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, nil))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
