package web

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store/storetest"
)

// chromiumPath finds Debian's chromium. Without it the test is skipped,
// except under CI=true, where .ci/run installs it and its absence is a
// failure.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"chromium", "/usr/bin/chromium"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (apt-get install chromium); CI must run the browser test")
	}
	t.Skip("chromium is not installed; install it with apt-get install chromium to run the browser test")
	return ""
}

// artifactDir is where tests keep files for people to look at:
// $HERALD_ARTIFACTS, else test-artifacts/ at the repository root.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("HERALD_ARTIFACTS")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(d, "test-artifacts")
				break
			}
			if filepath.Dir(d) == d {
				dir = filepath.Join(wd, "test-artifacts")
				break
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browserComment is what the test reads back from the DOM for a comment.
type browserComment struct {
	ID        string `json:"id"`
	Parent    string `json:"parent"`
	Depth     int    `json:"depth"`
	Platform  string `json:"platform"`
	Author    string `json:"author"`
	Text      string `json:"text"`
	Removed   bool   `json:"removed"`
	Dir       string `json:"dir"`
	AuthorDir string `json:"authorDir"`
	Direction string `json:"direction"` // as the browser computed it for the first paragraph
}

// readComments runs in the page: every li.comment in document order.
const readComments = `[...document.querySelectorAll('li.comment')].map(li => {
  const body = li.querySelector(':scope > .comment-body');
  const p = body && body.querySelector('p');
  const author = li.querySelector(':scope > .comment-head .author');
  const parent = li.parentElement.closest('li.comment');
  let depth = 0;
  for (let e = parent; e; e = e.parentElement.closest('li.comment')) depth++;
  return {
    id: li.dataset.id, parent: parent ? parent.dataset.id : '', depth,
    platform: (li.querySelector(':scope > .comment-head .badge') || {dataset: {}}).dataset.platform || '',
    author: author ? author.textContent.trim() : '',
    text: body ? body.textContent.trim() : '',
    removed: li.classList.contains('removed'),
    dir: body ? body.getAttribute('dir') : '',
    authorDir: author ? author.getAttribute('dir') : '',
    direction: p ? getComputedStyle(p).direction : '',
  };
})`

type plannedComment struct {
	platform bot.Platform
	author   string
	text     string
	parent   int // index of the comment answered, -1 for none
	rtl      bool
}

// plan is a 20-comment discussion in Arabic and English on three
// platforms, with replies two levels deep; comment 8 gets removed.
var plan = []plannedComment{
	{bot.Discord, "alice", "Finally some good news for schools.", -1, false},
	{bot.Matrix, "سارة", "هذا خبر رائع للمدارس في المدينة.", 0, true},
	{bot.Discord, "bob", "Agreed, Sara, but the details matter.", 1, false},
	{bot.Source, "Reader from Leeds", "The published figures look different from last year's.", -1, false},
	{bot.Source, "خالد", "أين التفاصيل عن ميزانية الصحة؟", -1, true},
	{bot.Matrix, "carol", "Does anyone have the full PDF?", -1, false},
	{bot.Discord, "dave", "It is linked at the bottom of the article.", 5, false},
	{bot.Matrix, "ليلى", "شكراً، وجدته الآن.", 6, true},
	{bot.Discord, "erin", "This will be removed.", -1, false},
	{bot.Matrix, "frank", "What did they say?", 8, false},
	{bot.Source, "", "تعليق من قارئ لم يذكر اسمه.", -1, true},
	{bot.Discord, "george", "Edited: the vote is on Thursday.", -1, false},
	{bot.Discord, "هدى", "متى يبدأ التنفيذ؟", -1, true},
	{bot.Matrix, "ian", "Next spring, according to the minister.", 12, false},
	{bot.Source, "Margaret", "Long-time reader, first comment. Well reported.", -1, false},
	{bot.Discord, "judy", "Teachers' unions have not commented yet.", -1, false},
	{bot.Matrix, "كريم", "سيصدرون بياناً غداً على ما أظن.", 15, true},
	{bot.Discord, "kate", "I hope so, thanks Karim.", 16, false},
	{bot.Source, "Omar", "نريد المزيد من هذه التقارير.", -1, true},
	{bot.Matrix, "liam", "Good discussion, everyone.", -1, false},
}

func TestBrowserRendersTheDiscussion(t *testing.T) {
	path := chromiumPath(t)
	fx := newFixture(t, storetest.Open(t), SiteOptions{Title: "Town Crier", Location: riyadh})
	a := fx.article("Council passes the 2026 schools budget / المجلس يقر ميزانية المدارس", "https://news.test/budget", t0)
	ctx := context.Background()
	origin := make([]bot.RemoteID, len(plan))
	commentIDs := make([]int64, len(plan))
	for i, c := range plan {
		at := t0.Add(time.Duration(i+1) * 3 * time.Minute)
		body := richtext.FromPlain(c.text)
		if i == 11 {
			body = richtext.FromPlain("The vote is on Wednesday.")
		}
		var ev bot.Event
		switch c.platform {
		case bot.Source:
			ev = bot.Event{Kind: bot.MessageCreated, Place: bot.Place{Platform: bot.Source, Channel: "https://news.test/budget/comments/feed"},
				Thread: bot.SourceThread(a), Message: bot.RemoteID(fmt.Sprintf("guid:https://news.test/budget#comment-%d", i)),
				Author: bot.Author{Platform: bot.Source, ID: bot.RemoteID(c.author), Name: c.author}, Body: body, Time: at}
			if c.author == "" {
				ev.Author.Name = bot.AnonymousName
			}
		default:
			place := placeD
			if c.platform == bot.Matrix {
				place = placeM
			}
			ev = bot.Event{Kind: bot.MessageCreated, Place: place, Thread: threadOf(place, a), Message: bot.RemoteID(fmt.Sprintf("%s-%d", c.platform, i)),
				Author: bot.Author{Platform: c.platform, ID: bot.RemoteID("u-" + c.author), Name: c.author}, Body: body, Time: at}
			if c.parent >= 0 {
				// Answer the parent as it appears on this platform: itself, or its mirror.
				ev.ReplyTo = origin[c.parent]
				if plan[c.parent].platform != c.platform {
					ev.ReplyTo = bot.RemoteID(fmt.Sprintf("m%d-%s", commentIDs[c.parent], c.platform))
				}
			}
		}
		fx.event(ev)
		fx.mirrorAll()
		saved, err := fx.db.CommentByOrigin(ctx, ev.Place.Platform, ev.Message)
		if err != nil {
			t.Fatalf("comment %d: %v", i, err)
		}
		origin[i], commentIDs[i] = ev.Message, saved.ID
	}
	fx.event(bot.Event{Kind: bot.MessageEdited, Place: placeD, Thread: threadOf(placeD, a), Message: origin[11],
		Body: richtext.FromPlain(plan[11].text), Time: t0.Add(2 * time.Hour)})
	fx.event(bot.Event{Kind: bot.MessageDeleted, Place: placeD, Thread: threadOf(placeD, a), Message: origin[8], Time: t0.Add(2 * time.Hour)})
	if err := fx.db.React(ctx, commentIDs[0], bot.Author{Platform: bot.Matrix, ID: "@x:test"}, "👍", true); err != nil {
		t.Fatal(err)
	}

	// A delivery that failed for good, with a long room id and error: the
	// page must show it without scrolling sideways on a phone.
	long := bot.Place{Platform: bot.Matrix, Channel: "!averyveryverylongroomidentifierthatgoesonandon:matrix.example.org"}
	if err := fx.db.Enqueue(ctx, bot.OutboxRow{Kind: bot.PostArticle, Target: long, ArticleID: a, Key: "parked"}); err != nil {
		t.Fatal(err)
	}
	pending, err := fx.db.OutboxRows(ctx, bot.OutboxPending, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range pending {
		if r.Key == "parked" {
			if err := fx.db.ParkOutbox(ctx, r.ID, "attempt 8: matrix: M_FORBIDDEN: User @herald:matrix.example.org not in room !averyveryverylongroomidentifierthatgoesonandon:matrix.example.org"); err != nil {
				t.Fatal(err)
			}
		}
	}

	alloc, cancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		// Nothing but the loopback test server resolves.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(t.TempDir()),
	)
	defer cancel()
	bctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	bctx, cancel = context.WithTimeout(bctx, 90*time.Second)
	defer cancel()

	url := fmt.Sprintf("%s/articles/%d", fx.srv.URL, a)
	err = chromedp.Do(bctx,
		chromedp.EmulateViewport(412, 915),
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS("li.comment")),
	)
	if err != nil {
		t.Fatalf("browse %s: %v", url, err)
	}
	got, err := chromedp.Run(bctx, chromedp.Evaluate[[]browserComment](readComments))
	if err != nil {
		t.Fatalf("read the DOM: %v", err)
	}
	overflow, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil {
		t.Fatalf("measure the page: %v", err)
	}
	phone, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	desktop, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(412, 915), chromedp.Navigate(fx.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("li.article-item"))); err != nil {
		t.Fatalf("browse the front page: %v", err)
	}
	front, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := artifactDir(t)
	for name, png := range map[string][]byte{"discussion-phone.png": phone, "discussion-desktop.png": desktop, "front-phone.png": front} {
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", filepath.Join(dir, name))
	}
	if overflow {
		t.Error("the page is wider than a phone screen (412 px): it scrolls sideways")
	}

	if len(got) != len(plan) {
		t.Fatalf("the page shows %d comments, want %d", len(got), len(plan))
	}
	// Document order is the discussion's: each thread under its first
	// comment, replies in the order written.
	wantOrder := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}
	for pos, i := range wantOrder {
		g, c := got[pos], plan[i]
		id := fmt.Sprint(commentIDs[i])
		if g.ID != id {
			t.Errorf("position %d holds comment %s, want %s (%q)", pos, g.ID, id, c.text)
			continue
		}
		wantParent, wantDepth := "", 0
		if c.parent >= 0 {
			wantParent = fmt.Sprint(commentIDs[c.parent])
			for p := c.parent; p >= 0; p = plan[p].parent {
				wantDepth++
			}
		}
		if g.Parent != wantParent || g.Depth != wantDepth {
			t.Errorf("comment %d sits under %q at depth %d, want under %q at depth %d", i, g.Parent, g.Depth, wantParent, wantDepth)
		}
		if g.Dir != "auto" {
			t.Errorf("comment %d body dir=%q, want auto", i, g.Dir)
		}
		if i == 8 {
			if !g.Removed || g.Text != "Comment removed" || g.Author != "" || g.Platform != "" {
				t.Errorf("removed comment shows %+v, want only the placeholder", g)
			}
			continue
		}
		wantAuthor := c.author
		if wantAuthor == "" {
			wantAuthor = bot.AnonymousName
		}
		wantDir := "ltr"
		if c.rtl {
			wantDir = "rtl"
		}
		if g.Removed || g.Platform != string(c.platform) || g.Author != wantAuthor || g.AuthorDir != "auto" ||
			!strings.HasPrefix(g.Text, c.text) || g.Direction != wantDir {
			t.Errorf("comment %d shows %+v, want %s by %q (dir auto) %q laid out %s", i, g, c.platform, wantAuthor, c.text, wantDir)
		}
	}
}
