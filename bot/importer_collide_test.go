package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/feeds"
	"github.com/heraldchat/herald/store/storetest"
)

// numberedCommentFeed is a one-comment feed whose guid is numbered per article, as
// some sites number their comments.
func numberedCommentFeed(text string, at time.Time) string {
	return fmt.Sprintf(`<?xml version="1.0"?>
<rss version="2.0"><channel><title>comments</title><link>https://site.test/</link>
<item><guid isPermaLink="false">comment-1</guid><pubDate>%s</pubDate><description>%s</description></item>
</channel></rss>`, at.UTC().Format(time.RFC1123Z), text)
}

// Two articles whose comment feeds number their comments alike ("comment-1")
// each keep their own comment: the second is neither lost as "known" nor
// taken as an edit that overwrites the first article's comment.
func TestImporterSameGuidUnderTwoArticles(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	bodies := map[string]string{"/c/a": numberedCommentFeed("said under A", at), "/c/b": numberedCommentFeed("said under B", at.Add(time.Minute))}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(bodies[r.URL.Path]))
	}))
	t.Cleanup(srv.Close)
	f, err := db.AddFeed(ctx, bot.FeedSpec{URL: "https://site.test/feed"}, bot.FromCommand)
	if err != nil {
		t.Fatal(err)
	}
	var arts []bot.Article
	for _, k := range []string{"a", "b"} {
		a := bot.Article{Key: k, GUID: k, URL: "https://site.test/" + k, Published: at, Hash: k}
		res, err := db.Ingest(ctx, f.ID, []bot.Incoming{{Article: a}})
		if err != nil {
			t.Fatal(err)
		}
		a.ID = res[0].ArticleID
		arts = append(arts, a)
	}
	fetcher, err := feeds.NewFetcher(feeds.Options{AllowPrivate: true, DenyFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	imp := bot.NewImporter(db, fetcher, bot.NewRelay(db, bot.RelayOptions{}), bot.ImporterOptions{})
	for round := range 2 { // a second round changes nothing
		for i, path := range []string{"/c/a", "/c/b"} {
			if _, err := imp.ImportArticle(ctx, arts[i], srv.URL+path); err != nil {
				t.Fatalf("round %d: import %s: %v", round, path, err)
			}
		}
	}
	for i, want := range []string{"said under A", "said under B"} {
		cs, err := db.Comments(ctx, arts[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range cs {
			got = append(got, c.Body.PlainText())
		}
		if len(got) != 1 || got[0] != want {
			t.Errorf("comments of article %s = %q, want [%q]", arts[i].Key, got, want)
		}
	}
}
