package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
)

// modelStore is what `herald export -format json` reads: the shared
// discussion model.
type modelStore interface {
	DiscussedArticles(ctx context.Context) ([]int64, error)
	Article(ctx context.Context, id int64) (bot.Article, error)
	Posts(ctx context.Context, articleID int64) ([]bot.PostRef, error)
	Comments(ctx context.Context, articleID int64) ([]bot.Comment, error)
	Mirrors(ctx context.Context, commentID int64) ([]bot.Mirror, error)
	Reactions(ctx context.Context, commentID int64) (map[string]int, error)
}

// The JSON export's shape. Field names are snake_case and stable: scripts
// read them. Times are RFC 3339 in UTC; a time that never happened (an
// uncorrected comment's edited) is left out.
type (
	modelDoc struct {
		Exported string         `json:"exported"`
		Articles []modelArticle `json:"articles"`
	}
	modelArticle struct {
		ID        int64          `json:"id"`
		FeedID    int64          `json:"feed_id"`
		Key       string         `json:"key"`
		URL       string         `json:"url,omitempty"`
		Title     string         `json:"title"`
		Author    string         `json:"author,omitempty"`
		Published string         `json:"published,omitempty"`
		Updated   string         `json:"updated,omitempty"`
		Posts     []modelPost    `json:"posts"`
		Comments  []modelComment `json:"comments"`
	}
	modelPost struct {
		Platform bot.Platform `json:"platform"`
		Channel  bot.RemoteID `json:"channel"`
		Message  bot.RemoteID `json:"message"`
		Thread   bot.RemoteID `json:"thread,omitempty"`
	}
	modelComment struct {
		ID      int64         `json:"id"`
		ReplyTo int64         `json:"reply_to,omitempty"` // the comment it answers
		Origin  modelPost     `json:"origin"`             // where it was written; Message is its id there
		Author  bot.Author    `json:"author"`
		Text    string        `json:"text"`          // the body as plain text
		Body    richtext.Text `json:"body,omitzero"` // the body in the rich-text model
		Created string        `json:"created"`
		Edited  string        `json:"edited,omitempty"`
		Deleted string        `json:"deleted,omitempty"` // the body is gone: shown as "comment removed"
		// IDs lists the comment's messages per platform: its origin and every
		// mirror, so one comment shows once with each platform's ids.
		IDs       map[bot.Platform][]bot.RemoteID `json:"ids"`
		Mirrors   []modelMirror                   `json:"mirrors"`
		Reactions map[string]int                  `json:"reactions,omitempty"`
	}
	modelMirror struct {
		Platform bot.Platform   `json:"platform"`
		Channel  bot.RemoteID   `json:"channel"`
		Messages []bot.RemoteID `json:"messages"`
	}
)

// exportJSON writes the shared model of one article (articleID > 0) or of
// every article that was posted or commented on.
func exportJSON(ctx context.Context, db modelStore, articleID int64, now time.Time) ([]byte, error) {
	ids := []int64{articleID}
	if articleID <= 0 {
		var err error
		if ids, err = db.DiscussedArticles(ctx); err != nil {
			return nil, err
		}
	}
	doc := modelDoc{Exported: stamp(now), Articles: []modelArticle{}}
	for _, id := range ids {
		a, err := exportArticle(ctx, db, id)
		if errors.Is(err, bot.ErrNotFound) && articleID > 0 {
			return nil, fmt.Errorf("-article %d: no such article", articleID)
		}
		if err != nil {
			return nil, fmt.Errorf("export article %d: %w", id, err)
		}
		doc.Articles = append(doc.Articles, a)
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the export: %w", err)
	}
	return append(out, '\n'), nil
}

func exportArticle(ctx context.Context, db modelStore, id int64) (modelArticle, error) {
	a, err := db.Article(ctx, id)
	if err != nil {
		return modelArticle{}, err
	}
	out := modelArticle{ID: a.ID, FeedID: a.FeedID, Key: a.Key, URL: a.URL, Title: a.Title, Author: a.Author,
		Published: stamp(a.Published), Updated: stamp(a.Updated), Posts: []modelPost{}, Comments: []modelComment{}}
	posts, err := db.Posts(ctx, id)
	if err != nil {
		return modelArticle{}, err
	}
	for _, p := range posts {
		out.Posts = append(out.Posts, modelPost{Platform: p.Place.Platform, Channel: p.Place.Channel, Message: p.Message, Thread: p.Thread})
	}
	comments, err := db.Comments(ctx, id)
	if err != nil {
		return modelArticle{}, err
	}
	for _, c := range comments {
		mc, err := exportComment(ctx, db, c)
		if err != nil {
			return modelArticle{}, err
		}
		out.Comments = append(out.Comments, mc)
	}
	return out, nil
}

func exportComment(ctx context.Context, db modelStore, c bot.Comment) (modelComment, error) {
	o := c.Origin
	out := modelComment{
		ID: c.ID, ReplyTo: c.ParentID, Author: c.Author, Text: c.Body.PlainText(), Body: c.Body,
		Origin:  modelPost{Platform: o.Place.Platform, Channel: o.Place.Channel, Message: o.Message, Thread: o.Thread},
		Created: stamp(c.Created), Edited: stamp(c.Edited), Deleted: stamp(c.Deleted),
		IDs:     map[bot.Platform][]bot.RemoteID{o.Place.Platform: {o.Message}},
		Mirrors: []modelMirror{},
	}
	mirrors, err := db.Mirrors(ctx, c.ID)
	if err != nil {
		return modelComment{}, err
	}
	for _, m := range mirrors {
		out.Mirrors = append(out.Mirrors, modelMirror{Platform: m.Place.Platform, Channel: m.Place.Channel, Messages: slices.Clone(m.IDs)})
		out.IDs[m.Place.Platform] = append(out.IDs[m.Place.Platform], m.IDs...)
	}
	if out.Reactions, err = db.Reactions(ctx, c.ID); err != nil {
		return modelComment{}, err
	}
	return out, nil
}

// stamp formats a time for the export; "" for the zero time.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
