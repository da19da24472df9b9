package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/bot/render"
)

// articleItem is one article in the list on the front page.
type articleItem struct {
	ID       int64
	Title    string
	Host     string // the news site, from the article's URL
	When     string
	ISO      string
	Comments int
	Places   []placeView
}

// placeView is one place an article reached.
type placeView struct {
	Platform string // class suffix
	Badge    string
	Channel  string
	When     string
	ISO      string
}

// parkedView is a delivery that failed for good.
type parkedView struct {
	Platform string
	Badge    string
	Channel  string
	What     string
	Attempts int
	Error    string
}

type indexPage struct {
	Title    string
	Articles []articleItem
	Older    string // link to the next page, "" on the last
}

type articlePage struct {
	Title      string
	ArticleID  int64
	Card       template.HTML
	Source     string // the article's own URL, when safe to link
	Count      int
	Comments   []*commentView
	Places     []placeView
	Pending    int
	Parked     []parkedView
	FeedURL    string
	SiteTitle  string
	AnyRemoved bool
}

type errorPage struct {
	Title   string
	Status  int
	Message string
}

func (s *Site) serveIndex(w http.ResponseWriter, r *http.Request) {
	_, after, bad := pageParams(r, defaultArticlePage, maxArticlePage)
	if bad != nil {
		s.pageError(w, bad.status(), bad.msg)
		return
	}
	if s.notModified(w, r, 0) {
		return
	}
	views, err := s.store.WebArticles(r.Context(), after, defaultArticlePage+1)
	if errors.Is(err, bot.ErrNotFound) {
		s.pageError(w, http.StatusNotFound, fmt.Sprintf("There is no article %d to continue the list after.", after))
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	page := indexPage{Title: s.opt.Title}
	if len(views) > defaultArticlePage {
		views = views[:defaultArticlePage]
		page.Older = "/?after=" + strconv.FormatInt(views[len(views)-1].Article.ID, 10)
	}
	for _, v := range views {
		a := v.Article
		page.Articles = append(page.Articles, articleItem{
			ID: a.ID, Title: titleOf(a), Host: hostOf(a.URL),
			When: s.when(a.Published), ISO: iso(a.Published),
			Comments: v.Comments, Places: s.places(v.Posts),
		})
	}
	s.render(w, r, http.StatusOK, "index.html", page)
}

func (s *Site) serveArticle(w http.ResponseWriter, r *http.Request) {
	id, bad := pathID(r)
	if bad != nil {
		s.pageError(w, bad.status(), bad.msg)
		return
	}
	if s.notModified(w, r, id) {
		return
	}
	ctx := r.Context()
	v, err := s.store.WebArticle(ctx, id)
	if errors.Is(err, bot.ErrNotFound) {
		s.pageError(w, http.StatusNotFound, fmt.Sprintf("There is no article %d.", id))
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	cs, err := s.store.Comments(ctx, id)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	reactions, err := s.store.WebReactions(ctx, id)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	delivery, err := s.store.WebDelivery(ctx, id)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	card, err := render.WebArticle(v.Article)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	page := articlePage{
		Title:     titleOf(v.Article) + " · " + s.opt.Title,
		SiteTitle: s.opt.Title,
		ArticleID: id,
		Card:      card,
		Count:     v.Comments,
		Comments:  buildThread(cs, reactions, s.opt.Location),
		Places:    s.places(v.Posts),
		Pending:   delivery.Pending,
		FeedURL:   "/articles/" + strconv.FormatInt(id, 10) + "/comments.atom",
	}
	for _, row := range delivery.Parked {
		page.Parked = append(page.Parked, parkedView{
			Platform: platformClass(row.Target.Platform), Badge: badge(row.Target.Platform),
			Channel: string(row.Target.Channel), What: kindName(row.Kind), Attempts: row.Attempts, Error: publicError(row.LastError),
		})
	}
	s.render(w, r, http.StatusOK, "article.html", page)
}

// kindName says what a delivery was for, for people.
func kindName(k bot.OutboxKind) string {
	switch k {
	case bot.PostArticle:
		return "post the article"
	case bot.EditArticle:
		return "update the article"
	case bot.PostComment:
		return "mirror a comment"
	case bot.EditComment:
		return "mirror an edit"
	case bot.DeleteComment:
		return "remove a comment"
	case bot.DigestEntry:
		return "digest"
	}
	return string(k)
}

func (s *Site) places(posts []bot.PostView) []placeView {
	out := make([]placeView, 0, len(posts))
	for _, p := range posts {
		out = append(out, placeView{
			Platform: platformClass(p.Ref.Place.Platform), Badge: badge(p.Ref.Place.Platform),
			Channel: string(p.Ref.Place.Channel), When: s.when(p.At), ISO: iso(p.At),
		})
	}
	return out
}

func (s *Site) when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.opt.Location).Format(timeLayout)
}

func iso(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func titleOf(a bot.Article) string {
	if a.Title != "" {
		return a.Title
	}
	if a.URL != "" {
		return a.URL
	}
	return "Article " + strconv.FormatInt(a.ID, 10)
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// render executes a template into a buffer first, so a failure half-way
// gives a clean 500 instead of half a page.
func (s *Site) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, name, data); err != nil {
		s.internal(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	pageHeaders(w)
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = buf.WriteTo(w)
	}
}

func (s *Site) pageError(w http.ResponseWriter, status int, msg string) {
	var buf bytes.Buffer
	page := errorPage{Title: http.StatusText(status) + " · " + s.opt.Title, Status: status, Message: msg}
	if err := s.pages["error.html"].ExecuteTemplate(&buf, "error.html", page); err != nil {
		http.Error(w, msg, status)
		return
	}
	w.Header().Del("ETag")
	w.Header().Del("Last-Modified")
	pageHeaders(w)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// internal logs what went wrong and tells the reader only that it did:
// store errors may name tables and hosts.
func (s *Site) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.opt.Logger.Error("web request failed", slog.String("path", r.URL.Path), slog.Any("error", err))
	s.pageError(w, http.StatusInternalServerError, "Something went wrong on our side. Please try again in a moment.")
}
