package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"unicode/utf8"

	"github.com/heraldchat/herald/richtext"
)

// EditModerator is implemented by moderators that also judge edits. An
// edit can bring in what a new comment could not: masked words are masked
// in it too, and an edit a rule would hold or drop (or one by a banned
// author) is not relayed: the comment keeps its last allowed text
// everywhere.
type EditModerator interface {
	CheckEdit(ctx context.Context, ev Event) (body richtext.Text, relay bool, err error)
}

// moderateEdit asks m about an edit, when it judges edits.
func moderateEdit(ctx context.Context, m Moderator, ev Event) (richtext.Text, bool, error) {
	em, ok := m.(EditModerator)
	if !ok {
		return ev.Body, true, nil
	}
	return em.CheckEdit(ctx, ev)
}

// CheckEdit judges an edit with the bans, the word list and the length
// limit. (Rate limits and duplicates are about new comments.)
func (r *Rules) CheckEdit(ctx context.Context, ev Event) (richtext.Text, bool, error) {
	cfg, rules := r.current()
	at := ev.Time
	ref := string(ev.Place.Platform) + ":" + string(ev.Message) + ":" + strconv.FormatInt(at.UnixMilli(), 10)
	target := fmt.Sprintf("edit of %s message %s by %s", ev.Place.Platform, ev.Message, AuthorRef(ev.Author))
	withhold := func(reason string) (richtext.Text, bool, error) {
		err := r.store.AddModLog(ctx, ModLogEntry{At: at, Actor: RulesActor(), Action: ModDrop, Target: target,
			Reason: "edit not relayed: " + reason, Ref: "drop-edit:" + ref})
		if err != nil {
			return richtext.Text{}, false, err
		}
		r.opt.Logger.Info("edit withheld", slog.String("origin", ref), slog.String("reason", reason))
		return richtext.Text{}, false, nil
	}
	author := ev.Author
	if author.Platform == "" {
		author.Platform = ev.Place.Platform
	}
	if author.ID != "" {
		ban, err := r.store.Ban(ctx, author.Platform, author.ID)
		switch {
		case err == nil && ban.Active(at):
			return withhold("the author is banned")
		case err != nil && !errors.Is(err, ErrNotFound):
			return richtext.Text{}, false, fmt.Errorf("look up ban: %w", err)
		}
	}
	body, words := judgeWords(rules, ev.Body)
	switch {
	case words.drop != "":
		return withhold(fmt.Sprintf("word rule %q (drop)", words.drop))
	case words.hold != "":
		return withhold(fmt.Sprintf("word rule %q (hold)", words.hold))
	}
	if limit := cfg.MaxLength; limit > 0 {
		if n := utf8.RuneCountInString(body.PlainText()); n > limit {
			return withhold(fmt.Sprintf("too long: %d characters, the limit is %d", n, limit))
		}
	}
	if len(words.masked) > 0 {
		err := r.store.AddModLog(ctx, ModLogEntry{At: at, Actor: RulesActor(), Action: ModMask, Target: target,
			Reason: fmt.Sprintf("masked words of rule %s", joinNonEmpty(", ", quoteAll(words.masked)...)), Ref: "mask-edit:" + ref})
		if err != nil {
			return richtext.Text{}, false, err
		}
	}
	return body, true, nil
}
