package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/bot/commandtest"
)

var home = bot.Place{Platform: bot.Discord, Channel: "1081234567890123456"}

func admin() bot.Request {
	return bot.Request{Place: home, User: bot.Author{Platform: bot.Discord, ID: "42", Name: "Ada"}, Admin: true, ID: "i1"}
}

// TestMalformedText runs every malformed invocation as a typed line and as
// a slash command's structured invocation.
func TestMalformedText(t *testing.T) {
	rig := commandtest.New(t, home)
	before := len(rig.Feeds(t))
	for _, c := range commandtest.Malformed {
		c := c.Expand(rig.Base, home)
		t.Run(c.Name, func(t *testing.T) {
			got := rig.Tree.RunText(context.Background(), admin(), c.Line)
			if got.String() != c.Want || !got.Failed || !got.Ephemeral {
				t.Errorf("%s\n got %q (failed %t, ephemeral %t)\nwant %q, failed and ephemeral", c.Line, got.String(), got.Failed, got.Ephemeral, c.Want)
			}
			if c.Path == nil {
				return
			}
			got = rig.Tree.Run(context.Background(), admin(), c.Invocation())
			if got.String() != c.Want {
				t.Errorf("as a slash command %v %v\n got %q\nwant %q", c.Path, c.Options, got.String(), c.Want)
			}
		})
	}
	if n := len(rig.Feeds(t)); n != before {
		t.Errorf("malformed commands changed the feeds: %d, want %d", n, before)
	}
	if len(commandtest.Malformed) < 20 {
		t.Errorf("%d malformed cases, want at least 20", len(commandtest.Malformed))
	}
}

func TestParseQuotesAndOptions(t *testing.T) {
	tree := bot.NewCommands(bot.CommandOptions{})
	for _, tc := range []struct {
		line string
		want bot.Invocation
	}{
		{`feed add https://x.example/f.xml "*/5 * * * *" discord:1`, bot.Invocation{Path: []string{"feed", "add"},
			Positional: []string{"https://x.example/f.xml", "*/5 * * * *", "discord:1"}}},
		{`feed add https://x.example/f?a=b --schedule=@hourly name='My feed'`, bot.Invocation{Path: []string{"feed", "add"},
			Positional: []string{"https://x.example/f?a=b"}, Named: map[string]string{"schedule": "@hourly", "name": "My feed"}}},
		{`FEED Pause “Tech News” too many failures`, bot.Invocation{Path: []string{"feed", "pause"},
			Positional: []string{"Tech News", "too", "many", "failures"}}},
		{`feed add "a \"quoted\" \\ word"`, bot.Invocation{Path: []string{"feed", "add"}, Positional: []string{`a "quoted" \ word`}}},
		{``, bot.Invocation{Path: []string{"help"}}},
	} {
		got, err := tree.Parse(tc.line)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.line, err)
			continue
		}
		if strings.Join(got.Path, " ") != strings.Join(tc.want.Path, " ") ||
			strings.Join(got.Positional, "|") != strings.Join(tc.want.Positional, "|") || len(got.Named) != len(tc.want.Named) {
			t.Errorf("Parse(%q) = %+v, want %+v", tc.line, got, tc.want)
		}
		for k, v := range tc.want.Named {
			if got.Named[k] != v {
				t.Errorf("Parse(%q) option %s = %q, want %q", tc.line, k, got.Named[k], v)
			}
		}
	}
}

// TestStatusAndList: feed list says each feed's state, last success, next
// check and failures; status adds the adapters, the queue per platform,
// the parked deliveries with their errors, and the paused feeds and why.
func TestStatusAndList(t *testing.T) {
	rig := commandtest.New(t, home)
	ctx := context.Background()
	failing, err := rig.DB.AddFeed(ctx, bot.FeedSpec{URL: rig.Base + "/gone.xml", Name: "Flaky",
		Routes: []bot.RouteSpec{{Place: home}}}, bot.FromCommand)
	if err != nil {
		t.Fatal(err)
	}
	err = rig.DB.RecordPoll(ctx, failing.ID, bot.PollRecord{CheckedAt: time.Now(), NextCheck: time.Now().Add(time.Hour),
		Failures: 3, Error: "HTTP 404", Pause: true, PauseReason: "paused after 3 failures in a row; last: HTTP 404"})
	if err != nil {
		t.Fatal(err)
	}
	feed, err := rig.DB.FeedByURL(ctx, rig.Base+"/config.xml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := rig.DB.Ingest(ctx, feed.ID, []bot.Incoming{
		{Article: bot.Article{Key: "a", URL: "https://news.example/a", Title: "A", Hash: "1"}, Deliveries: []bot.Delivery{{Place: home, Kind: bot.PostArticle}}},
		{Article: bot.Article{Key: "b", URL: "https://news.example/b", Title: "B", Hash: "2"},
			Deliveries: []bot.Delivery{{Place: home, Kind: bot.PostArticle}, {Place: bot.Place{Platform: bot.Matrix, Channel: "!r:x.org"}, Kind: bot.PostArticle}}},
	})
	if err != nil || len(res) != 2 {
		t.Fatal(res, err)
	}
	rows, _ := rig.DB.OutboxRows(ctx, bot.OutboxPending, 1)
	if err := rig.DB.ParkOutbox(ctx, rows[0].ID, "missing access to the channel"); err != nil {
		t.Fatal(err)
	}

	list := rig.Tree.RunText(ctx, admin(), "feed list").String()
	for _, want := range []string{
		`2 feeds:`,
		`"Config News" (#1) ` + rig.Base + `/config.xml` + "\nnot checked yet · last success never · next check now · schedule @hourly · declared in the config file herald.yaml",
		`"Flaky" (#2) ` + rig.Base + `/gone.xml` + "\npaused: paused after 3 failures in a row; last: HTTP 404 · last success never · schedule */10 * * * * · added by command",
	} {
		if !strings.Contains(list, want) {
			t.Errorf("feed list\n%s\nwant it to contain\n%s", list, want)
		}
	}
	status := rig.Tree.RunText(ctx, admin(), "status").String()
	for _, want := range []string{
		"Adapters: discord: configured; matrix: configured.",
		"Queued deliveries: discord 1, matrix 1.",
		"Parked deliveries: 1 (they kept failing; an admin must look). Latest:",
		"post_article to discord:1081234567890123456 after 1 attempts: missing access to the channel",
		"Feeds: 2, paused 1:",
		`"Flaky" (#2): paused after 3 failures in a row; last: HTTP 404`,
	} {
		if !strings.Contains(status, want) {
			t.Errorf("status\n%s\nwant it to contain %q", status, want)
		}
	}
}

// TestPostQueuesOncePerInvocation: post finds the article through its feed
// the first time and in the store the next; a replayed invocation (same
// id) queues nothing more, a new one posts again.
func TestPostQueuesOncePerInvocation(t *testing.T) {
	rig := commandtest.New(t, home)
	ctx := context.Background()
	line := "post " + rig.Base + "/c/late"
	for i, id := range []string{"e1", "e1", "e2"} {
		req := admin()
		req.ID = id
		if got := rig.Tree.RunText(ctx, req, line); got.Failed || got.String() != `Posting "Late story" now to discord:1081234567890123456.` {
			t.Errorf("post #%d: %q (failed %t)", i+1, got.String(), got.Failed)
		}
	}
	rows, err := rig.DB.OutboxRows(ctx, bot.OutboxPending, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].ArticleID != rows[1].ArticleID || rows[0].Key == rows[1].Key {
		t.Errorf("pending rows %+v, want two posts of one article with different keys", rows)
	}
}
