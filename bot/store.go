package bot

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"strings"
	"time"
)

// Sentinel errors the store returns so callers can branch on them.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
)

// FeedSpec declares a feed and its routes, from the config file or a command.
type FeedSpec struct {
	URL      string
	Name     string
	Schedule string
	Options  []byte // JSON, see Feed.Options
	Routes   []RouteSpec
}

// RouteSpec declares one route of a feed.
type RouteSpec struct {
	Place   Place
	Options []byte // JSON, see Route.Options
}

// PollRecord is the outcome of one poll, written back with the lease released.
type PollRecord struct {
	CheckedAt    time.Time
	NextCheck    time.Time
	ETag         string
	LastModified string
	OK           bool   // the poll succeeded (a 304 is a success)
	Error        string // a message a person understands, when !OK
	Failures     int    // consecutive failures after this poll
	Pause        bool   // pause the feed (too many failures)
	PauseReason  string
	Primed       bool
}

// Delivery asks for an article to be posted to one place.
type Delivery struct {
	Place     Place
	Kind      OutboxKind // PostArticle, or DigestEntry for a digest route
	NotBefore time.Time  // quiet hours: not sent before this time
}

// Incoming is a normalized article and where it should go if it is new.
type Incoming struct {
	Article    Article
	Deliveries []Delivery
}

// IngestOutcome says what Ingest did with one article.
type IngestOutcome string

// Ingest outcomes.
const (
	ArticleNew       IngestOutcome = "new"
	ArticleUpdated   IngestOutcome = "updated" // content hash changed: posts get EditArticle rows
	ArticleUnchanged IngestOutcome = "unchanged"
	ArticleRemoved   IngestOutcome = "tombstoned" // an admin removed it: never again
)

// IngestResult pairs an article with what happened to it.
type IngestResult struct {
	ArticleID int64
	Outcome   IngestOutcome
}

// OutboxKind says what an outbox row asks an adapter to do.
type OutboxKind string

// Outbox kinds.
const (
	PostArticle   OutboxKind = "post_article"
	EditArticle   OutboxKind = "edit_article"
	DigestEntry   OutboxKind = "digest_entry"
	PostComment   OutboxKind = "post_comment"
	EditComment   OutboxKind = "edit_comment"
	DeleteComment OutboxKind = "delete_comment"
	// ReactAdd and ReactRemove put or take back the bot's reaction with
	// OutboxRow.Emoji on a copy of a comment (see RelayStore.ReactAt).
	ReactAdd    OutboxKind = "react_add"
	ReactRemove OutboxKind = "react_remove"
)

// OutboxState is where a row is in its life.
type OutboxState string

// Outbox states.
const (
	OutboxPending OutboxState = "pending"
	OutboxDone    OutboxState = "done"
	OutboxParked  OutboxState = "parked" // kept failing: an admin must look
)

// OutboxRow is one thing to send. Key is unique and stable: adapters use it
// as the platform's idempotency key (Discord nonce, Matrix txnId). Build it
// with OutboxKey from what identifies the delivery.
type OutboxRow struct {
	ID        int64
	Kind      OutboxKind
	Target    Place
	ArticleID int64
	CommentID int64
	Emoji     string // ReactAdd, ReactRemove: the reaction; "" for other kinds
	Key       string
	State     OutboxState
	Attempts  int
	NotBefore time.Time
	LastError string
	Created   time.Time
}

// OutboxKey derives an outbox key from the parts that identify one delivery
// (kind, ids, place, revision…). The same parts always give the same key, so
// queuing the same delivery twice is a no-op. The key is 25 characters of
// [a-z2-7], short enough for a Discord nonce (at most 25) and valid as a
// Matrix transaction id.
func OutboxKey(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return "k" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:15]))
}

