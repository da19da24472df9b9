package bot

import (
	"context"
	"time"

	"github.com/heraldchat/herald/richtext"
)

// Connector is what each chat platform adapter implements. (DESIGN.md calls
// it Platform; that name is taken by the Platform type.)
type Connector interface {
	Name() Platform
	// Run connects and hands what people do to the inbox until ctx ends.
	Run(ctx context.Context, in Inbox) error
	// PostArticle posts an article and opens its discussion thread. key is
	// the outbox row's idempotency key: a resend with the same key must not
	// post twice.
	PostArticle(ctx context.Context, to Place, a Article, key string) (PostRef, error)
	// PostComment mirrors a comment into a thread and returns the ids of
	// every message it took (a long comment may be split in parts).
	PostComment(ctx context.Context, in PostRef, c Comment, key string) ([]RemoteID, error)
}

// Editor is implemented by connectors that can change what they posted.
type Editor interface {
	EditArticle(ctx context.Context, at PostRef, a Article) error
	EditComment(ctx context.Context, at Place, ids []RemoteID, c Comment) error
}

// Deleter is implemented by connectors that can remove what they posted.
type Deleter interface {
	Delete(ctx context.Context, at Place, ids []RemoteID) error
}

// EventKind says what happened on a platform.
type EventKind string

// Event kinds.
const (
	MessageCreated EventKind = "message"
	MessageEdited  EventKind = "edit"
	MessageDeleted EventKind = "delete"
	ReactionAdded  EventKind = "reaction_add"
	ReactionGone   EventKind = "reaction_remove"
)

// Event is something a person did in a place Herald watches.
type Event struct {
	Kind     EventKind
	Place    Place    // the channel or room (the thread's parent)
	Thread   RemoteID // the thread it happened in; empty outside threads
	Message  RemoteID // the message created, edited, deleted or reacted to
	ReplyTo  RemoteID // the message it answers, when the platform says
	Author   Author
	Body     richtext.Text
	Emoji    string // for reactions
	Time     time.Time
	Received time.Time // when the adapter got it, for relay latency
}

// Inbox takes events from the adapters. Receive returns once the event is
// durably recorded (or deliberately ignored), so an adapter may then store
// its position (a sync token, say).
type Inbox interface {
	Receive(ctx context.Context, ev Event) error
}
