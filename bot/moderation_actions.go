package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// ModActionsStore is what moderators' actions need of the store.
type ModActionsStore interface {
	ModerationStore
	Comment(ctx context.Context, id int64) (Comment, error)
	CommentByOrigin(ctx context.Context, platform Platform, message RemoteID) (Comment, error)
	MirrorOwner(ctx context.Context, platform Platform, id RemoteID) (int64, error)
	SaveComment(ctx context.Context, c Comment) (saved Comment, isNew bool, err error)
}

// ModerationOptions tune Moderation. Zero values take defaults.
type ModerationOptions struct {
	Notify func() // after outbox rows were queued (Deliverer.Kick)
	Now    func() time.Time
	Logger *slog.Logger
}

// Moderation carries out what moderators ask, on every platform at once:
// deleting a comment, banning and unbanning authors, settling the review
// queue. Every action is one store transaction that changes the comment,
// queues the platform deletions and writes the moderation log, so it holds
// after a crash or restart; the deliverer then removes the messages.
type Moderation struct {
	store ModActionsStore
	opt   ModerationOptions
}

// NewModeration returns the moderators' actions over store.
func NewModeration(store ModActionsStore, opt ModerationOptions) *Moderation {
	if opt.Notify == nil {
		opt.Notify = func() {}
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &Moderation{store: store, opt: opt}
}

// ErrAlreadyDone says a moderation action had nothing left to do.
var ErrAlreadyDone = errors.New("already done")

// Delete removes a comment from every platform and hides it on the web:
// its mirrors are deleted, and its original too where the bot has the
// right. ref is a comment id or a platform message (see FindComment).
func (m *Moderation) Delete(ctx context.Context, actor Author, ref, reason string) (Comment, error) {
	c, err := m.FindComment(ctx, ref)
	if err != nil {
		return Comment{}, err
	}
	if !c.Deleted.IsZero() {
		return c, fmt.Errorf("comment %d was deleted already (%s): %w", c.ID, c.Deleted.Format(time.RFC3339), ErrAlreadyDone)
	}
	entry := ModLogEntry{At: m.opt.Now(), Actor: actor, Action: ModDelete, Target: commentTarget(c), Reason: reason}
	c, changed, err := m.store.RemoveComment(ctx, c.ID, entry.At, entry)
	if err != nil {
		return Comment{}, err
	}
	if !changed {
		return c, fmt.Errorf("comment %d was deleted already: %w", c.ID, ErrAlreadyDone)
	}
	m.opt.Logger.Info("moderator deleted a comment", slog.Int64("comment_id", c.ID), slog.String("by", AuthorRef(actor)))
	m.opt.Notify()
	return c, nil
}

// Ban keeps an author's next comments from being relayed (and removes them
// where the bot has the right) for d (0: until unbanned). With purge their
// existing comments are deleted everywhere too; it returns how many.
func (m *Moderation) Ban(ctx context.Context, actor Author, who string, d time.Duration, reason string, purge bool) (Ban, int, error) {
	a, err := m.FindAuthor(ctx, who)
	if err != nil {
		return Ban{}, 0, err
	}
	now := m.opt.Now()
	b := Ban{Author: a, Reason: reason, By: actor, Created: now}
	why := reason
	if d > 0 {
		b.Expires = now.Add(d)
		why = joinNonEmpty("; ", reason, "for "+d.String())
	}
	if err := m.store.SetBan(ctx, b, ModLogEntry{At: now, Actor: actor, Action: ModBan, Target: AuthorRef(a), Reason: why}); err != nil {
		return Ban{}, 0, err
	}
	m.opt.Logger.Info("moderator banned an author", slog.String("author", AuthorRef(a)), slog.String("by", AuthorRef(actor)))
	if !purge {
		return b, 0, nil
	}
	cs, err := m.store.CommentsBy(ctx, a.Platform, a.ID)
	if err != nil {
		return b, 0, err
	}
	n := 0
	for _, c := range cs {
		entry := ModLogEntry{At: now, Actor: actor, Action: ModPurge, Target: commentTarget(c),
			Reason: joinNonEmpty(": ", "purged with the ban of "+AuthorRef(a), reason)}
		_, changed, err := m.store.RemoveComment(ctx, c.ID, now, entry)
		if err != nil {
			m.opt.Notify()
			return b, n, fmt.Errorf("purge comment %d (after %d): %w", c.ID, n, err)
		}
		if changed {
			n++
		}
	}
	m.opt.Notify()
	return b, n, nil
}

// Unban lifts an author's ban.
func (m *Moderation) Unban(ctx context.Context, actor Author, who, reason string) (Author, error) {
	a, err := m.FindAuthor(ctx, who)
	if err != nil {
		return Author{}, err
	}
	err = m.store.LiftBan(ctx, a.Platform, a.ID, ModLogEntry{At: m.opt.Now(), Actor: actor, Action: ModUnban, Target: AuthorRef(a), Reason: reason})
	if errors.Is(err, ErrNotFound) {
		return a, fmt.Errorf("%s is not banned: %w", AuthorRef(a), ErrAlreadyDone)
	}
	return a, err
}

// Approve releases a held comment: it is stored and mirrored like any new
// comment. When its author deleted it meanwhile it is rejected instead and
// the error says so.
func (m *Moderation) Approve(ctx context.Context, actor Author, id int64, reason string) (Comment, error) {
	h, err := m.pending(ctx, id)
	if err != nil {
		return Comment{}, err
	}
	// Save first, then mark approved: a crash in between leaves the entry
	// held, and approving again finds the comment saved (a replay).
	saved, _, err := m.store.SaveComment(ctx, h.Comment)
	if err != nil {
		return Comment{}, fmt.Errorf("approve held comment %d: %w", id, err)
	}
	now := m.opt.Now()
	if saved.ID == 0 {
		_, err := m.store.DecideHeld(ctx, id, HeldRejected, now, ModLogEntry{At: now, Actor: RulesActor(), Action: ModReject,
			Target: heldTarget(h), Reason: "its author deleted it before it was approved"})
		if err != nil {
			return Comment{}, err
		}
		return Comment{}, fmt.Errorf("held comment %d was deleted by its author meanwhile, so there is nothing to approve: %w", id, ErrAlreadyDone)
	}
	if _, err := m.store.DecideHeld(ctx, id, HeldApproved, now, ModLogEntry{At: now, Actor: actor, Action: ModApprove,
		Target: heldTarget(h) + " → comment " + strconv.FormatInt(saved.ID, 10), Reason: reason}); err != nil {
		return Comment{}, err
	}
	m.opt.Notify()
	return saved, nil
}

// Reject settles a held comment for good: it is never mirrored, and its
// original is removed where the bot has the right (like a delete).
func (m *Moderation) Reject(ctx context.Context, actor Author, id int64, reason string) (HeldComment, error) {
	h, err := m.pending(ctx, id)
	if err != nil {
		return HeldComment{}, err
	}
	now := m.opt.Now()
	h, err = m.store.DecideHeld(ctx, id, HeldRejected, now, ModLogEntry{At: now, Actor: actor, Action: ModReject,
		Target: heldTarget(h), Reason: reason})
	if err != nil {
		return HeldComment{}, err
	}
	m.opt.Notify()
	return h, nil
}

// pending returns a held comment that still waits for a decision.
func (m *Moderation) pending(ctx context.Context, id int64) (HeldComment, error) {
	h, err := m.store.Held(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return HeldComment{}, fmt.Errorf("there is no held comment %d; \"mod queue\" lists them: %w", id, ErrNotFound)
	}
	if err != nil {
		return HeldComment{}, err
	}
	if h.State != HeldPending {
		return HeldComment{}, fmt.Errorf("held comment %d was %s already (%s by %s): %w", id, h.State,
			h.Decided.Format(time.RFC3339), h.DecidedBy, ErrAlreadyDone)
	}
	return h, nil
}

// Queue lists the comments waiting for review, oldest first.
func (m *Moderation) Queue(ctx context.Context, limit int) ([]HeldComment, error) {
	return m.store.HeldComments(ctx, limit)
}

// Log lists the latest moderation log entries, newest first.
func (m *Moderation) Log(ctx context.Context, limit int) ([]ModLogEntry, error) {
	return m.store.ModLog(ctx, limit)
}

func commentTarget(c Comment) string {
	return fmt.Sprintf("comment %d by %s", c.ID, AuthorRef(c.Author))
}

func heldTarget(h HeldComment) string {
	return fmt.Sprintf("held %d (%s message %s by %s)", h.ID, h.Comment.Origin.Place.Platform, h.Comment.Origin.Message,
		AuthorRef(h.Comment.Author))
}

func joinNonEmpty(sep string, parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += sep
		}
		out += p
	}
	return out
}
