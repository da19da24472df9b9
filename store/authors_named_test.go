package store_test

import (
	"context"
	"testing"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// TestAuthorsNamedNonASCII: a display name outside ASCII is found when it
// is typed as written (ASCII letters in any case), on both stores. SQLite's
// LOWER folds only ASCII, so comparing it with Go's Unicode lower case
// found "Ève" on PostgreSQL only.
func TestAuthorsNamedNonASCII(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := modArticle(t, db)
		eve := bot.Author{Platform: bot.Discord, ID: "7", Name: "Ève Olsen"}
		if _, _, err := db.SaveComment(ctx, modComment(a, relayD, "ceve", eve, "salut", relayT)); err != nil {
			t.Fatal(err)
		}
		for _, typed := range []string{"Ève Olsen", " Ève Olsen ", "Ève OLSEN"} {
			got, err := db.AuthorsNamed(ctx, typed)
			if err != nil || len(got) != 1 || got[0].ID != "7" {
				t.Errorf("AuthorsNamed(%q) = %+v, %v; want the author with id 7", typed, got, err)
			}
		}
	})
}
