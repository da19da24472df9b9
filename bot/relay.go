package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// RelayOptions tune a Relay. Zero values take defaults.
type RelayOptions struct {
	Moderator Moderator // [AllowAll]
	// Notify is called after outbox rows were written (Deliverer.Kick), so
	// mirrors go out at once instead of at the next poll.
	Notify func()
	Now    func() time.Time
	Logger *slog.Logger
}

// Relay turns what people write in article threads into the shared comment
// model and queues the mirrors. It implements Inbox.
//
// Every event is applied idempotently in one store transaction together with
// the outbox rows it causes, so an adapter may replay events freely (after a
// reconnect, a lost sync token) without duplicates, and Receive returning nil
// means the event is durably applied or deliberately ignored.
//
// Order: an adapter calls Receive for one thread's events one after another
// (it may run threads concurrently). Outbox rows are then written in that
// order, and the deliverer keeps each thread's rows in order per target.
type Relay struct {
	store RelayStore
	opt   RelayOptions
}

// NewRelay returns a relay over store.
func NewRelay(store RelayStore, opt RelayOptions) *Relay {
	if opt.Moderator == nil {
		opt.Moderator = AllowAll{}
	}
	if opt.Notify == nil {
		opt.Notify = func() {}
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &Relay{store: store, opt: opt}
}

// Receive applies one event. It returns an error only when the event could
// not be recorded (the store failed), so the adapter may try again; events
// that are malformed, outside article threads or Herald's own echoes are
// logged and ignored.
func (r *Relay) Receive(ctx context.Context, ev Event) error {
	log := r.opt.Logger.With(slog.String("event", string(ev.Kind)), slog.String("place", ev.Place.String()),
		slog.String("thread", string(ev.Thread)), slog.String("message", string(ev.Message)))
	if problem := checkEvent(ev); problem != "" {
		log.Warn("relay ignores malformed event", slog.String("problem", problem))
		return nil
	}
	if ev.Thread == "" {
		thread, err := r.threadOf(ctx, ev)
		if err != nil {
			return fmt.Errorf("relay %s of %s in %s: %w", ev.Kind, ev.Message, ev.Place, err)
		}
		if thread == "" {
			// Not in an article thread. Mirror groups (links) tie article
			// threads only: a top-level message in a linked channel stays there.
			return nil
		}
		ev.Thread = thread
		log = log.With(slog.String("thread", string(thread)))
	}
	// Our own messages come back through the platforms: never relay them.
	owner, err := r.store.MirrorOwner(ctx, ev.Place.Platform, ev.Message)
	switch {
	case err == nil:
		if owner != 0 && (ev.Kind == ReactionAdded || ev.Kind == ReactionGone) {
			return r.react(ctx, owner, ev) // a reaction to a mirror counts for its comment
		}
		log.Debug("relay ignores Herald's own message")
		return nil
	case !errors.Is(err, ErrNotFound):
		return fmt.Errorf("relay %s of %s in %s: look up mirrors: %w", ev.Kind, ev.Message, ev.Place, err)
	}
	articleID, err := r.articleOf(ctx, ev)
	if errors.Is(err, ErrNotFound) {
		log.Debug("relay ignores a thread that is not an article's")
		return nil
	}
	if err != nil {
		return fmt.Errorf("relay %s of %s in %s: find article of thread %s: %w", ev.Kind, ev.Message, ev.Place, ev.Thread, err)
	}
	log = log.With(slog.Int64("article_id", articleID))
	switch ev.Kind {
	case MessageCreated:
		err = r.create(ctx, log, articleID, ev, time.Time{})
	case MessageEdited:
		err = r.edit(ctx, log, articleID, ev)
	case MessageDeleted:
		err = r.delete(ctx, log, articleID, ev)
	case ReactionAdded, ReactionGone:
		var c Comment
		c, err = r.store.CommentByOrigin(ctx, ev.Place.Platform, ev.Message)
		if errors.Is(err, ErrNotFound) {
			return nil // a reaction to the article post or to an unknown message
		}
		if err == nil {
			err = r.react(ctx, c.ID, ev)
		}
	}
	if err != nil {
		return fmt.Errorf("relay %s of %s in %s: %w", ev.Kind, ev.Message, ev.Place, err)
	}
	return nil
}

// threadOf finds the thread of an edit or a delete that came without one:
// the thread the comment was written in, found by its message. A Matrix
// redaction wipes the redacted event's content, relation included, so after
// an adapter restart its delete arrives with no thread; without this the
// delete would be lost and the mirrors would stay. "" when the event is no
// edit or delete of a known comment.
func (r *Relay) threadOf(ctx context.Context, ev Event) (RemoteID, error) {
	if ev.Kind != MessageDeleted && ev.Kind != MessageEdited {
		return "", nil
	}
	c, err := r.store.CommentByOrigin(ctx, ev.Place.Platform, ev.Message)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("find the comment of a message without thread: %w", err)
	}
	return c.Origin.Thread, nil
}

// articleOf finds the article whose thread an event happened in. A news
// site has no threads of Herald's: its comments come from the importer,
// which names the article by id in Thread (see SourceThread).
func (r *Relay) articleOf(ctx context.Context, ev Event) (int64, error) {
	if ev.Place.Platform == Source {
		id, err := strconv.ParseInt(string(ev.Thread), 10, 64)
		if err != nil || id <= 0 {
			return 0, fmt.Errorf("source thread %q is not an article id: %w", ev.Thread, ErrNotFound)
		}
		return id, nil
	}
	return r.store.ArticleByThread(ctx, ev.Place, ev.Thread)
}

