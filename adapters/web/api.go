package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/feeds"
	"github.com/heraldchat/herald/richtext/webhtml"
)

// The JSON API. Every answer is an object; errors are {"error": "..."}
// with a 4xx status saying what was wrong with the request. Times are
// RFC 3339 in UTC. Lists are paged with ?limit= and ?after=<id of the last
// item of the previous page>; "next" holds the URL of the next page.

type apiArticle struct {
	ID          int64      `json:"id"`
	FeedID      int64      `json:"feed_id"`
	Title       string     `json:"title"`
	URL         string     `json:"url,omitempty"`
	Author      string     `json:"author,omitempty"`
	Published   *time.Time `json:"published,omitempty"`
	Updated     *time.Time `json:"updated,omitempty"`
	Lang        string     `json:"lang,omitempty"`
	Image       string     `json:"image,omitempty"`
	SummaryHTML string     `json:"summary_html,omitempty"`
	Comments    int        `json:"comment_count"`
	Page        string     `json:"page"`
	CommentsAPI string     `json:"comments"`
	CommentFeed string     `json:"comments_atom"`
	Posts       []apiPost  `json:"posts"`
	Delivery    *apiStatus `json:"delivery,omitempty"`
}

type apiPost struct {
	Platform bot.Platform `json:"platform"`
	Channel  bot.RemoteID `json:"channel"`
	Message  bot.RemoteID `json:"message"`
	Thread   bot.RemoteID `json:"thread,omitempty"`
	At       *time.Time   `json:"at,omitempty"`
}

type apiStatus struct {
	Pending int         `json:"pending"`
	Parked  []apiParked `json:"parked"`
}

type apiParked struct {
	Platform bot.Platform   `json:"platform"`
	Channel  bot.RemoteID   `json:"channel"`
	Kind     bot.OutboxKind `json:"kind"`
	Attempts int            `json:"attempts"`
	Error    string         `json:"error"`
	Since    *time.Time     `json:"since,omitempty"`
}

type apiComment struct {
	ID        int64          `json:"id"`
	ParentID  int64          `json:"parent_id,omitempty"`
	Platform  bot.Platform   `json:"platform"`
	Author    *apiAuthor     `json:"author,omitempty"`
	Created   *time.Time     `json:"created,omitempty"`
	Edited    *time.Time     `json:"edited,omitempty"`
	Deleted   bool           `json:"deleted"`
	HTML      string         `json:"html,omitempty"`
	Text      string         `json:"text,omitempty"`
	Reactions map[string]int `json:"reactions,omitempty"`
}

type apiAuthor struct {
	Name     string       `json:"name"`
	Platform bot.Platform `json:"platform"`
}

func timePtr(t time.Time) *time.Time {
	// encoding/json refuses years past 9999 and fails the whole answer;
	// platforms set the times (a homeserver its events'), so such a time
	// is left out like an unknown one.
	if t.IsZero() || t.Year() < 1 || t.Year() > 9999 {
		return nil
	}
	u := t.UTC()
	return &u
}

func toAPIArticle(v bot.ArticleView) apiArticle {
	a := v.Article
	id := strconv.FormatInt(a.ID, 10)
	out := apiArticle{
		ID: a.ID, FeedID: a.FeedID, Title: a.Title, URL: a.URL, Author: a.Author,
		Published: timePtr(a.Published), Updated: timePtr(a.Updated), Lang: a.Lang, Image: a.Image,
		SummaryHTML: string(webhtml.HTML(a.Summary)), Comments: v.Comments,
		Page: "/articles/" + id, CommentsAPI: "/api/articles/" + id + "/comments",
		CommentFeed: "/articles/" + id + "/comments.atom", Posts: []apiPost{},
	}
	for _, p := range v.Posts {
		out.Posts = append(out.Posts, apiPost{Platform: p.Ref.Place.Platform, Channel: p.Ref.Place.Channel,
			Message: p.Ref.Message, Thread: p.Ref.Thread, At: timePtr(p.At)})
	}
	return out
}