// FeedStore keeps feeds, routes and their polling state.
type FeedStore interface {
	// SyncConfigFeeds makes the config's feeds (origin config) match specs,
	// matched by URL: new ones are added, changed ones updated, routes
	// replaced, and config feeds no longer listed are removed. Feeds added by
	// command are left alone.
	SyncConfigFeeds(ctx context.Context, specs []FeedSpec) error
	// AddFeed adds a feed; ErrExists when its URL is already there.
	AddFeed(ctx context.Context, spec FeedSpec, origin FeedOrigin) (Feed, error)
	// RemoveFeed stops a feed: not listed, not polled, routes gone, pending
	// posts of its articles dropped. Its articles stay; adding the URL again
	// brings the feed back with its dedup history.
	RemoveFeed(ctx context.Context, id int64) error
	SetFeedPaused(ctx context.Context, id int64, paused bool, reason string) error
	Feed(ctx context.Context, id int64) (Feed, error)
	FeedByURL(ctx context.Context, url string) (Feed, error)
	ListFeeds(ctx context.Context) ([]Feed, error)
	Routes(ctx context.Context, feedID int64) ([]Route, error)
	// LeaseDueFeeds claims up to limit feeds that are not paused, are due
	// (next_check <= now) and whose lease has expired (this owner's own
	// unexpired leases included), until now+lease, earliest due first.
	LeaseDueFeeds(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]Feed, error)
	// RecordPoll writes a poll's outcome and releases the lease. ETag,
	// LastModified and the last success are written only when OK; Primed
	// only ever turns on.
	RecordPoll(ctx context.Context, feedID int64, r PollRecord) error
}

// ArticleStore keeps articles, tombstones and where they were posted.
type ArticleStore interface {
	// Ingest stores articles of one feed in one transaction, deduplicated by
	// (feed, key). New articles get an outbox row per delivery; updated ones
	// get an EditArticle row per existing post; tombstoned keys are skipped.
	// A PostArticle delivery to a place in a mirror group (links) also
	// queues the article for the group's other places.
	Ingest(ctx context.Context, feedID int64, items []Incoming) ([]IngestResult, error)
	Article(ctx context.Context, id int64) (Article, error)
	// Tombstone removes an article for good: it is never ingested again.
	// Its outbox rows, post records and comments go with it, so read Posts
	// first to delete the platform messages.
	Tombstone(ctx context.Context, articleID int64) error
	Posts(ctx context.Context, articleID int64) ([]PostRef, error)
}

// OutboxStore is the delivery queue.
type OutboxStore interface {
	// Enqueue adds pending rows in one transaction; every row needs a Key,
	// and a row whose Key is already queued (in any state) is skipped. A
	// PostArticle row to a linked place brings rows for its group's other
	// places, as Ingest does.
	Enqueue(ctx context.Context, rows ...OutboxRow) error
	// ClaimOutbox leases up to limit pending rows for the platforms (all
	// when none are given), due by now, whose lease expired, oldest first.
	// DigestEntry rows are never claimed: they wait for their digest.
	ClaimOutbox(ctx context.Context, owner string, platforms []Platform, now time.Time, lease time.Duration, limit int) ([]OutboxRow, error)
	// CompletePost records where an article went and marks the row done, in
	// one transaction.
	CompletePost(ctx context.Context, rowID int64, ref PostRef) error
	// CompleteOutbox marks a row done when there is nothing to record.
	CompleteOutbox(ctx context.Context, rowID int64) error
	// RetryOutbox records a failure (attempts+1) and makes the row due again
	// at at. A row that is no longer pending is left alone.
	RetryOutbox(ctx context.Context, rowID int64, errMsg string, at time.Time) error
	// ParkOutbox stops retrying a row (attempts+1) and keeps its error for
	// admins.
	ParkOutbox(ctx context.Context, rowID int64, errMsg string) error
	// OutboxRows lists rows in a state, oldest first; limit <= 0 means all.
	OutboxRows(ctx context.Context, state OutboxState, limit int) ([]OutboxRow, error)
}

// StateStore keeps small named values an adapter must not lose: a Matrix
// sync token, a device id, a Discord session.
type StateStore interface {
	State(ctx context.Context, key string) (string, error) // ErrNotFound when unset
	SetState(ctx context.Context, key, value string) error
}

// Store is everything the core keeps.
type Store interface {
	FeedStore
	ArticleStore
	OutboxStore
	StateStore
	Ping(ctx context.Context) error
	Close() error
}
