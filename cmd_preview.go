package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/config"
	"github.com/heraldchat/herald/feeds"
	"github.com/heraldchat/herald/richtext"
)

// previewCommand fetches and parses one feed through the same code as the
// poller and prints what a first poll would do with each item.
func previewCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("preview", "preview [-json] [-allow-private] [-platform discord|matrix|web] [-config FILE] FEED_URL_OR_PATH", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per item")
	allowPrivate := fs.Bool("allow-private", false, "allow loopback and private addresses (for local testing)")
	platform := fs.String("platform", "", "print each item's payload for `PLATFORM` (discord, matrix or web)")
	cfgPath := fs.String("config", "", "take fetch limits, the allow-list, max age and first-post count from `FILE`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("give exactly one feed URL or path")
	}
	src := fs.Arg(0)
	switch *platform {
	case "", "discord", "matrix", "web":
	default:
		return fmt.Errorf("-platform %q: want discord, matrix or web", *platform)
	}

	pc, err := previewSettings(*cfgPath, src)
	if err != nil {
		return err
	}
	pc.fetch.AllowPrivate = *allowPrivate
	fetcher, err := feeds.NewFetcher(pc.fetch)
	if err != nil {
		return err
	}
	resp, err := fetcher.Fetch(ctx, src, feeds.Conditional{})
	if err != nil {
		var refused *feeds.RefusedError
		if errors.As(err, &refused) {
			return fmt.Errorf("%w; to preview a local feed, add -allow-private", err)
		}
		return err
	}
	now := time.Now().UTC()
	feed, err := feeds.Parse(resp.Body, resp.FinalURL, now)
	if err != nil {
		return fmt.Errorf("%s: %w", resp.FinalURL, err)
	}
	decisions := firstPoll(feed.Items, now, pc.maxAge, pc.firstPost)

	switch {
	case *platform != "":
		return printPayloads(stdout, *platform, feed, cmp.Or(pc.name, feed.Title))
	case *asJSON:
		return printJSON(stdout, feed, decisions)
	}
	printHuman(stdout, feed, decisions, pc)
	return nil
}

// previewConfig is what preview takes from the config, or the defaults.
type previewConfig struct {
	fetch     feeds.Options
	maxAge    time.Duration
	firstPost int
	name      string // the configured feed's name, when src is one of them
}

func previewSettings(path, src string) (previewConfig, error) {
	pc := previewConfig{
		fetch:     feeds.Options{Version: version},
		maxAge:    3 * 24 * time.Hour,
		firstPost: 1,
	}
	if path == "" {
		return pc, nil
	}
	cfg, err := config.Load(path)
	if err != nil {
		return pc, err
	}
	pc.fetch = feeds.Options{
		Version:       version,
		UserAgent:     cfg.Fetch.UserAgent,
		MaxBody:       int64(cfg.Fetch.MaxBody),
		Timeout:       cfg.Fetch.Timeout.Std(),
		HeaderTimeout: cfg.Fetch.HeaderTimeout.Std(),
		MaxRedirects:  fetchRedirects(cfg.Fetch.MaxRedirects),
		Allow:         cfg.Fetch.Allow,
	}
	if d := cfg.Defaults.MaxAge.Std(); d > 0 {
		pc.maxAge = d
	}
	pc.firstPost = cfg.Defaults.FirstPost
	for _, f := range cfg.Feeds {
		if f.URL != src {
			continue
		}
		pc.name = f.Name
		if d := f.MaxAge.Std(); d > 0 {
			pc.maxAge = d
		}
		if f.FirstPost != nil {
			pc.firstPost = *f.FirstPost
		}
	}
	return pc, nil
}

// decision is whether a first poll of a new feed would post an item.
type decision struct {
	post   bool
	reason string
}

// firstPoll mirrors the poller on a new feed: items past the max age are
// never posted, and of the rest only the newest firstPost are (Items come
// newest first). Filters are per route and not applied here.
func firstPoll(items []feeds.Item, now time.Time, maxAge time.Duration, firstPost int) []decision {
	out := make([]decision, len(items))
	posted := 0
	for i, it := range items {
		ok, why := feeds.Eligible(it, now, maxAge)
		switch {
		case !ok:
			out[i] = decision{reason: why}
		case posted >= firstPost:
			out[i] = decision{reason: fmt.Sprintf("a new feed's first poll posts only the newest %d", firstPost)}
		default:
			out[i] = decision{post: true}
			posted++
		}
	}
	return out
}

