package bot

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/heraldchat/herald/config"
	"github.com/heraldchat/herald/feeds"
	"github.com/heraldchat/herald/richtext"
)

// Defaults for per-feed options the config leaves unset.
const (
	defaultMaxAge    = 3 * 24 * time.Hour
	defaultFirstPost = 1
)

// feedPlan is a feed's stored options and routes, parsed and compiled once
// per poll: what to post and where.
type feedPlan struct {
	filter      *filter
	maxAge      time.Duration
	firstPost   int
	minInterval time.Duration
	routes      []routePlan
}

// routePlan is one route's own choices.
type routePlan struct {
	place  Place
	filter *filter
	quiet  *quietHours
	digest bool
}

// planFeed reads a feed's option JSON and its routes' option JSON. Errors
// say which route and which option, so a broken option reads as a feed
// failure a person can fix.
func planFeed(f Feed, routes []Route, o PollerOptions) (*feedPlan, error) {
	var fo config.FeedOptions
	if len(f.Options) > 0 {
		if err := json.Unmarshal(f.Options, &fo); err != nil {
			return nil, fmt.Errorf("feed options: %w", err)
		}
	}
	p := &feedPlan{
		maxAge:      cmp.Or(fo.MaxAge.Std(), o.MaxAge, defaultMaxAge),
		firstPost:   defaultFirstPost,
		minInterval: cmp.Or(fo.MinInterval.Std(), o.MinInterval),
	}
	if o.FirstPost != nil {
		p.firstPost = *o.FirstPost
	}
	if fo.FirstPost != nil {
		p.firstPost = *fo.FirstPost
	}
	var err error
	if p.filter, err = compileFilter(fo.Filters); err != nil {
		return nil, fmt.Errorf("feed options: %w", err)
	}
	for _, r := range routes {
		var ro config.RouteOptions
		if len(r.Options) > 0 {
			if err := json.Unmarshal(r.Options, &ro); err != nil {
				return nil, fmt.Errorf("route to %s: options: %w", r.Place, err)
			}
		}
		rp := routePlan{place: r.Place, digest: ro.Digest != nil}
		if rp.filter, err = compileFilter(ro.Filters); err != nil {
			return nil, fmt.Errorf("route to %s: %w", r.Place, err)
		}
		if rp.quiet, err = parseQuietHours(ro.QuietHours, o.Location); err != nil {
			return nil, fmt.Errorf("route to %s: %w", r.Place, err)
		}
		p.routes = append(p.routes, rp)
	}
	return p, nil
}

// planIngest turns a fetched feed into what Ingest stores: every item, so
// dedup knows it from now on, each with the deliveries it gets if the store
// finds it new. Items too old, filtered out, or (on a feed's first poll)
// beyond the newest firstPost get no deliveries: they are recorded, never
// posted.
func planIngest(p *feedPlan, feedID int64, primed bool, parsed *feeds.Feed, now time.Time) []Incoming {
	items := make([]Incoming, 0, len(parsed.Items))
	seen := make(map[string]bool, len(parsed.Items))
	var candidates []int // indexes into items that may be posted
	for _, it := range parsed.Items {
		// A feed that lists one item twice would otherwise make one
		// transaction insert and then update it.
		if it.Key == "" || seen[it.Key] {
			continue
		}
		seen[it.Key] = true
		a := articleFromItem(it, parsed.Lang)
		a.FeedID = feedID
		items = append(items, Incoming{Article: a})
		if tooOld(a, p.maxAge, now) || !p.filter.Keep(&a) {
			continue
		}
		candidates = append(candidates, len(items)-1)
	}
	if !primed {
		candidates = newest(items, candidates, p.firstPost)
	}
	for _, i := range candidates {
		items[i].Deliveries = p.deliveries(&items[i].Article, now)
	}
	return items
}

// deliveries is where one article goes: each route whose own filter keeps
// it, as a digest entry or as a post held until the route's quiet hours end.
func (p *feedPlan) deliveries(a *Article, now time.Time) []Delivery {
	var out []Delivery
	for _, r := range p.routes {
		if !r.filter.Keep(a) {
			continue
		}
		d := Delivery{Place: r.place, Kind: PostArticle}
		if r.digest {
			d.Kind = DigestEntry
		} else {
			d.NotBefore = r.quiet.Until(now)
		}
		out = append(out, d)
	}
	return out
}

// articleTime is when an article appeared, as well as the feed says.
func articleTime(a *Article) time.Time {
	if !a.Published.IsZero() {
		return a.Published
	}
	return a.Updated
}

// tooOld says an article is past the max age. An undated article is not:
// its age is unknown, and dedup keeps it from being posted twice anyway.
func tooOld(a Article, maxAge time.Duration, now time.Time) bool {
	t := articleTime(&a)
	return maxAge > 0 && !t.IsZero() && now.Sub(t) > maxAge
}

// newest keeps the n candidates published last. Undated items sort after
// dated ones and keep the feed's order among themselves, as feeds list
// newest first.
func newest(items []Incoming, candidates []int, n int) []int {
	if n <= 0 {
		return nil
	}
	sorted := slices.Clone(candidates)
	slices.SortStableFunc(sorted, func(i, j int) int {
		return articleTime(&items[j].Article).Compare(articleTime(&items[i].Article))
	})
	return sorted[:min(n, len(sorted))]
}

// articleFromItem converts a normalized feed item into the core's article.
func articleFromItem(it feeds.Item, feedLang string) Article {
	return Article{
		Key:          it.Key,
		GUID:         it.GUID,
		URL:          it.URL,
		Title:        it.Title,
		Summary:      richtext.FromHTML(it.SummaryHTML),
		Body:         richtext.FromHTML(it.BodyHTML),
		Image:        it.Image,
		Author:       it.Author,
		Categories:   it.Categories,
		Published:    it.Published,
		Updated:      it.Updated,
		Lang:         cmp.Or(it.Lang, feedLang),
		CommentsFeed: it.CommentsFeed,
		CommentCount: it.CommentCount,
		Hash:         it.Hash,
	}
}