func toAPIComment(c bot.Comment, reactions map[string]int) apiComment {
	out := apiComment{ID: c.ID, ParentID: c.ParentID, Platform: c.Origin.Place.Platform, Created: timePtr(c.Created)}
	if !c.Deleted.IsZero() {
		// Who wrote a removed comment and what it said are gone with it.
		out.Deleted = true
		return out
	}
	out.Author = &apiAuthor{Name: authorName(c.Author), Platform: c.Author.Platform}
	out.Edited = timePtr(c.Edited)
	out.HTML = string(webhtml.HTML(c.Body))
	out.Text = c.Body.PlainText()
	if len(reactions) > 0 {
		out.Reactions = reactions
	}
	return out
}

func (s *Site) apiArticles(w http.ResponseWriter, r *http.Request) {
	limit, after, bad := pageParams(r, defaultArticlePage, maxArticlePage)
	if bad != nil {
		apiError(w, bad.status(), bad.msg)
		return
	}
	if s.notModified(w, r, 0) {
		return
	}
	views, err := s.store.WebArticles(r.Context(), after, limit+1)
	if errors.Is(err, bot.ErrNotFound) {
		apiError(w, http.StatusBadRequest, fmt.Sprintf("after=%d: there is no article %d to continue after", after, after))
		return
	}
	if err != nil {
		s.apiInternal(w, r, err)
		return
	}
	out := struct {
		Articles []apiArticle `json:"articles"`
		Next     string       `json:"next,omitempty"`
	}{Articles: []apiArticle{}}
	if len(views) > limit {
		views = views[:limit]
		out.Next = nextURL("/api/articles", limit, views[len(views)-1].Article.ID)
	}
	for _, v := range views {
		out.Articles = append(out.Articles, toAPIArticle(v))
	}
	apiJSON(w, r, out)
}

func (s *Site) apiArticle(w http.ResponseWriter, r *http.Request) {
	id, bad := pathID(r)
	if bad != nil {
		apiError(w, bad.status(), bad.msg)
		return
	}
	if s.notModified(w, r, id) {
		return
	}
	v, err := s.store.WebArticle(r.Context(), id)
	if errors.Is(err, bot.ErrNotFound) {
		apiError(w, http.StatusNotFound, fmt.Sprintf("there is no article %d", id))
		return
	}
	if err != nil {
		s.apiInternal(w, r, err)
		return
	}
	d, err := s.store.WebDelivery(r.Context(), id)
	if err != nil {
		s.apiInternal(w, r, err)
		return
	}
	out := toAPIArticle(v)
	out.Delivery = &apiStatus{Pending: d.Pending, Parked: []apiParked{}}
	for _, row := range d.Parked {
		out.Delivery.Parked = append(out.Delivery.Parked, apiParked{Platform: row.Target.Platform, Channel: row.Target.Channel,
			Kind: row.Kind, Attempts: row.Attempts, Error: publicError(row.LastError), Since: timePtr(row.Created)})
	}
	apiJSON(w, r, out)
}

func (s *Site) apiComments(w http.ResponseWriter, r *http.Request) {
	id, bad := pathID(r)
	if bad == nil {
		var limit int
		var after int64
		if limit, after, bad = pageParams(r, defaultCommentPage, maxCommentPage); bad == nil {
			s.apiCommentPage(w, r, id, limit, after)
			return
		}
	}
	apiError(w, bad.status(), bad.msg)
}

