package web

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/heraldchat/herald/bot"
)

// SiteStore is what the pages and the API read. *store.DB implements it.
type SiteStore interface {
	// WebArticles lists articles newest first after the article with id
	// after (0: from the start); ErrNotFound when after is unknown.
	WebArticles(ctx context.Context, after int64, limit int) ([]bot.ArticleView, error)
	WebArticle(ctx context.Context, id int64) (bot.ArticleView, error)
	// Comments lists all of an article's comments, deleted ones included,
	// in the order they were written.
	Comments(ctx context.Context, articleID int64) ([]bot.Comment, error)
	// WebComments pages through them: up to limit after the comment with
	// id after; ErrNotFound when after is not one of the article's.
	WebComments(ctx context.Context, articleID, after int64, limit int) ([]bot.Comment, error)
	WebReactions(ctx context.Context, articleID int64) (map[int64]map[string]int, error)
	WebDelivery(ctx context.Context, articleID int64) (bot.DeliveryView, error)
	WebCountByURL(ctx context.Context, url string) (comments int, found bool, err error)
	// WebVersion fingerprints one article's data (id > 0) or the lists' (0).
	WebVersion(ctx context.Context, articleID int64) (bot.DataVersion, error)
}

// SiteOptions configure the pages and the API.
type SiteOptions struct {
	Title    string         // the site's name in page titles; "Herald"
	BaseURL  string         // public URL of the site, for absolute links in feeds; empty = from the request
	Location *time.Location // times on pages; UTC
	Logger   *slog.Logger
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Site serves the article pages, the comment feeds and the JSON API.
type Site struct {
	store SiteStore
	opt   SiteOptions
	pages map[string]*template.Template // by file name, each with the layout
	// salt goes into every ETag: a change of title, time zone or Herald's
	// templates changes the pages although the data did not.
	salt     string
	versions versionClock
}

// NewSite makes the pages and the API over store.
func NewSite(store SiteStore, opt SiteOptions) (*Site, error) {
	if opt.Title == "" {
		opt.Title = "Herald"
	}
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	opt.BaseURL = strings.TrimRight(opt.BaseURL, "/")
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	return &Site{store: store, opt: opt, pages: pages, salt: "v1\x00" + opt.Title + "\x00" + opt.Location.String() + "\x00" + opt.BaseURL}, nil
}

// parsePages parses each page with its own copy of the layout, so a page
// can fill the layout's blocks without changing the others.
func parsePages() (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(template.FuncMap{"plural": plural}).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("parse page layout: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, name := range []string{"index.html", "article.html", "error.html"} {
		t, err := base.Clone()
		if err == nil {
			t, err = t.ParseFS(templateFS, "templates/"+name)
		}
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// Mount adds the site's routes to a server.
func (s *Site) Mount(srv *Server) {
	for pattern, h := range s.Routes() {
		srv.Handle(pattern, h)
	}
}

// Routes maps each route pattern to its handler.
func (s *Site) Routes() map[string]http.Handler {
	static, _ := fs.Sub(staticFS, "static")
	return map[string]http.Handler{
		"GET /{$}":                             http.HandlerFunc(s.serveIndex),
		"GET /articles/{id}":                   http.HandlerFunc(s.serveArticle),
		"GET /articles/{id}/comments.atom":     http.HandlerFunc(s.serveAtom),
		"GET /api/articles":                    http.HandlerFunc(s.apiArticles),
		"GET /api/articles/{id}":               http.HandlerFunc(s.apiArticle),
		"GET /api/articles/{id}/comments":      http.HandlerFunc(s.apiComments),
		"GET /api/articles/{id}/comments.atom": http.HandlerFunc(s.serveAtom),
		"GET /api/counts":                      http.HandlerFunc(s.apiCounts),
		"GET /static/":                         http.StripPrefix("/static/", staticHandler(http.FileServerFS(static))),
		"GET /api/":                            http.HandlerFunc(s.apiNotFound),
		"OPTIONS /api/counts":                  http.HandlerFunc(preflight),
	}
}

// Handler is the site alone, for tests and for embedding.
func (s *Site) Handler() http.Handler {
	mux := http.NewServeMux()
	for pattern, h := range s.Routes() {
		mux.Handle(pattern, h)
	}
	return mux
}

// staticHandler lets browsers keep the stylesheet a day; it changes only
// with a new Herald.
func staticHandler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}
