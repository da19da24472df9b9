package bot_test

import (
	"context"
	"testing"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// A feed routed only to a Discord channel that is linked to a Matrix room
// is posted in both, and a reply on either side is mirrored to the other.
func TestLinkedChannelAndRoomShareTheDiscussion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := &relayRig{t: t, db: db, dc: newRecConn(bot.Discord), mx: newRecConn(bot.Matrix)}
		if err := db.LinkPlaces(ctx, rigD1, rigMX); err != nil {
			t.Fatal(err)
		}
		f, err := db.AddFeed(ctx, bot.FeedSpec{URL: "https://news.test/feed.xml", Name: "news",
			Routes: []bot.RouteSpec{{Place: rigD1}}}, bot.FromCommand)
		if err != nil {
			t.Fatal(err)
		}
		res, err := db.Ingest(ctx, f.ID, []bot.Incoming{{
			Article:    bot.Article{Key: "a1", GUID: "a1", Title: "Linked", URL: "https://news.test/a1", Hash: "h1"},
			Deliveries: []bot.Delivery{{Place: rigD1, Kind: bot.PostArticle}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		r.article = res[0].ArticleID
		r.startDeliverer(rigOptions("links"))
		r.waitIdle()
		refs, err := db.Posts(ctx, r.article)
		if err != nil {
			t.Fatal(err)
		}
		r.posts = map[bot.Place]bot.PostRef{}
		for _, p := range refs {
			r.posts[p.Place] = p
		}
		if _, ok := r.posts[rigMX]; !ok || len(r.posts) != 2 {
			t.Fatalf("article posted to %v, want the Discord channel and the linked Matrix room", refs)
		}

		tests := []struct {
			name     string
			from, to bot.Place
		}{
			{"Discord reply reaches Matrix", rigD1, rigMX},
			{"Matrix reply reaches Discord", rigMX, rigD1},
		}
		for _, tc := range tests {
			id := r.say(tc.from, tc.name, "")
			r.waitIdle()
			c := r.comment(tc.from, id)
			got := r.mirrorIn(c.ID, tc.to)
			if len(got) != 1 {
				t.Errorf("%s: mirrors in %s = %v, want one message", tc.name, tc.to, got)
				continue
			}
			conn := r.conn(tc.to)
			conn.mu.Lock()
			m := conn.msgs[got[0]]
			conn.mu.Unlock()
			if m == nil || m.Thread != r.thread(tc.to) {
				t.Errorf("%s: mirror %s is %+v, want it in thread %s", tc.name, got[0], m, r.thread(tc.to))
			}
			if own := r.mirrorIn(c.ID, tc.from); len(own) != 0 {
				t.Errorf("%s: mirrored back to its own place: %v", tc.name, own)
			}
		}
	})
}