func (s *Site) apiCommentPage(w http.ResponseWriter, r *http.Request, id int64, limit int, after int64) {
	if s.notModified(w, r, id) {
		return
	}
	ctx := r.Context()
	if _, err := s.store.WebArticle(ctx, id); errors.Is(err, bot.ErrNotFound) {
		apiError(w, http.StatusNotFound, fmt.Sprintf("there is no article %d", id))
		return
	} else if err != nil {
		s.apiInternal(w, r, err)
		return
	}
	cs, err := s.store.WebComments(ctx, id, after, limit+1)
	if errors.Is(err, bot.ErrNotFound) {
		apiError(w, http.StatusBadRequest, fmt.Sprintf("after=%d: article %d has no comment %d to continue after", after, id, after))
		return
	}
	if err != nil {
		s.apiInternal(w, r, err)
		return
	}
	reactions, err := s.store.WebReactions(ctx, id)
	if err != nil {
		s.apiInternal(w, r, err)
		return
	}
	out := struct {
		ArticleID int64        `json:"article_id"`
		Comments  []apiComment `json:"comments"`
		Next      string       `json:"next,omitempty"`
	}{ArticleID: id, Comments: []apiComment{}}
	if len(cs) > limit {
		cs = cs[:limit]
		out.Next = nextURL("/api/articles/"+strconv.FormatInt(id, 10)+"/comments", limit, cs[len(cs)-1].ID)
	}
	for _, c := range cs {
		out.Comments = append(out.Comments, toAPIComment(c, reactions[c.ID]))
	}
	apiJSON(w, r, out)
}

// apiCounts answers a news site's page: how many visible comments the
// discussion of its article has. Any site may ask (CORS *): the answer is
// public and carries no credentials.
func (s *Site) apiCounts(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	raw := strings.TrimSpace(r.URL.Query().Get("url"))
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		apiError(w, http.StatusBadRequest, fmt.Sprintf("url %q must be the article's absolute http(s) URL, e.g. /api/counts?url=https%%3A%%2F%%2Fnews.example%%2Fstory", raw))
		return
	}
	u.Fragment = "" // a fragment never reaches a server; articles are stored without it
	u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	u.RawQuery = dropTracking(u.Query(), u.RawQuery)
	n, found, err := s.store.WebCountByURL(r.Context(), u.String())
	if err != nil {
		s.apiInternal(w, r, err)
		return
	}
	if !found {
		apiError(w, http.StatusNotFound, fmt.Sprintf("no article has the URL %q", u.String()))
		return
	}
	// Counts change often and are cheap: let browsers and caches keep them a minute.
	w.Header().Set("Cache-Control", "public, max-age=60")
	writeAPI(w, r, http.StatusOK, struct {
		URL      string `json:"url"`
		Comments int    `json:"comments"`
	}{u.String(), n})
}

func preflight(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Allow-Methods", "GET")
	w.Header().Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}

func (s *Site) apiNotFound(w http.ResponseWriter, r *http.Request) {
	apiError(w, http.StatusNotFound, fmt.Sprintf("no API endpoint at %s (there are /api/articles, /api/articles/{id}, /api/articles/{id}/comments and /api/counts?url=)", r.URL.Path))
}

func nextURL(path string, limit int, after int64) string {
	return path + "?limit=" + strconv.Itoa(limit) + "&after=" + strconv.FormatInt(after, 10)
}

// apiJSON writes a successful answer; the validators were set by notModified.
func apiJSON(w http.ResponseWriter, r *http.Request, v any) { writeAPI(w, r, http.StatusOK, v) }

func writeAPI(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"could not encode the answer"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(append(body, '\n'))
	}
}

func apiError(w http.ResponseWriter, status int, msg string) {
	w.Header().Del("ETag")
	w.Header().Del("Last-Modified")
	w.Header().Set("Cache-Control", "no-store")
	body, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func (s *Site) apiInternal(w http.ResponseWriter, r *http.Request, err error) {
	s.opt.Logger.Error("api request failed", slog.String("path", r.URL.Path), slog.Any("error", err))
	apiError(w, http.StatusInternalServerError, "internal error; it has been logged")
}

// dropTracking removes the tracking parameters the feed engine strips from
// article links (utm_*, fbclid, mc_cid, _ga and the others), so the URL
// a reader arrived by still finds its article. Other parameters keep their
// order and spelling.
func dropTracking(q url.Values, raw string) string {
	if raw == "" {
		return ""
	}
	tracked := false
	for k := range q {
		if feeds.IsTrackingParam(k) {
			tracked = true
		}
	}
	if !tracked {
		return raw
	}
	var kept []string
	for _, part := range strings.Split(raw, "&") {
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if part == "" || feeds.IsTrackingParam(name) {
			continue
		}
		kept = append(kept, part)
	}
	return strings.Join(kept, "&")
}