// previewItem is one line of `herald preview -json`.
type previewItem struct {
	Key          string    `json:"key"`
	GUID         string    `json:"guid"`
	URL          string    `json:"url"`
	Title        string    `json:"title"`
	Summary      string    `json:"summary"` // plain text
	Body         string    `json:"body"`    // plain text
	SummaryHTML  string    `json:"summary_html,omitempty"`
	BodyHTML     string    `json:"body_html,omitempty"`
	Image        string    `json:"image"`
	Author       string    `json:"author"`
	Categories   []string  `json:"categories"`
	Published    time.Time `json:"published"`
	Updated      time.Time `json:"updated"`
	Lang         string    `json:"lang"`
	CommentsFeed string    `json:"comments_feed"`
	CommentsURL  string    `json:"comments_url,omitempty"`
	CommentCount int       `json:"comment_count"`
	Hash         string    `json:"hash"`
	Post         bool      `json:"post"`
	SkipReason   string    `json:"skip_reason"`
}

func printJSON(w io.Writer, feed *feeds.Feed, ds []decision) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i, it := range feed.Items {
		cats := it.Categories
		if cats == nil {
			cats = []string{}
		}
		if err := enc.Encode(previewItem{
			Key: it.Key, GUID: it.GUID, URL: it.URL, Title: it.Title,
			Summary: feeds.PlainText(it.SummaryHTML), Body: feeds.PlainText(it.BodyHTML),
			SummaryHTML: it.SummaryHTML, BodyHTML: it.BodyHTML,
			Image: it.Image, Author: it.Author, Categories: cats,
			Published: it.Published, Updated: it.Updated, Lang: cmp.Or(it.Lang, feed.Lang),
			CommentsFeed: it.CommentsFeed, CommentsURL: it.CommentsURL, CommentCount: it.CommentCount,
			Hash: it.Hash, Post: ds[i].post, SkipReason: ds[i].reason,
		}); err != nil {
			return err
		}
	}
	return nil
}

func printPayloads(w io.Writer, platform string, feed *feeds.Feed, feedName string) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, it := range feed.Items {
		a := bot.Article{
			Key: it.Key, GUID: it.GUID, URL: it.URL, Title: it.Title,
			Summary: richtext.FromHTML(it.SummaryHTML), Body: richtext.FromHTML(it.BodyHTML),
			Image: it.Image, Author: it.Author, Categories: it.Categories,
			Published: it.Published, Updated: it.Updated, Lang: cmp.Or(it.Lang, feed.Lang),
			CommentsFeed: it.CommentsFeed, CommentCount: it.CommentCount, Hash: it.Hash,
		}
		payload, err := platformPayload(platform, a, feedName)
		if err != nil {
			return fmt.Errorf("%s payload for %q: %w", platform, it.Title, err)
		}
		if err := enc.Encode(payload); err != nil {
			return err
		}
	}
	return nil
}

func printHuman(w io.Writer, feed *feeds.Feed, ds []decision, pc previewConfig) {
	fmt.Fprintf(w, "%s\n", cmp.Or(feed.Title, "(untitled feed)"))
	var facts []string
	if feed.Link != "" {
		facts = append(facts, feed.Link)
	}
	if feed.Lang != "" {
		facts = append(facts, "language "+feed.Lang)
	}
	if feed.TTL > 0 {
		facts = append(facts, "ttl "+feeds.HumanDuration(feed.TTL))
	}
	facts = append(facts, fmt.Sprintf("%d items", len(feed.Items)))
	if feed.Dropped > 0 {
		facts = append(facts, fmt.Sprintf("%d more left out (only the newest %d are kept)", feed.Dropped, feeds.MaxItems))
	}
	fmt.Fprintf(w, "%s\n", strings.Join(facts, " · "))
	fmt.Fprintf(w, "first poll of a new feed: posts the newest %d not older than %s\n", pc.firstPost, feeds.HumanDuration(pc.maxAge))
	for i, it := range feed.Items {
		mark := "post"
		if !ds[i].post {
			mark = "skip: " + ds[i].reason
		}
		fmt.Fprintf(w, "\n[%s] %s\n", mark, cmp.Or(it.Title, "(untitled)"))
		if it.URL != "" {
			fmt.Fprintf(w, "  %s\n", it.URL)
		}
		meta := []string{it.Published.Format("2006-01-02 15:04 MST")}
		if it.Author != "" {
			meta = append(meta, it.Author)
		}
		if len(it.Categories) > 0 {
			meta = append(meta, strings.Join(it.Categories, ", "))
		}
		if l := cmp.Or(it.Lang, feed.Lang); l != "" {
			meta = append(meta, l)
		}
		fmt.Fprintf(w, "  %s\n", strings.Join(meta, " · "))
		if s := clip(feeds.PlainText(cmp.Or(it.SummaryHTML, it.BodyHTML)), 240); s != "" {
			fmt.Fprintf(w, "  %s\n", s)
		}
		if it.Image != "" {
			fmt.Fprintf(w, "  image: %s\n", it.Image)
		}
		if it.CommentsFeed != "" || it.CommentCount > 0 || it.CommentsURL != "" {
			fmt.Fprintf(w, "  comments: %d %s %s\n", it.CommentCount, it.CommentsURL, it.CommentsFeed)
		}
		fmt.Fprintf(w, "  key: %s\n", it.Key)
	}
}

// clip shortens s to at most n runes, ending in "…" when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
