package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// TestDeleteAtTheEpoch: the store marks a comment deleted by a non-zero
// deletion time, and a platform sets that time (a Matrix redaction carries
// its homeserver's origin_server_ts, which may be 0). A deletion dated
// 1970-01-01T00:00:00Z cleared the body but left the comment counted as
// visible, with an empty text.
func TestDeleteAtTheEpoch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := modArticle(t, db)
		who := bot.Author{Platform: bot.Discord, ID: "5", Name: "Epo"}
		c, _, err := db.SaveComment(ctx, modComment(a, relayD, "ep1", who, "soon gone", relayT))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.DeleteComment(ctx, a, c.Origin, time.UnixMilli(0)); err != nil {
			t.Fatal(err)
		}
		got, err := db.Comments(ctx, a)
		if err != nil || len(got) != 1 {
			t.Fatalf("Comments = %+v, %v; want the one comment", got, err)
		}
		if got[0].Deleted.IsZero() {
			t.Errorf("comment after a delete dated the epoch: Deleted is zero (not deleted), body %q", got[0].Body.PlainText())
		}
		v, err := db.WebArticle(ctx, a)
		if err != nil || v.Comments != 0 {
			t.Errorf("WebArticle visible comments = %d, %v; want 0", v.Comments, err)
		}
	})
}
