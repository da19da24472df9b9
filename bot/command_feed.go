package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heraldchat/herald/config"
	"github.com/heraldchat/herald/feeds"
	"github.com/heraldchat/herald/richtext"
)

// findFeed resolves a feed reference: an id, a URL or a name (any case).
func (c *Commands) findFeed(ctx context.Context, ref string) (Feed, error) {
	list, err := c.opt.Store.ListFeeds(ctx)
	if err != nil {
		return Feed{}, fmt.Errorf("could not read the feeds: %w", err)
	}
	ref = strings.TrimSpace(ref)
	id, idErr := strconv.ParseInt(strings.TrimPrefix(ref, "#"), 10, 64)
	for _, f := range list {
		if (idErr == nil && f.ID == id) || f.URL == ref {
			return f, nil
		}
	}
	var names []string
	for _, f := range list {
		if f.Name != "" && strings.EqualFold(f.Name, ref) {
			return f, nil
		}
		names = append(names, f.Name)
	}
	if len(list) == 0 {
		return Feed{}, fmt.Errorf("there is no feed %q: Herald has no feeds yet", ref)
	}
	return Feed{}, fmt.Errorf("there is no feed %q%s; \"feed list\" shows them all", ref, didYouMean(ref, names))
}

// feedLabel names a feed for replies.
func feedLabel(f Feed) string {
	if f.Name != "" {
		return fmt.Sprintf("%q (#%d)", f.Name, f.ID)
	}
	return fmt.Sprintf("#%d %s", f.ID, f.URL)
}

// checkCommandURL accepts an absolute http(s) URL. Local files and other
// schemes belong in the config file: chat must not make Herald read them.
func checkCommandURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return "", errors.New("the URL is empty")
	case err != nil:
		return "", fmt.Errorf("%q is not a URL: %v", raw, errors.Unwrap(err))
	case u.Scheme == "" && !strings.Contains(raw, "://"):
		return "", fmt.Errorf("%q is not a URL: it has no scheme; write https://%s", raw, raw)
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("%q is not an http(s) URL; local files and other schemes can only be added in the config file", raw)
	case u.Host == "":
		return "", fmt.Errorf("%q has no host", raw)
	case u.User != nil:
		return "", fmt.Errorf("%q has a user name or password in it; Herald does not send those", raw)
	}
	return u.String(), nil
}

// parsePlace reads a place argument and checks it is on a running platform.
func (c *Commands) parsePlace(s string) (Place, error) {
	platform, channel, err := config.ParsePlace(s)
	if err != nil {
		return Place{}, err
	}
	p := Place{Platform: Platform(platform), Channel: RemoteID(channel)}
	if !slices.Contains(c.opt.Platforms, p.Platform) {
		return Place{}, fmt.Errorf("%s: Herald is not connected to %s", s, platform)
	}
	return p, nil
}

// fetchFeed fetches and parses a feed the way the poller does.
func (c *Commands) fetchFeed(ctx context.Context, u string) (*feeds.Feed, error) {
	if c.opt.Fetch == nil {
		return nil, errors.New("fetching is not available")
	}
	resp, err := c.opt.Fetch.Fetch(ctx, u, feeds.Conditional{})
	if err != nil {
		return nil, fmt.Errorf("could not fetch %s: %w", u, err)
	}
	if resp.NotModified {
		return nil, fmt.Errorf("%s answered 304 Not Modified to a request without validators", u)
	}
	parsed, err := feeds.Parse(resp.Body, cmp.Or(resp.FinalURL, u), c.opt.Now())
	if err != nil {
		return nil, fmt.Errorf("%s does not parse as a feed: %w", u, err)
	}
	return parsed, nil
}

