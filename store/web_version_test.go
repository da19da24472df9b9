package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// TestWebVersionSurvivesHugeTimes: an edit's time comes from the platform
// (a Matrix event's origin_server_ts is whatever the sending homeserver
// says). Two edits dated near the end of int64 milliseconds made the sum of
// edit times overflow, and the lists' data version failed on every request
// from then on. The version must still be read, and still move.
func TestWebVersionSurvivesHugeTimes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := modArticle(t, db)
		who := bot.Author{Platform: bot.Discord, ID: "9", Name: "Far"}
		for _, m := range []string{"h1", "h2"} {
			if _, _, err := db.SaveComment(ctx, modComment(a, relayD, m, who, "x", relayT)); err != nil {
				t.Fatal(err)
			}
		}
		before, err := db.WebVersion(ctx, 0)
		if err != nil {
			t.Fatalf("WebVersion before the edits: %v", err)
		}
		far := time.UnixMilli(5_000_000_000_000_000_000)
		for i, m := range []string{"h1", "h2"} {
			if _, changed, err := db.EditComment(ctx, bot.Discord, bot.RemoteID(m), richtext.FromPlain("y"), far.Add(time.Duration(i)*time.Millisecond)); err != nil || !changed {
				t.Fatalf("EditComment(%s) = changed %v, %v", m, changed, err)
			}
		}
		for _, id := range []int64{0, a} {
			v, err := db.WebVersion(ctx, id)
			if err != nil {
				t.Errorf("WebVersion(%d) after edits dated %v: %v", id, far, err)
				continue
			}
			if id == 0 && v == before {
				t.Errorf("WebVersion(0) = %q before and after two edits, want a change", v.Tag)
			}
		}
	})
}
