package bot

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
)

// CommandStore is what the command tree needs of the store beyond Store.
type CommandStore interface {
	Store
	// ArticleByURL finds a stored article by its link; the newest when
	// several feeds carry it. ErrNotFound when none does.
	ArticleByURL(ctx context.Context, url string) (Article, error)
	// LinkPlaces puts two places in one mirror group: b joins a's group,
	// or a new group is made. ErrExists when b is already in another group.
	LinkPlaces(ctx context.Context, a, b Place) error
	// UnlinkPlace takes a place out of its mirror group (a group left
	// with one place is dissolved). ErrNotFound when it is in none.
	UnlinkPlace(ctx context.Context, p Place) error
	// LinkGroups lists the mirror groups, each with two or more places.
	LinkGroups(ctx context.Context) ([][]Place, error)
	// OutboxCounts counts outbox rows per platform and state (done rows
	// are not counted).
	OutboxCounts(ctx context.Context) ([]OutboxCount, error)
}

// OutboxCount is how many outbox rows one platform has in one state.
type OutboxCount struct {
	Platform Platform
	State    OutboxState
	Rows     int
}

// commandTable is every command, in the order help lists them.
func commandTable() []command {
	feed := Param{Name: "feed", Help: "the feed's id, name or URL", Kind: ParamFeed, Required: true}
	table := []command{
		{CommandSpec{Path: []string{"feed", "add"}, Summary: "Add a feed, posting to this channel or another place", Admin: true, Slow: true,
			Params: []Param{
				{Name: "url", Help: "the feed's http(s) URL", Kind: ParamURL, Required: true},
				{Name: "schedule", Help: "cron spec or @every 30m; default from the config", Kind: ParamSchedule},
				{Name: "place", Help: "discord:<channel id> or matrix:<room id>; default here", Kind: ParamPlace},
				{Name: "name", Help: "how commands and posts name it; default the feed's title", Kind: ParamText},
			}}, (*Commands).feedAdd},
		{CommandSpec{Path: []string{"feed", "remove"}, Summary: "Stop a feed added by command", Admin: true,
			Params: []Param{feed}}, (*Commands).feedRemove},
		{CommandSpec{Path: []string{"feed", "list"}, Summary: "List feeds: status, last success, next check, failures", Admin: true},
			(*Commands).feedList},
		{CommandSpec{Path: []string{"feed", "pause"}, Summary: "Pause a feed", Admin: true,
			Params: []Param{feed, {Name: "reason", Help: "why, shown in feed list", Kind: ParamRest}}}, (*Commands).feedPause},
		{CommandSpec{Path: []string{"feed", "resume"}, Summary: "Resume a paused feed", Admin: true,
			Params: []Param{feed}}, (*Commands).feedResume},
		{CommandSpec{Path: []string{"feed", "test"}, Summary: "Preview a feed's next post, shown only to you", Admin: true, Slow: true,
			Params: []Param{{Name: "url", Help: "a feed URL, or a feed's id or name", Kind: ParamURL, Required: true}}},
			(*Commands).feedTest},
		{CommandSpec{Path: []string{"post"}, Summary: "Post an article now to its feed's places", Admin: true, Slow: true,
			Params: []Param{{Name: "url", Help: "the article's URL", Kind: ParamURL, Required: true}}}, (*Commands).post},
		{CommandSpec{Path: []string{"link"}, Summary: "Mirror this channel's discussions with another place", Admin: true,
			Params: []Param{{Name: "place", Help: "discord:<channel id> or matrix:<room id>", Kind: ParamPlace, Required: true}}},
			(*Commands).link},
		{CommandSpec{Path: []string{"unlink"}, Summary: "Take a place out of its mirror group", Admin: true,
			Params: []Param{{Name: "place", Help: "discord:<channel id> or matrix:<room id>; default here", Kind: ParamPlace}}},
			(*Commands).unlink},
		{CommandSpec{Path: []string{"status"}, Summary: "Adapters, delivery queues, parked deliveries, paused feeds", Admin: true},
			(*Commands).status},
		{CommandSpec{Path: []string{"help"}, Summary: "Every command with its syntax",
			Params: []Param{{Name: "command", Help: "a command to explain", Kind: ParamRest}}}, (*Commands).help},
	}
	// The mod commands (moderation_commands.go) go before help.
	return slices.Insert(table, len(table)-1, modCommands()...)
}

// Choice is one autocomplete suggestion: what is shown and what is sent.
type Choice struct {
	Name, Value string
}

// Complete suggests values for a parameter of kind from what was typed so
// far: feeds by name, id or URL. At most max choices.
func (c *Commands) Complete(ctx context.Context, kind ParamKind, typed string, max int) []Choice {
	if kind != ParamFeed {
		return nil
	}
	list, err := c.opt.Store.ListFeeds(ctx)
	if err != nil {
		return nil
	}
	typed = strings.ToLower(strings.TrimSpace(typed))
	var out []Choice
	for _, f := range list {
		if len(out) == max {
			break
		}
		id := strconv.FormatInt(f.ID, 10)
		if typed != "" && !strings.Contains(strings.ToLower(f.Name), typed) &&
			!strings.Contains(strings.ToLower(f.URL), typed) && id != typed {
			continue
		}
		label := "#" + id + " " + cmp.Or(f.Name, f.URL)
		if f.Paused {
			label += " (paused)"
		}
		out = append(out, Choice{Name: clipText(label, 100), Value: id})
	}
	return out
}