func (c *Commands) feedAdd(ctx context.Context, k *call) Reply {
	u, err := checkCommandURL(k.arg("url"))
	if err != nil {
		return failure("feed add: %v", err)
	}
	schedule := k.arg("schedule")
	if schedule != "" {
		if err := config.CheckSchedule(schedule); err != nil {
			return failure("feed add: schedule %v", err)
		}
	}
	place := k.req.Place
	if s := k.arg("place"); s != "" {
		if place, err = c.parsePlace(s); err != nil {
			return failure("feed add: place %v", err)
		}
	}
	if existing, err := c.opt.Store.FeedByURL(ctx, u); err == nil {
		return failure("feed add: %s is already feed %s (%s)", u, feedLabel(existing), originText(existing.Origin, c.config().File))
	}
	parsed, err := c.fetchFeed(ctx, u)
	if err != nil {
		return failure("feed add: %v", err)
	}
	name := cmp.Or(k.arg("name"), strings.TrimSpace(parsed.Title))
	if name != "" {
		if other, err := c.findFeed(ctx, name); err == nil {
			if k.arg("name") != "" {
				return failure("feed add: the name %q is taken by feed #%d; choose another with name=…", name, other.ID)
			}
			name = "" // the title is taken: commands find this one by id or URL
		}
	}
	spec := FeedSpec{URL: u, Name: name, Schedule: schedule, Routes: []RouteSpec{{Place: place}}}
	f, err := c.opt.Store.AddFeed(ctx, spec, FromCommand)
	if errors.Is(err, ErrExists) {
		return failure("feed add: %s was added meanwhile", u)
	}
	if err != nil {
		return failure("feed add: could not store the feed: %v", err)
	}
	first := "Its first poll posts nothing old"
	switch n := c.firstPost(); n {
	case 0:
	case 1:
		first = "Its first poll posts the newest item"
	default:
		first = fmt.Sprintf("Its first poll posts the newest %d items", n)
	}
	return public("Added feed %s, checked on %s, posting to %s. %s; later polls post what is new.",
		feedLabel(f), cmp.Or(schedule, c.opt.DefaultSchedule+" (the default)"), place, first)
}

// originText says who declared a feed.
func originText(o FeedOrigin, file string) string {
	if o == FromConfig {
		return "declared in the config file " + cmp.Or(file, "herald.yaml")
	}
	return "added by command"
}

func (c *Commands) feedRemove(ctx context.Context, k *call) Reply {
	f, err := c.findFeed(ctx, k.arg("feed"))
	if err != nil {
		return failure("feed remove: %v", err)
	}
	if f.Origin == FromConfig {
		file := cmp.Or(c.config().File, "herald.yaml")
		return failure("feed remove: feed %s is declared in the config file %s and cannot be removed by command. Delete it from %s and reload Herald (SIGHUP), or pause it with \"feed pause\".",
			feedLabel(f), file, file)
	}
	if err := c.opt.Store.RemoveFeed(ctx, f.ID); err != nil {
		return failure("feed remove: %v", err)
	}
	return public("Removed feed %s. Its articles stay; adding %s again resumes it without reposting them.", feedLabel(f), f.URL)
}

func (c *Commands) feedPause(ctx context.Context, k *call) Reply {
	f, err := c.findFeed(ctx, k.arg("feed"))
	if err != nil {
		return failure("feed pause: %v", err)
	}
	if f.Paused {
		return failure("feed pause: feed %s is already paused: %s", feedLabel(f), f.PausedReason)
	}
	reason := fmt.Sprintf("paused by %s on %s", cmp.Or(k.req.User.Name, string(k.req.User.ID)), k.req.Place.Platform)
	if r := k.arg("reason"); r != "" {
		reason += ": " + r
	}
	if err := c.opt.Store.SetFeedPaused(ctx, f.ID, true, reason); err != nil {
		return failure("feed pause: %v", err)
	}
	return public("Paused feed %s (%s). \"feed resume\" starts it again.", feedLabel(f), reason)
}

