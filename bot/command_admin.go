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

	"github.com/heraldchat/herald/richtext"
)

// maxPostSearch bounds how many feeds `post` fetches to find an article
// that is not stored yet.
const maxPostSearch = 10

func (c *Commands) post(ctx context.Context, k *call) Reply {
	u, err := checkCommandURL(k.arg("url"))
	if err != nil {
		return failure("post: %v", err)
	}
	a, err := c.opt.Store.ArticleByURL(ctx, u)
	if errors.Is(err, ErrNotFound) {
		a, err = c.fetchArticle(ctx, u)
	}
	if err != nil {
		return failure("post: %v", err)
	}
	routes, err := c.opt.Store.Routes(ctx, a.FeedID)
	if err != nil {
		return failure("post: could not read the routes of feed #%d: %v", a.FeedID, err)
	}
	if len(routes) == 0 {
		return failure("post: feed #%d of %q posts nowhere (it has no routes)", a.FeedID, a.Title)
	}
	rows := make([]OutboxRow, 0, len(routes))
	var places []string
	for _, r := range routes {
		rows = append(rows, OutboxRow{Kind: PostArticle, Target: r.Place, ArticleID: a.ID,
			Key: OutboxKey("command_post", strconv.FormatInt(a.ID, 10), string(r.Place.Platform), string(r.Place.Channel), k.req.ID)})
		places = append(places, r.Place.String())
	}
	if err := c.opt.Store.Enqueue(ctx, rows...); err != nil {
		return failure("post: could not queue the posts: %v", err)
	}
	if c.opt.Notify != nil {
		c.opt.Notify()
	}
	return public("Posting %q now to %s.", cmp.Or(a.Title, a.URL), strings.Join(places, ", "))
}

