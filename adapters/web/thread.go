package web

import (
	"html/template"
	"sort"
	"strings"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext/webhtml"
)

// maxDepth is how deep replies nest on the page. Deeper replies sit beside
// their parent at the last level, marked with whom they answer, so a long
// back-and-forth does not squeeze the text into a sliver on a phone.
const maxDepth = 4

// commentView is one comment as the page shows it.
type commentView struct {
	ID        int64
	Platform  string // the class suffix: discord, matrix, source, web
	Badge     string // the platform's name for people
	Author    string
	ReplyTo   string // whom it answers, when nesting stopped at maxDepth
	When      string // in the site's time zone
	ISO       string // for <time datetime>
	Edited    string // when it was edited, "" if never
	Removed   bool
	Body      template.HTML
	Reactions []reactionView
	Replies   []*commentView
	Depth     int
	holder    *commentView // the comment whose Replies hold this one; nil for the top level
}

type reactionView struct {
	Emoji string
	Count int
}

// badge names a platform for readers.
func badge(p bot.Platform) string {
	switch p {
	case bot.Discord:
		return "Discord"
	case bot.Matrix:
		return "Matrix"
	case bot.Source:
		return "Site"
	case bot.Web:
		return "Web"
	case "":
		return "Unknown"
	}
	return strings.ToUpper(string(p[:1])) + string(p[1:])
}

// platformClass is a platform as a CSS class suffix: only known names, so
// nothing from the store reaches a class attribute unchecked.
func platformClass(p bot.Platform) string {
	switch p {
	case bot.Discord, bot.Matrix, bot.Source, bot.Web:
		return string(p)
	}
	return "other"
}

// authorName is the name shown for an author: one line, never empty.
func authorName(a bot.Author) string {
	name := strings.Join(strings.Fields(a.Name), " ")
	if name == "" {
		name = strings.Join(strings.Fields(string(a.ID)), " ")
	}
	if name == "" {
		name = bot.AnonymousName
	}
	return name
}

const timeLayout = "2 Jan 2006, 15:04 MST"

// buildThread arranges comments (in the order written) as a tree: each
// reply under its parent, replies in the order written. A reply whose
// parent is unknown starts a thread of its own.
func buildThread(cs []bot.Comment, reactions map[int64]map[string]int, loc *time.Location) []*commentView {
	views := make(map[int64]*commentView, len(cs))
	var roots []*commentView
	for _, c := range cs {
		v := &commentView{
			ID:       c.ID,
			Platform: platformClass(c.Author.Platform),
			Badge:    badge(c.Author.Platform),
			Author:   authorName(c.Author),
			When:     c.Created.In(loc).Format(timeLayout),
			ISO:      c.Created.UTC().Format(time.RFC3339),
			Removed:  !c.Deleted.IsZero(),
		}
		if c.Author.Platform == "" {
			v.Platform, v.Badge = platformClass(c.Origin.Place.Platform), badge(c.Origin.Place.Platform)
		}
		if !v.Removed {
			v.Body = webhtml.HTML(c.Body)
			if !c.Edited.IsZero() {
				v.Edited = c.Edited.In(loc).Format(timeLayout)
			}
			for emoji, n := range reactions[c.ID] {
				v.Reactions = append(v.Reactions, reactionView{Emoji: emoji, Count: n})
			}
			sort.Slice(v.Reactions, func(i, j int) bool {
				a, b := v.Reactions[i], v.Reactions[j]
				return a.Count > b.Count || (a.Count == b.Count && a.Emoji < b.Emoji)
			})
		}
		views[c.ID] = v
		parent := views[c.ParentID]
		if c.ParentID == 0 || parent == nil || parent == v {
			roots = append(roots, v)
			continue
		}
		if parent.Depth+1 >= maxDepth {
			v.ReplyTo = parent.Author
			if parent.Removed {
				v.ReplyTo = "a removed comment"
			}
			v.Depth = parent.Depth
			// parent sits at the last level: its reply goes beside it,
			// in the list that holds parent.
			v.holder = parent.holder
			v.holder.Replies = append(v.holder.Replies, v)
			continue
		}
		v.Depth, v.holder = parent.Depth+1, parent
		parent.Replies = append(parent.Replies, v)
	}
	return roots
}
