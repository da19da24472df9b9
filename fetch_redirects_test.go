package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/heraldchat/herald/config"
	"github.com/heraldchat/herald/feeds"
)

// TestFetchMaxRedirectsZero: "fetch.max_redirects: 0" in the config means
// follow none, but feeds.Options reads 0 as "the default, 5", so the fetchers
// followed five. The server is on 127.0.0.1, which the allow-list admits.
func TestFetchMaxRedirectsZero(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/feed", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write([]byte(`<rss version="2.0"><channel><title>t</title></channel></rss>`))
	}))
	defer srv.Close()
	for _, tt := range []struct {
		max        int
		wantFollow bool
	}{{0, false}, {1, true}} {
		cfg := &config.Config{}
		cfg.Fetch.MaxRedirects = tt.max
		cfg.Fetch.Allow = []string{"127.0.0.1/32"}
		fromConfig, fromCommand, err := newFetchers(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for name, f := range map[string]*feeds.Fetcher{"config": fromConfig, "command": fromCommand} {
			_, err := f.Fetch(context.Background(), srv.URL+"/old", feeds.Conditional{})
			var redirect *feeds.RedirectError
			if followed := !errors.As(err, &redirect); followed != tt.wantFollow {
				t.Errorf("max_redirects %d, %s fetcher: followed %v (err %v), want %v", tt.max, name, followed, err, tt.wantFollow)
			}
		}
	}
}
