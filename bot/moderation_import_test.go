package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/config"
	"github.com/heraldchat/herald/feeds"
	"github.com/heraldchat/herald/store/storetest"
)

// commentFeed is a news site's comment feed: c1 (its text and update time
// change between rounds), c2, and c3 with a word the rules hold.
const commentFeed = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>comments</title><id>urn:comments</id><updated>2026-03-01T10:05:00Z</updated>
<entry><id>urn:c1</id><title>c1</title><author><name>Ann</name></author><published>2026-03-01T10:01:00Z</published><updated>%s</updated><content type="text">%s</content></entry>
<entry><id>urn:c2</id><title>c2</title><author><name>Bo</name></author><published>2026-03-01T10:02:00Z</published><updated>2026-03-01T10:02:00Z</updated><content type="text">second</content></entry>
<entry><id>urn:c3</id><title>c3</title><author><name>Cy</name></author><published>2026-03-01T10:03:00Z</published><updated>2026-03-01T10:03:00Z</updated><content type="text">casino bonus</content></entry>
</feed>`

// TestReimportRespectsModeration runs the real comment importer into the
// real relay with the rules: a comment a moderator deleted stays deleted
// when the site's feed is read again (even edited), a held one stays held
// once, and a rejected one never comes back.
func TestReimportRespectsModeration(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	var mu sync.Mutex
	c1Updated, c1Text := "2026-03-01T10:01:00Z", "first"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprintf(w, commentFeed, c1Updated, c1Text)
	}))
	t.Cleanup(srv.Close)
	f, err := db.AddFeed(ctx, bot.FeedSpec{URL: "https://site.test/feed"}, bot.FromCommand)
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Ingest(ctx, f.ID, []bot.Incoming{{Article: bot.Article{Key: "a", URL: "https://site.test/a", Hash: "h"}}})
	if err != nil {
		t.Fatal(err)
	}
	article := bot.Article{ID: res[0].ArticleID, FeedID: f.ID}
	rules, err := bot.NewRules(db, config.Moderation{NewAuthorLinkLimit: -1,
		Words: []config.WordRule{{Pattern: "casino", Action: config.ActionHold}}}, bot.RulesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	relay := bot.NewRelay(db, bot.RelayOptions{Moderator: rules})
	fetcher, err := feeds.NewFetcher(feeds.Options{AllowPrivate: true, DenyFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	imp := bot.NewImporter(db, fetcher, relay, bot.ImporterOptions{})
	src := srv.URL + "/comments"
	round := func() {
		t.Helper()
		if _, err := imp.ImportArticle(ctx, article, src); err != nil {
			t.Fatalf("import: %v", err)
		}
	}
	state := func() string {
		t.Helper()
		cs, err := db.Comments(ctx, article.ID)
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, c := range cs {
			mark := c.Body.PlainText()
			if !c.Deleted.IsZero() {
				mark = "removed"
			}
			out += c.Author.Name + ":" + mark + " "
		}
		held, _ := db.HeldComments(ctx, 0)
		return out + "held:" + strconv.Itoa(len(held))
	}

	round()
	if got, want := state(), "Ann:first Bo:second held:1"; got != want {
		t.Fatalf("after the first import: %q, want %q", got, want)
	}
	mod := bot.NewModeration(db, bot.ModerationOptions{})
	admin := bot.Author{Platform: bot.Discord, ID: "9", Name: "Mo"}
	ann, err := db.CommentByOrigin(ctx, bot.Source, "guid:urn:c1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mod.Delete(ctx, admin, strconv.FormatInt(ann.ID, 10), "rude"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	c1Updated, c1Text = "2026-03-01T11:00:00Z", "first, edited back in"
	mu.Unlock()
	round()
	if got, want := state(), "Ann:removed Bo:second held:1"; got != want {
		t.Errorf("after re-importing an edited, deleted comment: %q, want %q", got, want)
	}
	held, _ := db.HeldComments(ctx, 0)
	if len(held) != 1 {
		t.Fatalf("held = %+v", held)
	}
	if _, err := mod.Reject(ctx, admin, held[0].ID, "spam"); err != nil {
		t.Fatal(err)
	}
	round()
	round()
	if got, want := state(), "Ann:removed Bo:second Cy:removed held:0"; got != want {
		t.Errorf("after re-importing a rejected comment twice: %q, want %q", got, want)
	}
}
