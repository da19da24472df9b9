package bot

import "time"

// The read models below are what the web pages and the JSON API show. The
// store fills them with a few aggregate queries, so a page is one round of
// reads rather than one query per article or comment.

// ArticleView is an article with what a reader sees beside it: how many
// comments it has and where it was posted.
type ArticleView struct {
	Article  Article
	Comments int        // visible comments: deleted ones are not counted
	Posts    []PostView // oldest first
}

// PostView is one place an article reached, and when.
type PostView struct {
	Ref PostRef
	At  time.Time
}

// DeliveryView is the state of an article's deliveries that did not simply
// succeed: rows still queued and rows parked with their error.
type DeliveryView struct {
	Pending int
	Parked  []OutboxRow
}

// DataVersion fingerprints the data behind a page: Tag changes whenever
// anything shown changes (a comment added, edited, deleted or reacted to,
// a post made, a row parked, the article updated).
type DataVersion struct {
	Tag string
}
