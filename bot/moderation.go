package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/heraldchat/herald/config"
)

// Hold is the moderation action that keeps a comment in the review queue:
// not stored as a comment and not mirrored until an admin approves it. A
// Moderator that holds has put the comment in the queue itself; to the
// relay it is, like Drop, a comment it must not save.
const Hold Action = "hold"

// RulesActor is the actor of what the automatic rules do, in the moderation log.
func RulesActor() Author {
	return Author{Platform: "herald", ID: "rules", Name: "Herald (automatic rules)"}
}

// RulesStore is what the rules read and write.
type RulesStore interface {
	ModerationStore
	CommentByOrigin(ctx context.Context, platform Platform, message RemoteID) (Comment, error)
}

// RulesOptions tune Rules. Zero values take defaults.
type RulesOptions struct {
	// Notify is called after a rule queued outbox rows (removing a banned
	// author's message), like RelayOptions.Notify.
	Notify func()
	Logger *slog.Logger
}

// Rules is the Moderator built from the config's moderation section: bans,
// the word list, the rate limit, duplicate suppression, the length limit
// and the link limit for new authors. All its state is in the store (bans,
// the queue, the comments themselves), so it holds across restarts and
// across instances sharing a store.
//
// Order of the checks, first decision wins:
//  1. a comment Herald already stored is a replay: allowed as it is (the
//     store ignores it);
//  2. a banned author's comment is dropped and their message removed where
//     the bot has the right;
//  3. a comment already in the review queue stays there (an edit updates
//     the text waiting for review);
//  4. a drop word, or the same text from the same author within the
//     duplicate window, drops it (not mirrored, not removed);
//  5. a hold word, the rate limit, the length limit or too many links from
//     a first-time author hold it for review;
//  6. mask words are replaced with ••• and it is allowed.
//
// Masking happens before a comment is stored or held: the masked words are
// not kept anywhere (the log names the rule, not the words).
type Rules struct {
	store RulesStore
	opt   RulesOptions

	mu    sync.RWMutex // guards cfg and words, which SetConfig replaces
	cfg   config.Moderation
	words []wordRule
}

// NewRules builds the rules; it fails on a word rule that does not compile
// (config.Validate reports those with their line first).
func NewRules(store RulesStore, cfg config.Moderation, opt RulesOptions) (*Rules, error) {
	words, err := compileWords(cfg.Words)
	if err != nil {
		return nil, err
	}
	if opt.Notify == nil {
		opt.Notify = func() {}
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &Rules{store: store, cfg: cfg, words: words, opt: opt}, nil
}

// SetConfig replaces the rules (a config reload). A word rule that does not
// compile leaves the old rules in force.
func (r *Rules) SetConfig(cfg config.Moderation) error {
	words, err := compileWords(cfg.Words)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cfg, r.words = cfg, words
	return nil
}

// current returns the rules in force.
func (r *Rules) current() (config.Moderation, []wordRule) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.cfg, r.words
}

