package bot

import (
	"context"
	"time"

	"github.com/heraldchat/herald/richtext"
)

// Mirror is one copy of a comment in one place: the messages a connector
// created for it there, in part order (a long comment may take several).
type Mirror struct {
	CommentID int64
	Place     Place
	IDs       []RemoteID
}

// RelayStore keeps the shared comment model and its mirrors. Every method
// that changes a comment writes the outbox rows that change causes in the
// same transaction, so a crash can never leave a comment that is not
// mirrored, nor a mirror row for a comment that was not saved.
//
// Outbox keys are derived from the comment and the target, never random, so
// a replayed event yields the same key and the platform dedups the resend.
type RelayStore interface {
	// ArticleByThread finds the article whose post opened thread in place
	// (matched on the platform and thread; the channel too when it is set).
	// ErrNotFound when the thread is not an article's.
	ArticleByThread(ctx context.Context, place Place, thread RemoteID) (articleID int64, err error)

	// MirrorOwner says whether a message on platform is one Herald wrote:
	// it returns the comment the message mirrors, or 0 when the message is an
	// article post. ErrNotFound when Herald did not write it.
	MirrorOwner(ctx context.Context, platform Platform, id RemoteID) (commentID int64, err error)

	// CommentByOrigin finds a comment by the message it was written as.
	// ErrNotFound when unknown.
	CommentByOrigin(ctx context.Context, platform Platform, message RemoteID) (Comment, error)

	// SaveComment inserts c (c.ID is ignored) unless a comment with the same
	// origin (platform, message) exists, and for a new comment enqueues a
	// PostComment row for every place the article is posted in or is being
	// posted to, except the comment's own place. A replay returns the stored
	// comment with isNew false and enqueues nothing. When the origin was
	// deleted before it arrived (see DeleteComment) nothing is stored and the
	// returned comment has ID 0 and Deleted set.
	SaveComment(ctx context.Context, c Comment) (saved Comment, isNew bool, err error)

	// EditComment replaces the body of the comment written as (platform,
	// message) and enqueues an EditComment row for every place it is mirrored
	// to or being mirrored to. An edit older than the last one applied, a
	// replayed edit, or an edit of a deleted comment changes nothing
	// (changed is false). ErrNotFound when the comment is unknown.
	EditComment(ctx context.Context, platform Platform, message RemoteID, body richtext.Text, at time.Time) (c Comment, changed bool, err error)

	// DeleteComment marks the comment written as origin deleted, clears its
	// body and enqueues a DeleteComment row for every place it is mirrored to
	// or being mirrored to. When the comment is unknown it records a
	// tombstone, so that a create arriving late is dropped (changed is false
	// and the comment has ID 0). Deleting twice changes nothing.
	DeleteComment(ctx context.Context, articleID int64, origin PostRef, at time.Time) (c Comment, changed bool, err error)

	// CompleteMirror records the ids a connector created for a comment in
	// place and marks the outbox row done, in one transaction.
	CompleteMirror(ctx context.Context, rowID, commentID int64, place Place, ids []RemoteID) error

	// ClaimOutboxOrdered is ClaimOutbox that keeps each lane — the rows of one
	// article for one target place — in order: a row is claimed only when no
	// earlier row of its lane is still pending (leased, backing off or due),
	// across every instance sharing the store. Parked rows do not block.
	// Only rows of the given kinds are claimed, and only those block.
	ClaimOutboxOrdered(ctx context.Context, owner string, platforms []Platform, kinds []OutboxKind, now time.Time, lease time.Duration, limit int) ([]OutboxRow, error)

	// ReleaseOutbox gives a claimed row back, due now, without counting an
	// attempt: the deliverer stopped before it knew the outcome.
	ReleaseOutbox(ctx context.Context, rowID int64, owner string) error

	Comment(ctx context.Context, id int64) (Comment, error)
	// Mirrors lists a comment's mirrors, one per place.
	Mirrors(ctx context.Context, commentID int64) ([]Mirror, error)
	// Comments lists an article's comments, deleted ones included (they show
	// as "comment removed"), oldest first.
	Comments(ctx context.Context, articleID int64) ([]Comment, error)

	// ReactAt records (add) or removes one person's reaction, made in place
	// at, to a comment. Adding twice or removing what is not there changes
	// nothing.
	//
	// Mirroring: a reaction is mirrored as the bot's own reaction with the
	// same emoji on the other copies of the comment — its mirrors, and its
	// original when the reaction was made on a mirror — once per emoji.
	// Platforms cannot show who reacted through the bot, so one bot reaction
	// per emoji is the honest aggregate; the web shows the per-emoji counts.
	// So when the emoji's total on the comment goes 0→1, ReactAt enqueues a
	// ReactAdd row for every place holding a copy (or being sent one) except
	// at; when it goes 1→0 it enqueues a ReactRemove row for every such place,
	// at included (the bot reacted there if the first reaction was made
	// elsewhere). The rows are written in the same transaction as the count
	// and join the comment's lanes, so they go out after its mirror.
	ReactAt(ctx context.Context, commentID int64, by Author, emoji string, add bool, at Place) error
	// Reactions counts a comment's reactions by emoji.
	Reactions(ctx context.Context, commentID int64) (map[string]int, error)
}
