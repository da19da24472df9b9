// Package bot is Herald's core: the shared model, ingest of feed articles,
// the delivery outbox, the comment relay, moderation and the command tree.
// Adapters and the store plug into the interfaces declared here.
package bot

import (
	"time"

	"github.com/heraldchat/herald/richtext"
)

// Platform names where a post or a comment lives.
type Platform string

// The platforms Herald knows.
const (
	Discord Platform = "discord"
	Matrix  Platform = "matrix"
	Web     Platform = "web"
	Source  Platform = "source" // the news site's own comments
)

// RemoteID is a platform's own id: a Discord snowflake, a Matrix event or room id.
type RemoteID string

// Place is a channel or room on one platform.
type Place struct {
	Platform Platform `json:"platform"`
	Channel  RemoteID `json:"channel"`
}

func (p Place) String() string { return string(p.Platform) + ":" + string(p.Channel) }

// PostRef says where an article was posted: the message and the thread it opened.
// On Discord a thread started from a message has the message's id; on Matrix
// the thread is rooted at the post's event id.
type PostRef struct {
	Place   Place    `json:"place"`
	Message RemoteID `json:"message"`
	Thread  RemoteID `json:"thread,omitempty"`
}

// FeedOrigin says who declared a feed: the config file or an admin command.
type FeedOrigin string

// Feed origins.
const (
	FromConfig  FeedOrigin = "config"
	FromCommand FeedOrigin = "command"
)

// Feed is a polled source and its polling state.
type Feed struct {
	ID           int64
	URL          string
	Name         string
	Schedule     string // cron spec or descriptor; empty means the config default
	Origin       FeedOrigin
	Options      []byte // JSON of per-feed options (filters, templates, colour); owned by the poller
	ETag         string
	LastModified string
	NextCheck    time.Time
	LastCheck    time.Time
	LastSuccess  time.Time
	Failures     int
	LastError    string
	Paused       bool
	PausedReason string
	Primed       bool // the first poll happened: later polls post new items
}

// Route sends a feed's articles to one place.
type Route struct {
	ID      int64
	FeedID  int64
	Place   Place
	Options []byte // JSON of per-route options (template, quiet hours, digest, mentions)
}

// Article is one feed item, stored once, however many places it reaches.
type Article struct {
	ID           int64
	FeedID       int64
	Key          string // dedup key: guid, else canonical link, else a hash of title + summary
	GUID         string
	URL          string
	Title        string
	Summary      richtext.Text
	Body         richtext.Text
	Image        string
	Author       string
	Categories   []string
	Published    time.Time
	Updated      time.Time
	Lang         string
	CommentsFeed string // wfw:commentRss or the config's pattern
	CommentCount int    // slash:comments, when the feed says
	Hash         string // content hash: a change means the article was updated
}

// Author is who wrote a comment, as their platform knows them.
type Author struct {
	Platform  Platform `json:"platform"`
	ID        RemoteID `json:"id"`
	Name      string   `json:"name"`
	AvatarURL string   `json:"avatar_url,omitempty"`
}

// Comment is one message of an article's discussion, wherever it was written.
type Comment struct {
	ID        int64
	ArticleID int64
	ParentID  int64   // the comment it replies to, 0 for none
	Origin    PostRef // where it was written: Message is its own id there
	Author    Author
	Body      richtext.Text
	Created   time.Time
	Edited    time.Time
	Deleted   time.Time
}
