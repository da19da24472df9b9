package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heraldchat/herald/config"
	"github.com/heraldchat/herald/feeds"
	"github.com/heraldchat/herald/richtext"
)

// AnonymousName is shown for a news-site comment that names no author.
const AnonymousName = "Anonymous"

// ImporterStore is what the comment importer reads.
type ImporterStore interface {
	ListFeeds(ctx context.Context) ([]Feed, error)
	// CommentImportArticles lists a feed's articles published since since,
	// newest first, at most limit.
	CommentImportArticles(ctx context.Context, feedID int64, since time.Time, limit int) ([]Article, error)
	CommentByOrigin(ctx context.Context, platform Platform, message RemoteID) (Comment, error)
}

// CommentFetcher fetches a comment feed; *feeds.Fetcher is one.
type CommentFetcher interface {
	Fetch(ctx context.Context, rawURL string, cond feeds.Conditional) (*feeds.Response, error)
}

// ImporterOptions tune an Importer. Zero values take defaults.
type ImporterOptions struct {
	Interval    time.Duration // between rounds over every comment feed; 15 min
	Window      time.Duration // articles published this recently have their comments read; 7 days
	MaxArticles int           // per feed and round, newest first; 100
	Now         func() time.Time
	Logger      *slog.Logger
}

func (o ImporterOptions) withDefaults() ImporterOptions {
	if o.Interval <= 0 {
		o.Interval = 15 * time.Minute
	}
	if o.Window <= 0 {
		o.Window = 7 * 24 * time.Hour
	}
	if o.MaxArticles <= 0 {
		o.MaxArticles = 100
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Importer reads the news sites' own comment feeds (wfw:commentRss, or the
// feed's comments_feed pattern) of feeds with import_comments on, and hands
// every comment to the inbox — the Relay — as an event of platform Source.
// So a site's comments take the one path every chat message takes: the
// moderator sees them, they are stored idempotently under their item key,
// and they are mirrored where the route says (mirror_source_comments).
//
// Re-reading a feed never duplicates: a known comment is skipped, and one a
// moderator deleted stays deleted (the relay keeps the deletion).
type Importer struct {
	store ImporterStore
	fetch CommentFetcher
	inbox Inbox
	opt   ImporterOptions
	// cond holds each comment feed's validators from the last round, so an
	// unchanged feed costs a 304. Kept in memory: after a restart one full
	// read per feed is cheap and changes nothing.
	cond map[string]feeds.Conditional
}

// NewImporter returns an importer; fetch should refuse local files, since
// comment feed URLs come from the feeds themselves.
func NewImporter(store ImporterStore, fetch CommentFetcher, inbox Inbox, opt ImporterOptions) *Importer {
	return &Importer{store: store, fetch: fetch, inbox: inbox, opt: opt.withDefaults(), cond: map[string]feeds.Conditional{}}
}

// Run imports every Interval until ctx ends.
func (im *Importer) Run(ctx context.Context) error {
	for {
		if err := im.ImportAll(ctx); err != nil && ctx.Err() == nil {
			im.opt.Logger.Warn("comment import round failed", slog.Any("error", err))
		}
		t := time.NewTimer(im.opt.Interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// ImportAll reads the comment feeds of every feed that imports comments
// once. A feed or article that fails is logged and skipped; the error is
// returned only when the feeds cannot be listed.
func (im *Importer) ImportAll(ctx context.Context) error {
	fs, err := im.store.ListFeeds(ctx)
	if err != nil {
		return fmt.Errorf("import comments: list feeds: %w", err)
	}
	seen := map[string]bool{}
	for _, f := range fs {
		if ctx.Err() != nil {
			return nil
		}
		log := im.opt.Logger.With(slog.Int64("feed_id", f.ID), slog.String("feed", f.URL))
		var fo config.FeedOptions
		if len(f.Options) > 0 {
			if err := json.Unmarshal(f.Options, &fo); err != nil {
				log.Warn("comment import skips a feed with broken options", slog.Any("error", err))
				continue
			}
		}
		if !fo.ImportComments || f.Paused {
			continue
		}
		arts, err := im.store.CommentImportArticles(ctx, f.ID, im.opt.Now().Add(-im.opt.Window), im.opt.MaxArticles)
		if err != nil {
			log.Warn("comment import cannot list articles", slog.Any("error", err))
			continue
		}
		for _, a := range arts {
			src := CommentsFeedOf(a, fo.CommentsFeedPattern)
			if src == "" {
				continue
			}
			seen[src] = true
			if _, err := im.ImportArticle(ctx, a, src); err != nil && ctx.Err() == nil {
				log.Warn("comment import failed", slog.Int64("article_id", a.ID), slog.String("comments_feed", src), slog.Any("error", err))
			}
		}
	}
	for u := range im.cond {
		if !seen[u] {
			delete(im.cond, u) // the article left the window
		}
	}
	return nil
}

// ImportArticle reads one article's comment feed at src and hands the
// comments that are new (or newly edited) to the inbox, oldest first. It
// returns how many it handed over.
func (im *Importer) ImportArticle(ctx context.Context, a Article, src string) (int, error) {
	if !httpURL(src) {
		return 0, fmt.Errorf("comment feed %q of article %d: only http and https URLs are read", src, a.ID)
	}
	resp, err := im.fetch.Fetch(ctx, src, im.cond[src])
	if err != nil {
		return 0, fmt.Errorf("fetch comment feed %s: %w", src, err)
	}
	if resp.NotModified {
		return 0, nil
	}
	now := im.opt.Now()
	parsed, err := feeds.Parse(resp.Body, resp.FinalURL, now)
	if err != nil {
		return 0, fmt.Errorf("comment feed %s: %w", src, err)
	}
	// Feeds list newest first; comments are written oldest first so the
	// discussion keeps its order where times tie.
	items := slices.Clone(parsed.Items)
	slices.Reverse(items)
	slices.SortStableFunc(items, func(x, y feeds.Item) int { return x.Published.Compare(y.Published) })
	handed := 0
	for _, it := range items {
		ev, ok := sourceEvent(a, src, it, now)
		if !ok {
			continue
		}
		known, err := im.store.CommentByOrigin(ctx, Source, ev.Message)
		if err == nil && known.ArticleID != a.ID {
			// The key is another article's comment: the site numbers its
			// comments per article ("comment-1"). Tie this one to its
			// article, as sourceEvent does for hash keys; keys that never
			// collided keep their stored form.
			ev.Message = RemoteID("a" + strconv.FormatInt(a.ID, 10) + "/" + string(ev.Message))
			known, err = im.store.CommentByOrigin(ctx, Source, ev.Message)
		}
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return handed, fmt.Errorf("comment feed %s: %w", src, err)
		case !known.Deleted.IsZero() || !it.Updated.After(it.Published) || !it.Updated.After(laterOf(known.Created, known.Edited)):
			continue // known and not edited since, or deleted for good
		default:
			ev.Kind, ev.Time = MessageEdited, it.Updated
		}
		if err := im.inbox.Receive(ctx, ev); err != nil {
			return handed, fmt.Errorf("comment feed %s: item %s: %w", src, it.Key, err)
		}
		handed++
	}
	// Validators are kept only once every comment is in: a failure above
	// makes the next round read the whole feed again.
	im.cond[src] = feeds.Conditional{ETag: resp.ETag, LastModified: resp.LastModified}
	return handed, nil
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// sourceEvent turns one comment feed item into the event the relay takes.
func sourceEvent(a Article, src string, it feeds.Item, now time.Time) (Event, bool) {
	if it.Key == "" {
		return Event{}, false
	}
	html := it.BodyHTML
	if strings.TrimSpace(html) == "" {
		html = it.SummaryHTML
	}
	body := richtext.FromHTML(html)
	if body.IsEmpty() && it.Title != "" {
		body = richtext.FromPlain(it.Title)
	}
	if body.IsEmpty() {
		return Event{}, false
	}
	name := strings.Join(strings.Fields(it.Author), " ")
	author := Author{Platform: Source, ID: RemoteID(name), Name: name}
	if name == "" {
		author.Name = AnonymousName
	}
	msg := it.Key
	if strings.HasPrefix(msg, "hash:") {
		// A key made from the text alone would collide with the same words
		// under another article; tie it to this one.
		msg = "a" + strconv.FormatInt(a.ID, 10) + "/" + msg
	}
	return Event{
		Kind:     MessageCreated,
		Place:    Place{Platform: Source, Channel: RemoteID(src)},
		Thread:   SourceThread(a.ID),
		Message:  RemoteID(msg),
		Author:   author,
		Body:     body,
		Time:     it.Published,
		Received: now,
	}, true
}

// SourceThread is how events of platform Source name their article: the
// news site has no thread of Herald's, so the thread is the article's id.
func SourceThread(articleID int64) RemoteID { return RemoteID(strconv.FormatInt(articleID, 10)) }

// CommentsFeedOf is the URL of an article's comment feed: its own
// (wfw:commentRss, Atom replies), else the feed's pattern with {url} and
// {guid} replaced by the article's URL and guid (query-escaped). "" when
// there is none, or the pattern needs a value the article lacks.
func CommentsFeedOf(a Article, pattern string) string {
	if a.CommentsFeed != "" {
		return a.CommentsFeed
	}
	if pattern == "" {
		return ""
	}
	for _, ph := range []struct{ name, value string }{{"{url}", a.URL}, {"{guid}", a.GUID}} {
		if !strings.Contains(pattern, ph.name) {
			continue
		}
		if ph.value == "" {
			return ""
		}
		pattern = strings.ReplaceAll(pattern, ph.name, url.QueryEscape(ph.value))
	}
	return pattern
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// MirrorsSourceComments reads a route's option JSON: whether the news
// site's own comments are mirrored to that route's place. Broken options
// mean no: a site's comments reach a chat only when asked for.
func MirrorsSourceComments(routeOptions []byte) bool {
	if len(routeOptions) == 0 {
		return false
	}
	var ro config.RouteOptions
	if err := json.Unmarshal(routeOptions, &ro); err != nil {
		return false
	}
	return ro.MirrorSource
}