// Check decides about one new comment. The comment carries its article,
// origin, author and parent as the relay resolved them.
func (r *Rules) Check(ctx context.Context, ev Event, c Comment) (Decision, error) {
	cfg, rules := r.current()
	origin := c.Origin
	allow := Decision{Action: Allow, Comment: c}
	if _, err := r.store.CommentByOrigin(ctx, origin.Place.Platform, origin.Message); err == nil {
		return allow, nil
	} else if !errors.Is(err, ErrNotFound) {
		return Decision{}, fmt.Errorf("look up comment %s: %w", origin.Message, err)
	}
	at := c.Created
	if at.IsZero() {
		at = time.Now()
	}
	ref := string(origin.Place.Platform) + ":" + string(origin.Message)
	target := fmt.Sprintf("%s message %s by %s", origin.Place.Platform, origin.Message, AuthorRef(c.Author))
	entry := func(a ModAction, reason string) ModLogEntry {
		return ModLogEntry{At: at, Actor: RulesActor(), Action: a, Target: target, Reason: reason, Ref: string(a) + ":" + ref}
	}

	// 2. Bans.
	if c.Author.ID != "" {
		ban, err := r.store.Ban(ctx, c.Author.Platform, c.Author.ID)
		switch {
		case err == nil && ban.Active(at):
			reason := "author is banned"
			if ban.Reason != "" {
				reason += ": " + ban.Reason
			}
			if err := r.store.Drop(ctx, c, true, at, entry(ModRemove, reason)); err != nil {
				return Decision{}, err
			}
			r.opt.Notify()
			return Decision{Action: Drop, Comment: c, Reason: reason}, nil
		case err != nil && !errors.Is(err, ErrNotFound):
			return Decision{}, fmt.Errorf("look up ban: %w", err)
		}
	}

	body, words := judgeWords(rules, c.Body)
	c.Body = body

	// 3. Already waiting for review.
	held, err := r.store.HeldByOrigin(ctx, origin.Place.Platform, origin.Message)
	switch {
	case err == nil:
		if held.State == HeldPending && ev.Kind == MessageEdited {
			if err := r.store.UpdateHeld(ctx, held.ID, c); err != nil && !errors.Is(err, ErrNotFound) {
				return Decision{}, err
			}
		}
		return Decision{Action: Hold, Comment: c, Reason: "waiting for review (" + held.Reason + ")"}, nil
	case !errors.Is(err, ErrNotFound):
		return Decision{}, fmt.Errorf("look up review queue: %w", err)
	}

	// 4. Drops.
	if words.drop != "" {
		return r.drop(ctx, c, at, entry, fmt.Sprintf("word rule %q", words.drop))
	}
	act, err := r.activity(ctx, cfg, c, at)
	if err != nil {
		return Decision{}, err
	}
	if w := cfg.DuplicateWindow.Std(); w > 0 && c.Author.ID != "" {
		text := sameText(c.Body)
		for _, p := range act.Recent {
			if !p.Created.Before(at.Add(-w)) && !p.Created.After(at) && sameText(p.Body) == text {
				return r.drop(ctx, c, at, entry, fmt.Sprintf("duplicate of an earlier comment within %s", w))
			}
		}
	}

	// 5. Holds.
	if reason := holdReason(cfg, c, words, act, at); reason != "" {
		if _, err := r.store.Hold(ctx, c, reason, entry(ModHold, reason)); err != nil {
			return Decision{}, err
		}
		r.opt.Logger.Info("comment held for review", slog.String("origin", ref), slog.String("reason", reason))
		return Decision{Action: Hold, Comment: c, Reason: reason}, nil
	}

	// 6. Masks.
	if len(words.masked) > 0 {
		reason := fmt.Sprintf("masked words of rule %s", strings.Join(quoteAll(words.masked), ", "))
		if err := r.store.AddModLog(ctx, entry(ModMask, reason)); err != nil {
			return Decision{}, err
		}
		return Decision{Action: Allow, Comment: c, Reason: reason}, nil
	}
	return allow, nil
}

func (r *Rules) drop(ctx context.Context, c Comment, at time.Time, entry func(ModAction, string) ModLogEntry, reason string) (Decision, error) {
	if err := r.store.Drop(ctx, c, false, at, entry(ModDrop, reason)); err != nil {
		return Decision{}, err
	}
	r.opt.Logger.Info("comment dropped", slog.String("origin", string(c.Origin.Place.Platform)+":"+string(c.Origin.Message)),
		slog.String("reason", reason))
	return Decision{Action: Drop, Comment: c, Reason: reason}, nil
}

// activity reads what the rate limit, duplicate and first-time checks need.
func (r *Rules) activity(ctx context.Context, cfg config.Moderation, c Comment, at time.Time) (AuthorActivity, error) {
	if c.Author.ID == "" {
		return AuthorActivity{Seen: 1}, nil // anonymous: nothing to count against
	}
	window := max(cfg.DuplicateWindow.Std(), cfg.RateLimit.Per.Std())
	act, err := r.store.AuthorActivity(ctx, c.Author.Platform, c.Author.ID, at.Add(-window), c.Origin.Message)
	if err != nil {
		return AuthorActivity{}, err
	}
	return act, nil
}

// holdReason says why a comment must wait for review, or "".
func holdReason(cfg config.Moderation, c Comment, words wordVerdict, act AuthorActivity, at time.Time) string {
	if words.hold != "" {
		return fmt.Sprintf("word rule %q", words.hold)
	}
	if rl := cfg.RateLimit; rl.Count > 0 && rl.Per > 0 && c.Author.ID != "" {
		n := 0
		for _, p := range act.Recent {
			if p.Created.After(at.Add(-rl.Per.Std())) && !p.Created.After(at) {
				n++
			}
		}
		if n >= rl.Count {
			return fmt.Sprintf("rate limit: more than %d comments in %s", rl.Count, rl.Per.Std())
		}
	}
	if limit := cfg.MaxLength; limit > 0 {
		if n := utf8.RuneCountInString(c.Body.PlainText()); n > limit {
			return fmt.Sprintf("too long: %d characters, the limit is %d", n, limit)
		}
	}
	if lim := cfg.NewAuthorLinkLimit; lim >= 0 && act.Seen == 0 {
		if n := countLinks(c.Body); n > lim {
			return fmt.Sprintf("first comment with %d links, the limit for new authors is %d", n, lim)
		}
	}
	return ""
}

// AuthorRef shows an author in replies and the log: name and platform:id.
func AuthorRef(a Author) string {
	if a == RulesActor() {
		return a.Name
	}
	id := string(a.Platform) + ":" + string(a.ID)
	if a.Name == "" || a.Name == string(a.ID) {
		return id
	}
	return fmt.Sprintf("%s (%s)", a.Name, id)
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