// fetchArticle looks for an article that is not stored yet in the feeds
// most likely to carry it (same host first), and stores it when found.
func (c *Commands) fetchArticle(ctx context.Context, u string) (Article, error) {
	list, err := c.opt.Store.ListFeeds(ctx)
	if err != nil {
		return Article{}, fmt.Errorf("could not read the feeds: %w", err)
	}
	host := hostOf(u)
	slices.SortStableFunc(list, func(a, b Feed) int {
		ha, hb := hostOf(a.URL) == host, hostOf(b.URL) == host
		switch {
		case ha && !hb:
			return -1
		case hb && !ha:
			return 1
		}
		return 0
	})
	var problems []string
	for i, f := range list {
		if i == maxPostSearch {
			break
		}
		parsed, err := c.fetchFeed(ctx, f.URL)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		for _, it := range parsed.Items {
			if it.URL != u || it.Key == "" {
				continue
			}
			a := articleFromItem(it, parsed.Lang)
			a.FeedID = f.ID
			res, err := c.opt.Store.Ingest(ctx, f.ID, []Incoming{{Article: a}})
			if err != nil {
				return Article{}, fmt.Errorf("could not store the article: %w", err)
			}
			if len(res) != 1 {
				return Article{}, fmt.Errorf("could not store the article")
			}
			if res[0].Outcome == ArticleRemoved {
				return Article{}, fmt.Errorf("%s was removed by an admin and is never posted again", u)
			}
			a.ID = res[0].ArticleID
			return a, nil
		}
	}
	msg := fmt.Sprintf("no stored article has the URL %s, and none of Herald's feeds lists it now", u)
	if len(list) == 0 {
		msg = fmt.Sprintf("no stored article has the URL %s, and Herald has no feeds to look in", u)
	}
	if len(problems) > 0 {
		msg += " (" + strings.Join(problems, "; ") + ")"
	}
	return Article{}, errors.New(msg)
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// configLinked reports whether the config file puts p in a mirror group.
func (c *Commands) configLinked(p Place) bool {
	for _, g := range c.config().Links {
		if slices.Contains(g, p) {
			return true
		}
	}
	return false
}

func (c *Commands) link(ctx context.Context, k *call) Reply {
	other, err := c.parsePlace(k.arg("place"))
	if err != nil {
		return failure("link: %v", err)
	}
	here := k.req.Place
	if other == here {
		return failure("link: %s is this channel itself; name the place to mirror with", other)
	}
	file := cmp.Or(c.config().File, "herald.yaml")
	for _, p := range []Place{here, other} {
		if c.configLinked(p) {
			return failure("link: %s is linked in the config file %s; change the links there and reload Herald (SIGHUP)", p, file)
		}
	}
	err = c.opt.Store.LinkPlaces(ctx, here, other)
	if errors.Is(err, ErrExists) {
		return failure("link: %s is already in another mirror group; run \"unlink %s\" first", other, other)
	}
	if err != nil {
		return failure("link: %v", err)
	}
	return public("Linked %s with %s: articles posted to one from now on are posted to both, and their threads mirrored. Messages outside article threads are not relayed.", here, other)
}

func (c *Commands) unlink(ctx context.Context, k *call) Reply {
	p := k.req.Place
	if s := k.arg("place"); s != "" {
		var err error
		if p, err = c.parsePlace(s); err != nil {
			return failure("unlink: %v", err)
		}
	}
	if c.configLinked(p) {
		file := cmp.Or(c.config().File, "herald.yaml")
		return failure("unlink: %s is linked in the config file %s and cannot be unlinked by command; edit %s and reload Herald (SIGHUP)", p, file, file)
	}
	err := c.opt.Store.UnlinkPlace(ctx, p)
	if errors.Is(err, ErrNotFound) {
		return failure("unlink: %s is not linked to anything", p)
	}
	if err != nil {
		return failure("unlink: %v", err)
	}
	return public("Unlinked %s: articles posted to its group from now on are no longer posted here; threads already shared stay mirrored.", p)
}

func (c *Commands) status(ctx context.Context, k *call) Reply {
	var blocks []richtext.Node
	para := func(s string) { blocks = append(blocks, richtext.Para(richtext.Str(s))) }
	if c.opt.Adapters != nil {
		var parts []string
		for _, a := range c.opt.Adapters(ctx) {
			s := a.Name + ": " + a.State
			if a.Err != nil {
				s += " (" + a.Err.Error() + ")"
			}
			parts = append(parts, s)
		}
		para("Adapters: " + strings.Join(parts, "; ") + ".")
	}
	counts, err := c.opt.Store.OutboxCounts(ctx)
	if err != nil {
		return failure("status: could not read the delivery queue: %v", err)
	}
	pending, parked := map[Platform]int{}, 0
	for _, n := range counts {
		switch n.State {
		case OutboxPending:
			pending[n.Platform] += n.Rows
		case OutboxParked:
			parked += n.Rows
		}
	}
	var queue []string
	for _, p := range slices.Sorted(mapKeys(pending)) {
		queue = append(queue, fmt.Sprintf("%s %d", p, pending[p]))
	}
	if len(queue) == 0 {
		queue = []string{"empty"}
	}
	para("Queued deliveries: " + strings.Join(queue, ", ") + ".")
	if parked == 0 {
		para("Parked deliveries: none.")
	} else {
		rows, err := c.opt.Store.OutboxRows(ctx, OutboxParked, 5)
		if err != nil {
			return failure("status: could not read the parked deliveries: %v", err)
		}
		var items []richtext.Node
		for _, r := range rows {
			items = append(items, richtext.Li(richtext.Para(richtext.Str(fmt.Sprintf("%s to %s after %d attempts: %s", r.Kind, r.Target, r.Attempts, r.LastError)))))
		}
		para(fmt.Sprintf("Parked deliveries: %d (they kept failing; an admin must look). Latest:", parked))
		blocks = append(blocks, richtext.UL(items...))
	}
	list, err := c.opt.Store.ListFeeds(ctx)
	if err != nil {
		return failure("status: could not read the feeds: %v", err)
	}
	var paused []richtext.Node
	for _, f := range list {
		if f.Paused {
			paused = append(paused, richtext.Li(richtext.Para(richtext.Str(feedLabel(f)+": "+f.PausedReason))))
		}
	}
	if len(paused) == 0 {
		para(fmt.Sprintf("Feeds: %d, none paused.", len(list)))
	} else {
		para(fmt.Sprintf("Feeds: %d, paused %d:", len(list), len(paused)))
		blocks = append(blocks, richtext.UL(paused...))
	}
	return Reply{Text: richtext.Doc(blocks...), Ephemeral: true}
}

func mapKeys[K comparable, V any](m map[K]V) func(yield func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (c *Commands) help(_ context.Context, k *call) Reply {
	if q := k.arg("command"); q != "" {
		words := strings.Fields(q)
		spec, n, err := c.resolve(words)
		if err != nil {
			return failure("help: %v", err)
		}
		if n != len(words) {
			return failure("help: %s has no subcommand %q", quoteCmd(spec.Name()), words[n])
		}
		blocks := []richtext.Node{
			richtext.Para(richtext.C(spec.Usage())),
			richtext.Para(richtext.Str(spec.Summary + ".")),
		}
		var items []richtext.Node
		for _, p := range spec.Params {
			items = append(items, richtext.Li(richtext.Para(richtext.B(richtext.Str(p.Name)), richtext.Str(": "+p.Help))))
		}
		if len(items) > 0 {
			blocks = append(blocks, richtext.UL(items...))
		}
		if spec.Admin {
			blocks = append(blocks, richtext.Para(richtext.Str("For admins only.")))
		}
		return Reply{Text: richtext.Doc(blocks...), Ephemeral: true}
	}
	var items []richtext.Node
	for _, s := range c.specs {
		items = append(items, richtext.Li(richtext.Para(richtext.C(s.Usage()), richtext.Str(" — "+s.Summary))))
	}
	return Reply{Text: richtext.Doc(
		richtext.Para(richtext.Str("Herald's commands (quote values with spaces; options also go by name, as name=value):")),
		richtext.UL(items...)), Ephemeral: true}
}
