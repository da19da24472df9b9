package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/heraldchat/herald/richtext"
)

// removedPlaceholder is the text of a mirror re-sent only to be deleted.
const removedPlaceholder = "(comment removed)"

// Parent is the comment a mirrored comment answers, with the messages that
// stand for it in the place the reply goes to (its own message when it was
// written there, else its mirror there).
type Parent struct {
	Comment Comment
	IDs     []RemoteID
}

// ReplyPoster is implemented by connectors that can make a mirrored comment
// point at the mirrored parent (a Discord message reference, a Matrix
// m.in_reply_to inside the thread). Connectors without it get PostComment
// and may quote the parent themselves.
type ReplyPoster interface {
	PostReply(ctx context.Context, in PostRef, c Comment, parent Parent, key string) ([]RemoteID, error)
}

// recordFunc writes a successful delivery's outcome to the store.
type recordFunc func(ctx context.Context) error

// send performs one row through its connector. On success it returns how to
// record the outcome; rows with nothing left to do succeed with a record that
// just marks them done.
func (d *Deliverer) send(ctx context.Context, row OutboxRow) (recordFunc, error) {
	conn, ok := d.conns[row.Target.Platform]
	if !ok {
		return nil, fmt.Errorf("no connector for platform %q: %w", row.Target.Platform, ErrPermanent)
	}
	switch row.Kind {
	case PostArticle:
		return d.sendArticle(ctx, conn, row)
	case EditArticle:
		return d.sendArticleEdit(ctx, conn, row)
	case PostComment:
		return d.sendComment(ctx, conn, row)
	case EditComment:
		return d.sendCommentEdit(ctx, conn, row)
	case DeleteComment:
		return d.sendCommentDelete(ctx, conn, row)
	case ReactAdd, ReactRemove:
		return d.sendReaction(ctx, conn, row)
	}
	return nil, fmt.Errorf("outbox row kind %q is not the deliverer's: %w", row.Kind, ErrPermanent)
}

// skip finishes a row that has nothing left to do, saying why in the log.
func (d *Deliverer) skip(row OutboxRow, why string) (recordFunc, error) {
	d.opt.Logger.Info("outbox row needs no delivery", slog.Int64("row_id", row.ID),
		slog.String("kind", string(row.Kind)), slog.String("target", row.Target.String()), slog.String("reason", why))
	return func(ctx context.Context) error { return d.store.CompleteOutbox(ctx, row.ID) }, nil
}

func (d *Deliverer) sendArticle(ctx context.Context, conn Connector, row OutboxRow) (recordFunc, error) {
	a, err := d.store.Article(ctx, row.ArticleID)
	if errors.Is(err, ErrNotFound) {
		return d.skip(row, "article removed")
	}
	if err != nil {
		return nil, fmt.Errorf("load article %d: %w", row.ArticleID, err)
	}
	ref, err := conn.PostArticle(ctx, row.Target, a, row.Key)
	if err != nil {
		return nil, fmt.Errorf("post article %d to %s: %w", a.ID, row.Target, err)
	}
	return func(ctx context.Context) error { return d.store.CompletePost(ctx, row.ID, ref) }, nil
}

func (d *Deliverer) sendArticleEdit(ctx context.Context, conn Connector, row OutboxRow) (recordFunc, error) {
	ed, ok := conn.(Editor)
	if !ok {
		return d.skip(row, "platform cannot edit")
	}
	a, err := d.store.Article(ctx, row.ArticleID)
	if errors.Is(err, ErrNotFound) {
		return d.skip(row, "article removed")
	}
	if err != nil {
		return nil, fmt.Errorf("load article %d: %w", row.ArticleID, err)
	}
	ref, err := d.postAt(ctx, row.ArticleID, row.Target)
	if errors.Is(err, ErrNotFound) {
		return d.skip(row, "article was not posted there")
	}
	if err != nil {
		return nil, err
	}
	if err := ed.EditArticle(ctx, ref, a); err != nil {
		return nil, fmt.Errorf("edit article %d in %s: %w", a.ID, row.Target, err)
	}
	return func(ctx context.Context) error { return d.store.CompleteOutbox(ctx, row.ID) }, nil
}