func (c *Commands) feedResume(ctx context.Context, k *call) Reply {
	f, err := c.findFeed(ctx, k.arg("feed"))
	if err != nil {
		return failure("feed resume: %v", err)
	}
	if !f.Paused {
		return failure("feed resume: feed %s is not paused", feedLabel(f))
	}
	if err := c.opt.Store.SetFeedPaused(ctx, f.ID, false, ""); err != nil {
		return failure("feed resume: %v", err)
	}
	return public("Resumed feed %s; its failure count starts again at 0.", feedLabel(f))
}

func (c *Commands) feedList(ctx context.Context, k *call) Reply {
	list, err := c.opt.Store.ListFeeds(ctx)
	if err != nil {
		return failure("feed list: could not read the feeds: %v", err)
	}
	if len(list) == 0 {
		return private("No feeds yet. Add one with \"feed add <url>\".")
	}
	now := c.opt.Now()
	var items []richtext.Node
	for _, f := range list {
		state := "ok"
		switch {
		case f.Paused:
			state = "paused: " + f.PausedReason
		case f.Failures > 0:
			state = fmt.Sprintf("failing (%d in a row): %s", f.Failures, f.LastError)
		case f.LastCheck.IsZero():
			state = "not checked yet"
		}
		facts := []string{state, "last success " + ago(now, f.LastSuccess)}
		if !f.Paused {
			facts = append(facts, "next check "+until(now, f.NextCheck))
		}
		facts = append(facts, "schedule "+cmp.Or(f.Schedule, c.opt.DefaultSchedule), originText(f.Origin, c.config().File))
		items = append(items, richtext.Li(richtext.Para(
			richtext.B(richtext.Str(feedLabel(f))), richtext.Str(" "+f.URL), richtext.Br(),
			richtext.Str(strings.Join(facts, " · ")))))
	}
	return Reply{Text: richtext.Doc(richtext.Para(richtext.Str(fmt.Sprintf("%d feeds:", len(list)))), richtext.UL(items...)), Ephemeral: true}
}

func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return feeds.HumanDuration(now.Sub(t).Round(time.Second)) + " ago"
}

func until(now, t time.Time) string {
	if t.IsZero() || !t.After(now) {
		return "now"
	}
	return "in " + feeds.HumanDuration(t.Sub(now).Round(time.Second))
}

func (c *Commands) feedTest(ctx context.Context, k *call) Reply {
	target := k.arg("url")
	if f, err := c.findFeed(ctx, target); err == nil {
		target = f.URL
	} else if _, uerr := checkCommandURL(target); uerr != nil {
		return failure("feed test: %v", uerr)
	}
	parsed, err := c.fetchFeed(ctx, target)
	if err != nil {
		return failure("feed test: %v", err)
	}
	head := fmt.Sprintf("%s: %d items.", cmp.Or(parsed.Title, "(untitled feed)"), len(parsed.Items))
	if len(parsed.Items) == 0 {
		return private("%s Nothing to post yet.", head)
	}
	it := parsed.Items[0]
	blocks := []richtext.Node{
		richtext.Para(richtext.Str(head + " The next post would be:")),
		richtext.Para(richtext.B(richtext.Str(cmp.Or(it.Title, "(untitled)")))),
	}
	var meta []string
	if it.URL != "" {
		meta = append(meta, it.URL)
	}
	if t := cmp.Or(it.Published, it.Updated); !t.IsZero() {
		meta = append(meta, t.UTC().Format("2006-01-02 15:04 MST"))
	}
	if it.Author != "" {
		meta = append(meta, it.Author)
	}
	if len(meta) > 0 {
		blocks = append(blocks, richtext.Para(richtext.Str(strings.Join(meta, " · "))))
	}
	if s := clipText(feeds.PlainText(cmp.Or(it.SummaryHTML, it.BodyHTML)), 300); s != "" {
		blocks = append(blocks, richtext.Para(richtext.Str(s)))
	}
	if ok, why := feeds.Eligible(it, c.opt.Now(), defaultMaxAge); !ok {
		blocks = append(blocks, richtext.Para(richtext.Str("It would not be posted: "+why+".")))
	}
	return Reply{Text: richtext.Doc(blocks...), Ephemeral: true}
}
