package feeds

import (
	"bytes"
	"os"
	"testing"

	"github.com/mmcdole/gofeed"
)

func loadCorpus(b *testing.B) [][]byte {
	b.Helper()
	var docs [][]byte
	for _, p := range corpusFiles(b) {
		body, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, body)
	}
	return docs
}

// BenchmarkParseCorpus measures parse + normalize over the real corpus
// (80 feeds) and reports items/s.
func BenchmarkParseCorpus(b *testing.B) {
	docs := loadCorpus(b)
	var items, bytesIn int
	b.ResetTimer()
	for b.Loop() {
		for _, d := range docs {
			bytesIn += len(d)
			if f, err := Parse(d, "https://example.org/feed", testNow); err == nil {
				items += len(f.Items)
			}
		}
	}
	b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
	b.ReportMetric(float64(bytesIn)/b.Elapsed().Seconds()/(1<<20), "MiB/s")
}

// BenchmarkGofeedCorpus is gofeed alone over the same corpus, to show what
// normalization (sanitizing, URL rewriting, hashing) costs on top.
func BenchmarkGofeedCorpus(b *testing.B) {
	docs := loadCorpus(b)
	p := gofeed.NewParser()
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	var items int
	b.ResetTimer()
	for b.Loop() {
		for _, d := range docs {
			if f, err := p.Parse(bytes.NewReader(d)); err == nil {
				items += len(f.Items)
			}
		}
	}
	b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
}