func (d *Deliverer) sendComment(ctx context.Context, conn Connector, row OutboxRow) (recordFunc, error) {
	c, err := d.store.Comment(ctx, row.CommentID)
	if errors.Is(err, ErrNotFound) {
		return d.skip(row, "comment removed")
	}
	if err != nil {
		return nil, fmt.Errorf("load comment %d: %w", row.CommentID, err)
	}
	if !c.Deleted.IsZero() {
		if row.Attempts == 0 {
			return d.skip(row, "comment deleted before it was mirrored")
		}
		// An earlier attempt may have posted it (its answer was lost, or its
		// instance died). Sending again under the same key makes the
		// platform hand back that message; recorded, it is removed by the
		// DeleteComment row behind this one in the lane. The text is gone:
		// had nothing been posted, a placeholder appears and is removed.
		c.Body = richtext.FromPlain(removedPlaceholder)
	}
	ref, err := d.postAt(ctx, c.ArticleID, row.Target)
	if errors.Is(err, ErrNotFound) {
		// Its lane held it until the article's own row was settled: the
		// article was parked there, so the thread does not exist.
		return nil, fmt.Errorf("comment %d: article %d has no thread in %s: %w", c.ID, c.ArticleID, row.Target, ErrPermanent)
	}
	if err != nil {
		return nil, err
	}
	var ids []RemoteID
	rp, canReply := conn.(ReplyPoster)
	parent, err := d.parentAt(ctx, c, row.Target)
	if err != nil {
		return nil, err
	}
	if canReply && parent != nil {
		ids, err = rp.PostReply(ctx, ref, c, *parent, row.Key)
	} else {
		ids, err = conn.PostComment(ctx, ref, c, row.Key)
	}
	if err != nil {
		return nil, fmt.Errorf("mirror comment %d to %s: %w", c.ID, row.Target, err)
	}
	return func(ctx context.Context) error {
		return d.store.CompleteMirror(ctx, row.ID, c.ID, row.Target, ids)
	}, nil
}

func (d *Deliverer) sendCommentEdit(ctx context.Context, conn Connector, row OutboxRow) (recordFunc, error) {
	ed, ok := conn.(Editor)
	if !ok {
		return d.skip(row, "platform cannot edit")
	}
	c, err := d.store.Comment(ctx, row.CommentID)
	if errors.Is(err, ErrNotFound) {
		return d.skip(row, "comment removed")
	}
	if err != nil {
		return nil, fmt.Errorf("load comment %d: %w", row.CommentID, err)
	}
	if !c.Deleted.IsZero() {
		return d.skip(row, "comment deleted")
	}
	ids, err := d.mirrorAt(ctx, c.ID, row.Target)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return d.skip(row, "comment not mirrored there")
	}
	if err := ed.EditComment(ctx, row.Target, ids, c); err != nil {
		return nil, fmt.Errorf("edit mirror of comment %d in %s: %w", c.ID, row.Target, err)
	}
	return func(ctx context.Context) error { return d.store.CompleteOutbox(ctx, row.ID) }, nil
}

func (d *Deliverer) sendCommentDelete(ctx context.Context, conn Connector, row OutboxRow) (recordFunc, error) {
	del, ok := conn.(Deleter)
	if !ok {
		return d.skip(row, "platform cannot delete")
	}
	ids, err := d.mirrorAt(ctx, row.CommentID, row.Target)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return d.deleteOrigin(ctx, conn, row) // a moderator's removal of the original, or nothing to do
	}
	// Deleters treat "already gone" as success, so a resend is harmless.
	if err := del.Delete(ctx, row.Target, ids); err != nil {
		return nil, fmt.Errorf("delete mirror of comment %d in %s: %w", row.CommentID, row.Target, err)
	}
	return func(ctx context.Context) error { return d.store.CompleteOutbox(ctx, row.ID) }, nil
}

// postAt finds where an article was posted in place; ErrNotFound if it was not.
func (d *Deliverer) postAt(ctx context.Context, articleID int64, place Place) (PostRef, error) {
	posts, err := d.store.Posts(ctx, articleID)
	if err != nil {
		return PostRef{}, fmt.Errorf("load posts of article %d: %w", articleID, err)
	}
	for _, p := range posts {
		if p.Place == place {
			return p, nil
		}
	}
	return PostRef{}, ErrNotFound
}

// mirrorAt returns the messages that mirror a comment in place, if any.
func (d *Deliverer) mirrorAt(ctx context.Context, commentID int64, place Place) ([]RemoteID, error) {
	ms, err := d.store.Mirrors(ctx, commentID)
	if err != nil {
		return nil, fmt.Errorf("load mirrors of comment %d: %w", commentID, err)
	}
	for _, m := range ms {
		if m.Place == place {
			return m.IDs, nil
		}
	}
	return nil, nil
}

// parentAt returns the comment c answers with its messages in place, or nil
// when c answers nothing, or its parent is gone or has no message there.
func (d *Deliverer) parentAt(ctx context.Context, c Comment, place Place) (*Parent, error) {
	if c.ParentID == 0 {
		return nil, nil
	}
	p, err := d.store.Comment(ctx, c.ParentID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load parent %d of comment %d: %w", c.ParentID, c.ID, err)
	}
	if !p.Deleted.IsZero() {
		return nil, nil
	}
	ids := []RemoteID{p.Origin.Message}
	if p.Origin.Place != place {
		if ids, err = d.mirrorAt(ctx, p.ID, place); err != nil {
			return nil, err
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return &Parent{Comment: p, IDs: ids}, nil
}
