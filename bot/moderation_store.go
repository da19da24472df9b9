package bot

import (
	"context"
	"time"
)

// ModAction names what a moderator or a rule did, in the moderation log.
type ModAction string

// Moderation log actions. The rule actions (hold, drop, mask, remove) are
// logged with Herald as the actor and the rule as the reason.
const (
	ModDelete  ModAction = "delete"  // a moderator deleted a comment everywhere
	ModBan     ModAction = "ban"     // a moderator banned an author
	ModUnban   ModAction = "unban"   // a moderator lifted a ban
	ModPurge   ModAction = "purge"   // a ban's purge deleted an author's comments
	ModApprove ModAction = "approve" // a moderator released a held comment
	ModReject  ModAction = "reject"  // a moderator rejected a held comment
	ModHold    ModAction = "hold"    // a rule held a comment for review
	ModDrop    ModAction = "drop"    // a rule dropped a comment: not mirrored
	ModMask    ModAction = "mask"    // a rule masked words before mirroring
	ModRemove  ModAction = "remove"  // a banned author's new message was removed
)

// ModLogEntry is one line of the moderation log.
type ModLogEntry struct {
	ID     int64
	At     time.Time
	Actor  Author // who: a moderator, or Herald itself for rules
	Action ModAction
	Target string // what: "comment 42", "discord:1234", "held 7"
	Reason string // why: the moderator's words or the rule that matched
	// Ref makes a rule's entry about one message unique, so a replayed
	// event is not logged twice. Empty for moderators' actions.
	Ref string
}

// Ban keeps an author's comments from being relayed until Expires (zero:
// for good).
type Ban struct {
	Author  Author // Platform and ID identify them; Name is for display
	Reason  string
	By      Author
	Created time.Time
	Expires time.Time
}

// Active reports whether the ban holds at now.
func (b Ban) Active(now time.Time) bool { return b.Expires.IsZero() || now.Before(b.Expires) }

// HeldState is where a held comment is in review.
type HeldState string

// Review states.
const (
	HeldPending  HeldState = "held"
	HeldApproved HeldState = "approved"
	HeldRejected HeldState = "rejected"
)

// HeldComment is a comment a rule held for review. Comment has no ID until
// it is approved and saved.
type HeldComment struct {
	ID        int64
	Comment   Comment
	Reason    string
	State     HeldState
	Decided   time.Time
	DecidedBy string
}

// AuthorActivity is what the rules need to know of an author: their
// comments and held comments since a time (for rate limits and duplicates)
// and whether Herald has seen them before.
type AuthorActivity struct {
	Recent []Comment // written at or after since, oldest first; deleted ones excluded
	Seen   int       // comments they wrote before, any time (held ones not counted)
}

// ModerationStore keeps bans, the review queue and the moderation log, and
// applies moderation to comments. Every method that removes or releases a
// comment writes the outbox rows it causes and its log entry in the same
// transaction as the change, so nothing is half-done after a crash.
type ModerationStore interface {
	// Ban returns the ban of an author; ErrNotFound when there is none
	// (expired bans are returned too: the caller checks Active).
	Ban(ctx context.Context, platform Platform, id RemoteID) (Ban, error)
	// SetBan bans an author (replacing an earlier ban) and logs it.
	SetBan(ctx context.Context, b Ban, entry ModLogEntry) error
	// LiftBan removes a ban and logs it; ErrNotFound when there was none.
	LiftBan(ctx context.Context, platform Platform, id RemoteID, entry ModLogEntry) error
	// Bans lists the bans, newest first.
	Bans(ctx context.Context) ([]Ban, error)

	// AuthorActivity reports an author's comments (saved or held) written at
	// or after since, except the one written as exclude, and whether they
	// wrote anything before.
	AuthorActivity(ctx context.Context, platform Platform, id RemoteID, since time.Time, exclude RemoteID) (AuthorActivity, error)
	// AuthorsNamed finds the authors who wrote comments under a display name
	// (case-insensitive), most recent first.
	AuthorsNamed(ctx context.Context, name string) ([]Author, error)
	// CommentsBy lists an author's comments that are not deleted.
	CommentsBy(ctx context.Context, platform Platform, id RemoteID) ([]Comment, error)

	// Hold puts a comment in the review queue and logs why. A comment
	// already queued (a replay) is returned as it is, with its state.
	Hold(ctx context.Context, c Comment, reason string, entry ModLogEntry) (HeldComment, error)
	// HeldByOrigin finds a queued comment by its origin message.
	HeldByOrigin(ctx context.Context, platform Platform, message RemoteID) (HeldComment, error)
	// UpdateHeld replaces the body of a comment still waiting for review
	// (its author edited it).
	UpdateHeld(ctx context.Context, id int64, c Comment) error
	// Held returns one queued comment; HeldComments lists those waiting,
	// oldest first (limit <= 0: all).
	Held(ctx context.Context, id int64) (HeldComment, error)
	HeldComments(ctx context.Context, limit int) ([]HeldComment, error)
	// DecideHeld marks a queued comment approved or rejected and logs it. A
	// rejected one is stored as a deleted comment and its origin message is
	// queued for removal (RemoveComment's origin row). It fails with
	// ErrNotFound when the entry is unknown and with ErrExists when it was
	// decided already.
	DecideHeld(ctx context.Context, id int64, state HeldState, at time.Time, entry ModLogEntry) (HeldComment, error)

	// Drop records that a rule kept a comment off every platform: its origin
	// is tombstoned (a replay or late edit never brings it back) and the
	// decision logged. With removeOrigin the message is also stored as a
	// deleted comment and its removal on its own platform queued.
	Drop(ctx context.Context, c Comment, removeOrigin bool, at time.Time, entry ModLogEntry) error
	// RemoveComment deletes a comment for good, as a moderator: it is marked
	// deleted with its body cleared, a DeleteComment row is queued for every
	// mirror and one for its origin message (on Discord and Matrix), and the
	// entry is logged. changed is false when it was deleted already (then
	// nothing is queued or logged).
	RemoveComment(ctx context.Context, commentID int64, at time.Time, entry ModLogEntry) (c Comment, changed bool, err error)

	// AddModLog writes an entry (an entry with a Ref already logged is
	// skipped); ModLog lists the latest entries, newest first.
	AddModLog(ctx context.Context, e ModLogEntry) error
	ModLog(ctx context.Context, limit int) ([]ModLogEntry, error)
}
