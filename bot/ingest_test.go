package bot

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/heraldchat/herald/config"
	"github.com/heraldchat/herald/feeds"
)

var planNow = time.Date(2026, 3, 10, 23, 0, 0, 0, time.UTC)

func item(key string, age time.Duration, title string) feeds.Item {
	it := feeds.Item{Key: key, GUID: key, Title: title, Hash: "h-" + key}
	if age >= 0 {
		it.Published = planNow.Add(-age)
	}
	return it
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// posted lists the keys that got deliveries.
func posted(in []Incoming) []string {
	var out []string
	for _, i := range in {
		if len(i.Deliveries) > 0 {
			out = append(out, i.Article.Key)
		}
	}
	return out
}

func TestPlanIngest(t *testing.T) {
	discord := Place{Platform: Discord, Channel: "1"}
	matrix := Place{Platform: Matrix, Channel: "!r:x"}
	one, three, zero := 1, 3, 0
	mixed := []feeds.Item{
		item("b", 2*time.Hour, "B"),
		item("a", 1*time.Hour, "A newest"),
		item("c", 3*time.Hour, "C"),
		item("old", 5*24*time.Hour, "Old"),
		item("d", 4*time.Hour, "D sponsored"),
	}
	tests := []struct {
		name    string
		primed  bool
		feedOpt config.FeedOptions
		items   []feeds.Item
		want    []string
	}{
		{"first poll posts the newest only", false, config.FeedOptions{}, mixed, []string{"a"}},
		{"first poll posts the newest N", false, config.FeedOptions{FirstPost: &three}, mixed, []string{"b", "a", "c"}},
		{"first poll may post nothing", false, config.FeedOptions{FirstPost: &zero}, mixed, nil},
		{"first poll never reaches past max age", false, config.FeedOptions{FirstPost: &three, MaxAge: config.Duration(150 * time.Minute)}, mixed, []string{"b", "a"}},
		{"primed feed offers all fresh items", true, config.FeedOptions{}, mixed, []string{"b", "a", "c", "d"}},
		{"max age per feed", true, config.FeedOptions{MaxAge: config.Duration(90 * time.Minute)}, mixed, []string{"a"}},
		{"feed filter applies before picking the newest", false, config.FeedOptions{FirstPost: &one, Filters: config.Filters{Exclude: []config.Pattern{{Field: "title", Regex: "newest"}}}}, mixed, []string{"b"}},
		{"undated items follow feed order on first poll", false, config.FeedOptions{}, []feeds.Item{item("x", -1, "X"), item("y", -1, "Y")}, []string{"x"}},
		{"undated items are not too old", true, config.FeedOptions{}, []feeds.Item{item("x", -1, "X")}, []string{"x"}},
		{"dated items come before undated on first poll", false, config.FeedOptions{}, []feeds.Item{item("x", -1, "X"), item("y", time.Hour, "Y")}, []string{"y"}},
		{"a key listed twice is stored once", true, config.FeedOptions{}, []feeds.Item{item("x", time.Hour, "X"), item("x", time.Hour, "X again")}, []string{"x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Feed{ID: 7, Primed: tt.primed, Options: mustJSON(t, tt.feedOpt)}
			routes := []Route{{FeedID: 7, Place: discord}, {FeedID: 7, Place: matrix}}
			p, err := planFeed(f, routes, PollerOptions{}.withDefaults())
			if err != nil {
				t.Fatal(err)
			}
			in := planIngest(p, f.ID, f.Primed, &feeds.Feed{Lang: "en", Items: tt.items}, planNow)
			if got := posted(in); !slices.Equal(got, tt.want) {
				t.Errorf("posted %v, want %v", got, tt.want)
			}
			keys := map[string]bool{}
			for _, i := range in {
				if keys[i.Article.Key] {
					t.Errorf("key %q handed to Ingest twice", i.Article.Key)
				}
				keys[i.Article.Key] = true
				if i.Article.FeedID != 7 || i.Article.Lang != "en" {
					t.Errorf("article %q has feed %d lang %q, want 7 and the feed's en", i.Article.Key, i.Article.FeedID, i.Article.Lang)
				}
			}
			if len(keys) != countKeys(tt.items) {
				t.Errorf("%d articles handed to Ingest, want every distinct item (%d): dedup must learn them all", len(keys), countKeys(tt.items))
			}
		})
	}
}

func countKeys(items []feeds.Item) int {
	m := map[string]bool{}
	for _, it := range items {
		m[it.Key] = true
	}
	return len(m)
}

func TestPlanIngestRoutes(t *testing.T) {
	quiet := Place{Platform: Discord, Channel: "quiet"}
	digest := Place{Platform: Matrix, Channel: "!digest:x"}
	picky := Place{Platform: Discord, Channel: "picky"}
	routes := []Route{
		{Place: quiet, Options: mustJSON(t, config.RouteOptions{QuietHours: &config.QuietHours{Start: "22:00", End: "07:00"}})},
		{Place: digest, Options: mustJSON(t, config.RouteOptions{Digest: &config.Digest{Schedule: "0 8 * * *"}})},
		{Place: picky, Options: mustJSON(t, config.RouteOptions{Filters: config.Filters{Include: []config.Pattern{{Field: "title", Regex: "Go"}}}})},
	}
	p, err := planFeed(Feed{ID: 1}, routes, PollerOptions{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	in := planIngest(p, 1, true, &feeds.Feed{Items: []feeds.Item{item("go", time.Hour, "Go news"), item("rust", time.Hour, "Rust news")}}, planNow)
	want := map[string][]Delivery{
		"go": {
			{Place: quiet, Kind: PostArticle, NotBefore: time.Date(2026, 3, 11, 7, 0, 0, 0, time.UTC)},
			{Place: digest, Kind: DigestEntry},
			{Place: picky, Kind: PostArticle},
		},
		"rust": {
			{Place: quiet, Kind: PostArticle, NotBefore: time.Date(2026, 3, 11, 7, 0, 0, 0, time.UTC)},
			{Place: digest, Kind: DigestEntry},
		},
	}
	for _, i := range in {
		got, w := i.Deliveries, want[i.Article.Key]
		if !slices.EqualFunc(got, w, func(a, b Delivery) bool {
			return a.Place == b.Place && a.Kind == b.Kind && a.NotBefore.Equal(b.NotBefore)
		}) {
			t.Errorf("%s: deliveries %+v, want %+v", i.Article.Key, got, w)
		}
	}
}

func TestPlanFeedErrorsSayWhere(t *testing.T) {
	tests := []struct {
		feed   []byte
		routes []Route
		want   string
	}{
		{[]byte(`{"max_age": "soon"}`), nil, `feed options: "soon" is not a duration (use e.g. 90s, 10m, 2h, 3d)`},
		{nil, []Route{{Place: Place{Platform: Discord, Channel: "9"}, Options: []byte(`{"quiet_hours": {"start": "22", "end": "07:00"}}`)}},
			`route to discord:9: quiet_hours.start: "22" is not a time of day (use HH:MM, 24-hour)`},
		{nil, []Route{{Place: Place{Platform: Matrix, Channel: "!r"}, Options: []byte(`{"filters": {"include": [{"regex": "["}]}}`)}},
			"route to matrix:!r: filters.include[0].regex: error parsing regexp: missing closing ]: `[`"},
	}
	for _, tt := range tests {
		_, err := planFeed(Feed{ID: 1, Options: tt.feed}, tt.routes, PollerOptions{}.withDefaults())
		if err == nil || err.Error() != tt.want {
			t.Errorf("planFeed error = %v, want %q", err, tt.want)
		}
	}
}