// checkEvent says what is wrong with an event, or "" when nothing is.
func checkEvent(ev Event) string {
	switch {
	case ev.Place.Platform == "" || ev.Place.Channel == "":
		return "no place"
	case ev.Message == "":
		return "no message id"
	}
	switch ev.Kind {
	case MessageCreated, MessageEdited, MessageDeleted:
	case ReactionAdded, ReactionGone:
		if ev.Emoji == "" {
			return "reaction without emoji"
		}
	default:
		return fmt.Sprintf("unknown event kind %q", ev.Kind)
	}
	return ""
}

func (r *Relay) at(ev Event) time.Time {
	if ev.Time.IsZero() {
		return r.opt.Now()
	}
	return ev.Time
}

// create stores a new comment and queues its mirrors. edited is set when
// the comment is first seen through an edit (its create was missed or is
// still on its way).
func (r *Relay) create(ctx context.Context, log *slog.Logger, articleID int64, ev Event, edited time.Time) error {
	c := Comment{
		ArticleID: articleID,
		Origin:    PostRef{Place: ev.Place, Message: ev.Message, Thread: ev.Thread},
		Author:    ev.Author,
		Body:      ev.Body,
		Created:   r.at(ev),
		Edited:    edited,
	}
	if c.Author.Platform == "" {
		c.Author.Platform = ev.Place.Platform
	}
	parent, err := r.parent(ctx, ev)
	if err != nil {
		return err
	}
	c.ParentID = parent
	d, err := r.opt.Moderator.Check(ctx, ev, c)
	if err != nil {
		return fmt.Errorf("moderate: %w", err)
	}
	if d.Action != Allow {
		log.Info("relay drops comment", slog.String("action", string(d.Action)), slog.String("reason", d.Reason))
		return nil
	}
	mod := d.Comment
	mod.ID, mod.ArticleID, mod.Origin = 0, c.ArticleID, c.Origin
	saved, isNew, err := r.store.SaveComment(ctx, mod)
	if err != nil {
		return fmt.Errorf("save comment: %w", err)
	}
	switch {
	case saved.ID == 0:
		log.Info("relay drops comment deleted before it arrived")
	case isNew:
		log.Debug("comment saved", slog.Int64("comment_id", saved.ID))
		r.opt.Notify()
	}
	return nil
}

// parent resolves the message ev answers to a comment: one written on that
// platform, or one Herald mirrored there. 0 when it answers the article post
// or something unknown.
func (r *Relay) parent(ctx context.Context, ev Event) (int64, error) {
	if ev.ReplyTo == "" || ev.ReplyTo == ev.Thread {
		return 0, nil
	}
	p, err := r.store.CommentByOrigin(ctx, ev.Place.Platform, ev.ReplyTo)
	if err == nil {
		return p.ID, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("find parent %s: %w", ev.ReplyTo, err)
	}
	id, err := r.store.MirrorOwner(ctx, ev.Place.Platform, ev.ReplyTo)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("find parent %s among mirrors: %w", ev.ReplyTo, err)
	}
	return id, nil
}

func (r *Relay) edit(ctx context.Context, log *slog.Logger, articleID int64, ev Event) error {
	ev.Time = r.at(ev)
	body, relay, err := moderateEdit(ctx, r.opt.Moderator, ev)
	if err != nil {
		return fmt.Errorf("moderate edit: %w", err)
	}
	if !relay {
		return nil // withheld by moderation (logged there); the last allowed text stays
	}
	ev.Body = body
	c, changed, err := r.store.EditComment(ctx, ev.Place.Platform, ev.Message, ev.Body, r.at(ev))
	if errors.Is(err, ErrNotFound) {
		// The edit overtook its create (or the create was missed): keep the
		// newer text now; the create, when it comes, is a replay.
		return r.create(ctx, log, articleID, ev, r.at(ev))
	}
	if err != nil {
		return fmt.Errorf("edit comment: %w", err)
	}
	if changed {
		log.Debug("comment edited", slog.Int64("comment_id", c.ID))
		r.opt.Notify()
	}
	return nil
}

func (r *Relay) delete(ctx context.Context, log *slog.Logger, articleID int64, ev Event) error {
	origin := PostRef{Place: ev.Place, Message: ev.Message, Thread: ev.Thread}
	c, changed, err := r.store.DeleteComment(ctx, articleID, origin, r.at(ev))
	if err != nil {
		return fmt.Errorf("delete comment: %w", err)
	}
	if changed {
		log.Debug("comment deleted", slog.Int64("comment_id", c.ID))
		r.opt.Notify()
	}
	return nil
}

func (r *Relay) react(ctx context.Context, commentID int64, ev Event) error {
	by := ev.Author
	if by.Platform == "" {
		by.Platform = ev.Place.Platform
	}
	if err := r.store.ReactAt(ctx, commentID, by, ev.Emoji, ev.Kind == ReactionAdded, ev.Place); err != nil {
		return fmt.Errorf("count reaction: %w", err)
	}
	return nil
}
