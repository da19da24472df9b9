package store_test

import (
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

func TestOutboxDepths(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		if got, err := db.OutboxDepths(ctx); err != nil || len(got) != 0 {
			t.Fatalf("OutboxDepths of an empty outbox: got %+v, %v; want none", got, err)
		}
		before := time.Now().Add(-time.Second)
		art := seedArticle(t, db, "depth")
		rows := []bot.OutboxRow{postRow(art, discord("1")), postRow(art, discord("2")), postRow(art, matrix("!m:x"))}
		if err := db.Enqueue(ctx, rows...); err != nil {
			t.Fatalf("Enqueue: %v", err)
		}
		// A done row no longer counts.
		claimed, err := db.ClaimOutbox(ctx, "a", []bot.Platform{bot.Matrix}, time.Now(), time.Minute, 1)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("ClaimOutbox: %+v, %v", claimed, err)
		}
		if err := db.CompleteOutbox(ctx, claimed[0].ID); err != nil {
			t.Fatal(err)
		}
		got, err := db.OutboxDepths(ctx)
		if err != nil {
			t.Fatalf("OutboxDepths: %v", err)
		}
		if len(got) != 1 || got[0].Platform != "discord" || got[0].Pending != 2 {
			t.Fatalf("OutboxDepths: got %+v, want discord with 2 pending", got)
		}
		if o := got[0].Oldest; o.Before(before) || o.After(time.Now().Add(time.Second)) {
			t.Errorf("oldest pending: got %v, want about now", o)
		}
	})
}
