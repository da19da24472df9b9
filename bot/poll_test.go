package bot_test

import (
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/config"
)

func items(n int) []testItem {
	var out []testItem
	for i := range n {
		out = append(out, testItem{
			GUID:      "item-" + string(rune('a'+i)),
			Link:      "https://news.example.org/" + string(rune('a'+i)),
			Title:     "Story " + string(rune('A'+i)),
			Body:      "Body of story " + string(rune('A'+i)),
			Published: t0.Add(-time.Duration(i+1) * time.Hour), // A is the newest
		})
	}
	return out
}

func wantRows(t *testing.T, e *env, want ...string) {
	t.Helper()
	got := e.pending()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("pending outbox rows:\n  got  %q\n  want %q", got, want)
	}
}

func TestFirstPollPostsNewestOnlyThenNewItems(t *testing.T) {
	var kicks atomic.Int32
	e := newEnv(t, bot.PollerOptions{Notify: func() { kicks.Add(1) }})
	e.srv.set("/f", rssDoc(t, items(5)...))
	f := e.addFeed("/f", nil, route(chanA, nil), route(roomB, nil))

	r := e.mustPoll(f.ID)
	if r.New != 5 || r.Queued != 2 {
		t.Errorf("first poll: new %d queued %d, want 5 new (all recorded) and 2 deliveries (newest to 2 routes)", r.New, r.Queued)
	}
	wantRows(t, e, "post_article discord:100 Story A", "post_article matrix:!b:example.org Story A")
	if n := kicks.Load(); n != 1 {
		t.Errorf("deliverer kicked %d times after queuing posts, want 1", n)
	}

	// Unchanged: a conditional GET, a 304, nothing parsed or queued.
	e.clock.Set(t0.Add(10 * time.Minute))
	r = e.mustPoll(f.ID)
	if !r.NotModified || r.Items != 0 {
		t.Errorf("second poll: not modified %v, items %d; want a 304 and nothing parsed", r.NotModified, r.Items)
	}
	if req, cond := e.srv.counts("/f"); req != 2 || cond != 1 {
		t.Errorf("server saw %d requests, %d conditional; want 2 and 1", req, cond)
	}
	if n := kicks.Load(); n != 1 {
		t.Errorf("deliverer kicked %d times after a 304, want still 1", n)
	}

	// One new item on a primed feed is posted, the old ones are not again.
	more := append([]testItem{{GUID: "new", Title: "Breaking", Body: "b", Published: t0.Add(5 * time.Minute)}}, items(5)...)
	e.srv.set("/f", rssDoc(t, more...))
	r = e.mustPoll(f.ID)
	if r.New != 1 || r.Queued != 2 {
		t.Errorf("third poll: new %d queued %d, want 1 and 2", r.New, r.Queued)
	}
	wantRows(t, e, "post_article discord:100 Story A", "post_article matrix:!b:example.org Story A",
		"post_article discord:100 Breaking", "post_article matrix:!b:example.org Breaking")

	stored, err := e.store.Feed(e.ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !stored.Primed || !stored.NextCheck.Equal(r.NextCheck) || stored.Failures != 0 {
		t.Errorf("stored feed primed %v next %v failures %d; want primed, next %v (survives restarts), 0 failures",
			stored.Primed, stored.NextCheck, stored.Failures, r.NextCheck)
	}
}

func TestFirstPollNewestN(t *testing.T) {
	three := 3
	e := newEnv(t, bot.PollerOptions{})
	e.srv.set("/f", rssDoc(t, items(6)...))
	f := e.addFeed("/f", config.FeedOptions{FirstPost: &three}, route(chanA, nil))
	e.mustPoll(f.ID)
	wantRows(t, e, "post_article discord:100 Story A", "post_article discord:100 Story B", "post_article discord:100 Story C")
}

func TestMaxAgeNeverPosts(t *testing.T) {
	e := newEnv(t, bot.PollerOptions{})
	e.srv.set("/f", rssDoc(t, items(1)...))
	f := e.addFeed("/f", nil, route(chanA, nil))
	e.mustPoll(f.ID)
	old := testItem{GUID: "old", Title: "Ancient", Body: "x", Published: t0.Add(-4 * 24 * time.Hour)}
	fresh := testItem{GUID: "fresh", Title: "Fresh", Body: "x", Published: t0.Add(-2 * 24 * time.Hour)}
	e.srv.set("/f", rssDoc(t, append(items(1), old, fresh)...))
	r := e.mustPoll(f.ID)
	if r.New != 2 {
		t.Errorf("new %d, want 2 (the old one is recorded too)", r.New)
	}
	wantRows(t, e, "post_article discord:100 Story A", "post_article discord:100 Fresh")
}

// A feed without guids, whose links change only in tracking parameters
// between polls, or with neither guid nor link, is never posted twice.
func TestNoGuidsAndTrackingParamsNeverPostTwice(t *testing.T) {
	e := newEnv(t, bot.PollerOptions{})
	e.srv.set("/f", rssDoc(t, items(1)...))
	f := e.addFeed("/f", nil, route(chanA, nil))
	e.mustPoll(f.ID) // prime

	v1 := []testItem{
		{Link: "https://news.example.org/x?utm_source=rss&amp;id=1", Title: "Linked", Body: "a", Published: t0},
		{Title: "Bare", Body: "no guid, no link", Published: t0},
	}
	e.srv.set("/f", rssDoc(t, v1...))
	if r := e.mustPoll(f.ID); r.New != 2 {
		t.Fatalf("first sight: new %d, want 2", r.New)
	}
	v2 := []testItem{
		{Link: "https://news.example.org/x?id=1&amp;utm_medium=feed&amp;utm_campaign=z&amp;fbclid=q", Title: "Linked", Body: "a", Published: t0},
		{Title: "Bare", Body: "no guid, no link", Published: t0},
	}
	e.srv.set("/f", rssDoc(t, v2...))
	r := e.mustPoll(f.ID)
	if r.New != 0 || r.Queued != 0 {
		t.Errorf("after tracking change: new %d queued %d, want 0 and 0", r.New, r.Queued)
	}
	wantRows(t, e, "post_article discord:100 Story A", "post_article discord:100 Linked", "post_article discord:100 Bare")
}

// An edited item is updated, not new; only an article that was posted gets
// EditArticle rows.
func TestEditedItemIsUpdatedNotNew(t *testing.T) {
	two := 2
	e := newEnv(t, bot.PollerOptions{})
	e.srv.set("/f", rssDoc(t, items(2)...))
	f := e.addFeed("/f", config.FeedOptions{FirstPost: &two}, route(chanA, nil))
	e.mustPoll(f.ID)

	// Story A reaches Discord; Story B's post is still queued.
	rows, err := e.store.OutboxRows(e.ctx, bot.OutboxPending, 0)
	if err != nil || len(rows) != 2 {
		t.Fatalf("outbox rows %d (%v), want 2", len(rows), err)
	}
	var postedA bool
	for _, row := range rows {
		a, err := e.store.Article(e.ctx, row.ArticleID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Title == "Story A" {
			if err := e.store.CompletePost(e.ctx, row.ID, bot.PostRef{Place: chanA, Message: "555", Thread: "555"}); err != nil {
				t.Fatal(err)
			}
			postedA = true
		}
	}
	if !postedA {
		t.Fatal("no row for Story A")
	}

	edited := items(2)
	edited[0].Title, edited[0].Body = "Story A (corrected)", "Now with the right figures"
	edited[1].Body = "Story B, reworded"
	e.srv.set("/f", rssDoc(t, edited...))
	r := e.mustPoll(f.ID)
	if r.New != 0 || r.Updated != 2 {
		t.Errorf("new %d updated %d, want 0 and 2", r.New, r.Updated)
	}
	wantRows(t, e, "post_article discord:100 Story B", "edit_article discord:100 Story A (corrected)")
}

func TestTombstonedNeverReturns(t *testing.T) {
	e := newEnv(t, bot.PollerOptions{})
	e.srv.set("/f", rssDoc(t, items(1)...))
	f := e.addFeed("/f", nil, route(chanA, nil))
	e.mustPoll(f.ID)
	rows, err := e.store.OutboxRows(e.ctx, bot.OutboxPending, 0)
	if err != nil || len(rows) != 1 {
		t.Fatalf("outbox rows %d (%v), want 1", len(rows), err)
	}
	if err := e.store.Tombstone(e.ctx, rows[0].ArticleID); err != nil {
		t.Fatal(err)
	}
	changed := items(1)
	changed[0].Body = "changed after removal"
	e.srv.set("/f", rssDoc(t, changed...))
	r := e.mustPoll(f.ID)
	if r.New != 0 || r.Updated != 0 || r.Queued != 0 {
		t.Errorf("new %d updated %d queued %d, want all 0", r.New, r.Updated, r.Queued)
	}
	wantRows(t, e)
}

func TestRouteFiltersAndQuietHours(t *testing.T) {
	e := newEnv(t, bot.PollerOptions{})
	e.clock.Set(time.Date(2026, 3, 10, 23, 30, 0, 0, time.UTC))
	e.srv.set("/f", rssDoc(t, items(1)...))
	f := e.addFeed("/f",
		config.FeedOptions{Filters: config.Filters{Exclude: []config.Pattern{{Field: "category", Regex: "^ads$"}}}},
		route(chanA, config.RouteOptions{QuietHours: &config.QuietHours{Start: "22:00", End: "07:00"}}),
		route(roomB, config.RouteOptions{Filters: config.Filters{Include: []config.Pattern{{Field: "title", Regex: "(?i)go"}}}}),
	)
	e.mustPoll(f.ID)
	now := e.clock.Now()
	e.srv.set("/f", rssDoc(t,
		testItem{GUID: "1", Title: "Go 1.27 is out", Body: "x", Published: now},
		testItem{GUID: "2", Title: "Rust news", Body: "x", Published: now},
		testItem{GUID: "3", Title: "Go sponsored", Body: "x", Category: "ads", Published: now},
	))
	e.mustPoll(f.ID)
	wantRows(t, e, "post_article discord:100 Story A",
		"post_article discord:100 Go 1.27 is out", "post_article matrix:!b:example.org Go 1.27 is out",
		"post_article discord:100 Rust news")
	rows, err := e.store.OutboxRows(e.ctx, bot.OutboxPending, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantQuiet := time.Date(2026, 3, 11, 7, 0, 0, 0, time.UTC)
	for _, r := range rows {
		want := time.Time{}
		if r.Target == chanA {
			want = wantQuiet
		}
		if !r.NotBefore.Equal(want) {
			t.Errorf("row for %s: not before %v, want %v", r.Target, r.NotBefore, want)
		}
	}
}

func TestBackoffThenPauseAfterMaxFailures(t *testing.T) {
	e := newEnv(t, bot.PollerOptions{MaxFailures: 4})
	e.srv.fail("/f", 500)
	f := e.addFeed("/f", nil, route(chanA, nil))
	e.clock.Set(time.Date(2026, 3, 10, 12, 3, 0, 0, time.UTC))
	// The default */10 schedule: the backoff starts at one interval and doubles.
	wantWait := []time.Duration{10 * time.Minute, 20 * time.Minute, 40 * time.Minute, 80 * time.Minute}
	for i, wait := range wantWait {
		_, err := e.poll(f.ID)
		if err == nil || !strings.Contains(err.Error(), "500") {
			t.Fatalf("poll %d: error %v, want one naming HTTP 500", i+1, err)
		}
		got, err := e.store.Feed(e.ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Failures != i+1 {
			t.Errorf("poll %d: failures %d, want %d", i+1, got.Failures, i+1)
		}
		if w := e.clock.Now().Add(wait); !got.NextCheck.Equal(w) {
			t.Errorf("poll %d: next check %v, want %v", i+1, got.NextCheck, w)
		}
		if !strings.Contains(got.LastError, "500") {
			t.Errorf("poll %d: last error %q, want the HTTP status in it", i+1, got.LastError)
		}
		if paused := i+1 == len(wantWait); got.Paused != paused {
			t.Errorf("poll %d: paused %v, want %v", i+1, got.Paused, paused)
		} else if paused && !strings.Contains(got.PausedReason, "500") {
			t.Errorf("pause reason %q, want the last error in it", got.PausedReason)
		}
	}
	if n := e.sink.all(); len(n) != 1 || n[0].FeedID != f.ID || !strings.Contains(n[0].Message, "4 failures") {
		t.Errorf("notices %+v, want one for feed %d saying 4 failures", n, f.ID)
	}
	if n := e.poller.Notices(); len(n) != 1 {
		t.Errorf("Poller.Notices() has %d, want 1", len(n))
	}

	// A success resets the count.
	if err := e.store.SetFeedPaused(e.ctx, f.ID, false, ""); err != nil {
		t.Fatal(err)
	}
	e.srv.set("/f", rssDoc(t, items(1)...))
	e.mustPoll(f.ID)
	if got, _ := e.store.Feed(e.ctx, f.ID); got.Failures != 0 || got.Paused {
		t.Errorf("after success: failures %d paused %v, want 0 and false", got.Failures, got.Paused)
	}
}

func TestBrokenOptionsAreAFeedFailure(t *testing.T) {
	e := newEnv(t, bot.PollerOptions{})
	e.srv.set("/f", rssDoc(t, items(1)...))
	f := e.addFeed("/f", nil, route(chanA, config.RouteOptions{Filters: config.Filters{Include: []config.Pattern{{Regex: "("}}}}))
	_, err := e.poll(f.ID)
	if err == nil || !strings.Contains(err.Error(), "route to discord:100: filters.include[0].regex") {
		t.Fatalf("error %v, want one naming the route and the pattern", err)
	}
	got, _ := e.store.Feed(e.ctx, f.ID)
	if got.Failures != 1 || got.Primed {
		t.Errorf("failures %d primed %v, want 1 and false", got.Failures, got.Primed)
	}
	wantRows(t, e)
}

// The server's own lower bounds on the next check are honoured: Retry-After
// on a 429, Cache-Control max-age and RSS <ttl> on a success.
func TestServerLowerBoundsOnNextCheck(t *testing.T) {
	e := newEnv(t, bot.PollerOptions{})
	e.clock.Set(time.Date(2026, 3, 10, 12, 3, 0, 0, time.UTC))
	now := e.clock.Now()
	f := e.addFeed("/f", nil, route(chanA, nil))

	e.srv.fail("/f", 429)
	e.srv.setHeader("/f", "Retry-After", "7200")
	if _, err := e.poll(f.ID); err == nil || !strings.Contains(err.Error(), "429") {
		t.Fatalf("error %v, want one naming HTTP 429", err)
	}
	if got, _ := e.store.Feed(e.ctx, f.ID); !got.NextCheck.Equal(now.Add(2 * time.Hour)) {
		t.Errorf("after 429 with Retry-After 7200: next check %v, want %v", got.NextCheck, now.Add(2*time.Hour))
	}

	e.srv.set("/f", rssDoc(t, items(1)...))
	e.srv.setHeader("/f", "Cache-Control", "max-age=5400")
	if r := e.mustPoll(f.ID); !r.NextCheck.Equal(now.Add(90 * time.Minute)) {
		t.Errorf("with max-age 5400: next check %v, want %v", r.NextCheck, now.Add(90*time.Minute))
	}

	e.srv.setHeader("/f", "Cache-Control", "no-cache")
	e.srv.set("/f", strings.Replace(rssDoc(t, items(2)...), "<channel>", "<channel><ttl>45</ttl>", 1))
	if r := e.mustPoll(f.ID); !r.NextCheck.Equal(now.Add(45 * time.Minute)) {
		t.Errorf("with ttl 45: next check %v, want %v", r.NextCheck, now.Add(45*time.Minute))
	}
}

func TestZeroMaxFailuresNeverPauses(t *testing.T) {
	e := newEnv(t, bot.PollerOptions{MaxFailures: 0})
	e.srv.fail("/f", 503)
	f := e.addFeed("/f", nil, route(chanA, nil))
	for range 12 {
		if _, err := e.poll(f.ID); err == nil {
			t.Fatal("poll of a failing feed returned no error")
		}
	}
	if got, _ := e.store.Feed(e.ctx, f.ID); got.Paused || got.Failures != 12 {
		t.Errorf("after 12 failures with max_failures 0: paused %v failures %d, want not paused and 12", got.Paused, got.Failures)
	}
	if n := e.sink.all(); len(n) != 0 {
		t.Errorf("notices %+v, want none", n)
	}
}
