package bot_test

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/feeds"
	"github.com/heraldchat/herald/store/storetest"
)

// memFetcher serves fixture documents by the last element of the URL, so
// the benchmark measures parsing, planning and the store, not a network.
type memFetcher map[string][]byte

func (m memFetcher) Fetch(_ context.Context, url string, _ feeds.Conditional) (*feeds.Response, error) {
	body, ok := m[path.Base(url)]
	if !ok {
		return nil, fmt.Errorf("no fixture for %s", url)
	}
	return &feeds.Response{Body: body, FinalURL: "https://fixture.example.org/", ContentType: "application/xml"}, nil
}

func loadFixtures(b *testing.B, dir string) memFetcher {
	b.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Skipf("fixtures at %s: %v", dir, err)
	}
	m := memFetcher{}
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) == ".md" {
			continue
		}
		body, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			b.Fatal(err)
		}
		// Only documents the parser takes: the corpus holds a few on purpose
		// broken ones, and the benchmark measures the pipeline, not failures.
		if _, err := feeds.Parse(body, "https://fixture.example.org/", time.Now()); err != nil {
			continue
		}
		m[e.Name()] = body
	}
	if len(m) == 0 {
		b.Skipf("no parsable fixtures in %s", dir)
	}
	return m
}

// BenchmarkPipeline runs whole polls — parse, normalize, plan, dedup and
// insert through Ingest on SQLite, record the poll — over fixture feeds and
// reports items per second. "new" polls feeds never seen (every item is
// inserted, the first poll's newest queued); "known" re-polls primed feeds
// whose items are all stored already (the steady state: dedup lookups).
func BenchmarkPipeline(b *testing.B) {
	sets := []struct{ name, dir string }{
		{"fixtures", "testdata/feeds"},
		{"corpus", "../../shared/corpus/feeds"}, // shared corpus, read in place; skipped if absent
	}
	now := func() time.Time { return time.Date(2026, 3, 10, 13, 0, 0, 0, time.UTC) }
	for _, set := range sets {
		b.Run(set.name+"/new", func(b *testing.B) {
			docs := loadFixtures(b, set.dir)
			ctx := b.Context()
			st := storetest.Open(b)
			p, err := bot.NewPoller(st, docs, now, nil, bot.PollerOptions{})
			if err != nil {
				b.Fatal(err)
			}
			var items, n int
			b.ResetTimer()
			for b.Loop() {
				n++
				for name := range docs {
					b.StopTimer()
					f, err := st.AddFeed(ctx, bot.FeedSpec{URL: fmt.Sprintf("https://bench.example.org/%d/%s", n, name),
						Routes: []bot.RouteSpec{{Place: chanA}}}, bot.FromConfig)
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					r, err := p.PollOnce(ctx, f)
					if err != nil {
						b.Fatalf("%s: %v", name, err)
					}
					items += r.Items
				}
			}
			b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
			b.ReportMetric(float64(len(docs)), "feeds")
		})
		b.Run(set.name+"/known", func(b *testing.B) {
			docs := loadFixtures(b, set.dir)
			ctx := b.Context()
			st := storetest.Open(b)
			p, err := bot.NewPoller(st, docs, now, nil, bot.PollerOptions{})
			if err != nil {
				b.Fatal(err)
			}
			var fs []bot.Feed
			for name := range docs {
				f, err := st.AddFeed(ctx, bot.FeedSpec{URL: "https://bench.example.org/" + name,
					Routes: []bot.RouteSpec{{Place: chanA}}}, bot.FromConfig)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := p.PollOnce(ctx, f); err != nil {
					b.Fatalf("%s: %v", name, err)
				}
				if f, err = st.Feed(ctx, f.ID); err != nil {
					b.Fatal(err)
				}
				fs = append(fs, f)
			}
			var items int
			b.ResetTimer()
			for b.Loop() {
				for _, f := range fs {
					r, err := p.PollOnce(ctx, f)
					if err != nil {
						b.Fatalf("%s: %v", f.URL, err)
					}
					if r.New != 0 {
						b.Fatalf("%s: %d new items on a re-poll, want 0", f.URL, r.New)
					}
					items += r.Items
				}
			}
			b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
			b.ReportMetric(float64(len(docs)), "feeds")
		})
	}
}
