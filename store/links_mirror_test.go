package store_test

import (
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// pendingPosts lists the places pending PostArticle rows target for an
// article, sorted, one entry per row (a duplicate shows twice).
func pendingPosts(t *testing.T, db *store.DB, articleID int64) []string {
	t.Helper()
	rows, err := db.OutboxRows(ctxFor(t), bot.OutboxPending, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		if r.ArticleID == articleID && r.Kind == bot.PostArticle {
			out = append(out, r.Target.String())
		}
	}
	slices.Sort(out)
	return out
}

func TestIngestPostsToLinkedPlaces(t *testing.T) {
	d1, d2, d3, m1, m2, m3 := discord("1"), discord("2"), discord("3"), matrix("!a:x.org"), matrix("!b:x.org"), matrix("!c:x.org")
	tests := []struct {
		name   string
		routes []bot.Place
		want   []string
	}{
		{"routed to the Discord channel only", []bot.Place{d1}, []string{"discord:1", "matrix:!a:x.org"}},
		{"routed to the Matrix room only", []bot.Place{m1}, []string{"discord:1", "matrix:!a:x.org"}},
		{"routed to both linked places", []bot.Place{d1, m1}, []string{"discord:1", "matrix:!a:x.org"}},
		{"routed to an unlinked channel", []bot.Place{d2}, []string{"discord:2"}},
		{"routed into the group of three", []bot.Place{m2}, []string{"discord:3", "matrix:!b:x.org", "matrix:!c:x.org"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := ctxFor(t)
				// Two groups: {d1, m1} and {d3, m2, m3}.
				for _, pair := range [][2]bot.Place{{d1, m1}, {d3, m2}, {d3, m3}} {
					if err := db.LinkPlaces(ctx, pair[0], pair[1]); err != nil {
						t.Fatal(err)
					}
				}
				f := mustAddFeed(t, db, "https://news.example/feed.xml", bot.FromCommand, tc.routes...)
				in := []bot.Incoming{{Article: article("one", "h1"), Deliveries: deliveries(tc.routes...)}}
				res, err := db.Ingest(ctx, f.ID, in)
				if err != nil {
					t.Fatal(err)
				}
				if got := pendingPosts(t, db, res[0].ArticleID); !reflect.DeepEqual(got, tc.want) {
					t.Errorf("pending posts %v, want %v", got, tc.want)
				}
				// Replaying the same ingest queues nothing twice.
				if _, err := db.Ingest(ctx, f.ID, in); err != nil {
					t.Fatal(err)
				}
				if got := pendingPosts(t, db, res[0].ArticleID); !reflect.DeepEqual(got, tc.want) {
					t.Errorf("pending posts after a replay %v, want %v", got, tc.want)
				}
			})
		})
	}
}

func TestLinkedPostKeepsQuietHoursAndSkipsDigestPlace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := ctxFor(t)
		d1, m1 := discord("1"), matrix("!a:x.org")
		if err := db.LinkPlaces(ctx, d1, m1); err != nil {
			t.Fatal(err)
		}
		f := mustAddFeed(t, db, "https://news.example/feed.xml", bot.FromCommand, d1, m1)
		later := time.Now().Add(time.Hour).Truncate(time.Millisecond)
		res, err := db.Ingest(ctx, f.ID, []bot.Incoming{{Article: article("one", "h1"), Deliveries: []bot.Delivery{
			{Place: d1, Kind: bot.PostArticle, NotBefore: later},
			{Place: m1, Kind: bot.DigestEntry},
		}}})
		if err != nil {
			t.Fatal(err)
		}
		// The room takes the article in its digest: no post of it there.
		if got, want := pendingPosts(t, db, res[0].ArticleID), []string{"discord:1"}; !reflect.DeepEqual(got, want) {
			t.Errorf("pending posts %v, want %v", got, want)
		}
		// Another article through the command path (Enqueue) to the channel
		// alone: the linked copy waits as long as its source.
		res, err = db.Ingest(ctx, f.ID, []bot.Incoming{{Article: article("two", "h2")}})
		if err != nil {
			t.Fatal(err)
		}
		id := res[0].ArticleID
		if err := db.Enqueue(ctx, bot.OutboxRow{Kind: bot.PostArticle, Target: d1, ArticleID: id, NotBefore: later,
			Key: bot.OutboxKey("test_post", strconv.FormatInt(id, 10))}); err != nil {
			t.Fatal(err)
		}
		rows, err := db.OutboxRows(ctx, bot.OutboxPending, 0)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]time.Time{}
		for _, r := range rows {
			if r.ArticleID == id {
				got[r.Target.String()] = r.NotBefore
			}
		}
		want := map[string]time.Time{"discord:1": later, "matrix:!a:x.org": later}
		if len(got) != len(want) || !got["discord:1"].Equal(later) || !got["matrix:!a:x.org"].Equal(later) {
			t.Errorf("rows of the enqueued article (target → not before) %v, want %v", got, want)
		}
	})
}
