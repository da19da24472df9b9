package bot_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/config"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

var modT0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// modFixture is a real store with one article and the rules under test.
type modFixture struct {
	t       *testing.T
	db      *store.DB
	rules   *bot.Rules
	article int64
	seq     int
}

func newModFixture(t *testing.T, db *store.DB, cfg config.Moderation) *modFixture {
	t.Helper()
	ctx := context.Background()
	f, err := db.AddFeed(ctx, bot.FeedSpec{URL: "https://mod.test/feed"}, bot.FromCommand)
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Ingest(ctx, f.ID, []bot.Incoming{{Article: bot.Article{Key: "a", Title: "A", Hash: "h"}}})
	if err != nil {
		t.Fatal(err)
	}
	rules, err := bot.NewRules(db, cfg, bot.RulesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &modFixture{t: t, db: db, rules: rules, article: res[0].ArticleID}
}

// say runs one new comment through the rules and, when they allow it,
// saves it as the relay would. It returns the decision.
func (f *modFixture) say(by bot.Author, text string, at time.Time) (bot.Decision, bot.Comment) {
	f.t.Helper()
	f.seq++
	c := bot.Comment{ArticleID: f.article, Author: by, Body: richtext.FromPlain(text), Created: at,
		Origin: bot.PostRef{Place: bot.Place{Platform: by.Platform, Channel: "ch"}, Message: bot.RemoteID("m" + strconv.Itoa(f.seq)), Thread: "th"}}
	return f.check(bot.MessageCreated, c)
}

func (f *modFixture) check(kind bot.EventKind, c bot.Comment) (bot.Decision, bot.Comment) {
	f.t.Helper()
	d, err := f.rules.Check(context.Background(), bot.Event{Kind: kind}, c)
	if err != nil {
		f.t.Fatalf("Check(%q): %v", c.Body.PlainText(), err)
	}
	if d.Action == bot.Allow {
		if _, _, err := f.db.SaveComment(context.Background(), d.Comment); err != nil {
			f.t.Fatal(err)
		}
	}
	return d, c
}

var (
	modAna = bot.Author{Platform: bot.Discord, ID: "111", Name: "Ana"}
	modBen = bot.Author{Platform: bot.Matrix, ID: "@ben:test", Name: "Ben"}
)

func TestRulesWords(t *testing.T) {
	f := newModFixture(t, storetest.Open(t), config.Moderation{
		NewAuthorLinkLimit: -1,
		Words: []config.WordRule{
			{Pattern: "idiot", Action: config.ActionMask},
			{Pattern: `(?i)\bfree\s+money\b`, Regex: true, Action: config.ActionHold},
			{Pattern: "غبي", Action: config.ActionMask},
			{Pattern: "scum", Action: config.ActionDrop},
		},
	})
	tests := []struct {
		text       string
		wantAction bot.Action
		wantText   string // the text that would be mirrored, when allowed
	}{
		{"You IDIOT!", bot.Allow, "You •••!"},
		{"idiotic but not a word match", bot.Allow, "idiotic but not a word match"},
		{"idiot, idiot", bot.Allow, "•••, •••"},
		{"أنت غبي جدا", bot.Allow, "أنت ••• جدا"},
		{"get FREE  money now", bot.Hold, ""},
		{"you scum", bot.Drop, ""},
		{"scummy weather", bot.Allow, "scummy weather"},
	}
	for i, tt := range tests {
		d, _ := f.say(modAna, tt.text, modT0.Add(time.Duration(i)*time.Hour))
		if d.Action != tt.wantAction {
			t.Errorf("%q: action %s (%s), want %s", tt.text, d.Action, d.Reason, tt.wantAction)
			continue
		}
		if tt.wantAction == bot.Allow && d.Comment.Body.PlainText() != tt.wantText {
			t.Errorf("%q: mirrored text %q, want %q", tt.text, d.Comment.Body.PlainText(), tt.wantText)
		}
	}
	log, err := f.db.ModLog(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[bot.ModAction]int{}
	for _, e := range log {
		counts[e.Action]++
		if e.Actor != bot.RulesActor() || e.Reason == "" {
			t.Errorf("rule log entry %+v: want Herald's rules as actor and a reason", e)
		}
	}
	if counts[bot.ModMask] != 3 || counts[bot.ModHold] != 1 || counts[bot.ModDrop] != 1 {
		t.Errorf("log counts = %v, want 3 masks, 1 hold, 1 drop", counts)
	}
}

func TestRulesRateLimitDuplicatesLengthLinks(t *testing.T) {
	f := newModFixture(t, storetest.Open(t), config.Moderation{
		RateLimit:          config.RateLimit{Count: 3, Per: config.Duration(time.Minute)},
		DuplicateWindow:    config.Duration(10 * time.Minute),
		MaxLength:          40,
		NewAuthorLinkLimit: 1,
	})
	step := func(by bot.Author, text string, at time.Time, want bot.Action, reason string) {
		t.Helper()
		d, _ := f.say(by, text, at)
		if d.Action != want || !strings.Contains(d.Reason, reason) {
			t.Errorf("%s says %q at +%s: %s (%q), want %s (%q)", by.Name, text, at.Sub(modT0), d.Action, d.Reason, want, reason)
		}
	}
	// Rate limit: three a minute, the fourth waits for review.
	step(modAna, "one", modT0, bot.Allow, "")
	step(modAna, "two", modT0.Add(10*time.Second), bot.Allow, "")
	step(modAna, "three", modT0.Add(20*time.Second), bot.Allow, "")
	step(modAna, "four", modT0.Add(30*time.Second), bot.Hold, "rate limit")
	step(modBen, "someone else is not limited", modT0.Add(31*time.Second), bot.Allow, "")
	// Still limited while the held one counts in the window; free after it.
	step(modAna, "five", modT0.Add(50*time.Second), bot.Hold, "rate limit")
	step(modAna, "six", modT0.Add(3*time.Minute), bot.Allow, "")
	// Duplicates: case, spacing and trailing punctuation do not matter.
	step(modAna, "  ONE!! ", modT0.Add(4*time.Minute), bot.Drop, "duplicate")
	step(modBen, "one", modT0.Add(4*time.Minute), bot.Allow, "")  // another author
	step(modAna, "one", modT0.Add(15*time.Minute), bot.Allow, "") // outside the window
	// Length.
	step(modAna, strings.Repeat("long ", 10), modT0.Add(20*time.Minute), bot.Hold, "too long")
	// Links from a first-time author.
	newbie := bot.Author{Platform: bot.Discord, ID: "222", Name: "Newbie"}
	step(newbie, "see https://a.example and www.b.example", modT0.Add(21*time.Minute), bot.Hold, "new authors")
	step(newbie, "just one https://a.example", modT0.Add(22*time.Minute), bot.Allow, "")
	step(newbie, "now https://a.example https://c.example", modT0.Add(23*time.Minute), bot.Allow, "") // seen now
}

func TestRulesBansQueueAndReplays(t *testing.T) {
	ctx := context.Background()
	path := storetest.SQLitePath(t)
	db, err := store.Open(ctx, store.SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	f := newModFixture(t, db, config.Moderation{NewAuthorLinkLimit: -1, DuplicateWindow: config.Duration(time.Hour),
		Words: []config.WordRule{{Pattern: "casino", Action: config.ActionHold}}})
	mod := bot.NewModeration(db, bot.ModerationOptions{Now: func() time.Time { return modT0 }})
	admin := bot.Author{Platform: bot.Discord, ID: "999", Name: "Mo"}

	d, first := f.say(modBen, "hello all", modT0)
	if d.Action != bot.Allow {
		t.Fatalf("first comment: %s", d.Action)
	}
	// A replayed create of a stored comment is allowed as it is, although it
	// now equals an existing comment: the store ignores it.
	if d, _ := f.check(bot.MessageCreated, first); d.Action != bot.Allow {
		t.Errorf("replay of a stored comment: %s (%s), want allow", d.Action, d.Reason)
	}

	if _, _, err := mod.Ban(ctx, admin, "Ben", time.Hour, "insults", false); err != nil {
		t.Fatalf("ban Ben by name: %v", err)
	}
	d, banned := f.say(modBen, "you cannot stop me", modT0.Add(time.Minute))
	if d.Action != bot.Drop || !strings.Contains(d.Reason, "insults") {
		t.Errorf("banned author's comment: %s (%q), want drop naming the ban", d.Action, d.Reason)
	}
	if c, err := db.CommentByOrigin(ctx, banned.Origin.Place.Platform, banned.Origin.Message); err != nil || c.Deleted.IsZero() {
		t.Errorf("banned author's comment in the store = %+v, %v; want kept as deleted (its removal is queued)", c, err)
	}
	// The ban ends after its hour.
	if d, _ := f.say(modBen, "back again", modT0.Add(61*time.Minute)); d.Action != bot.Allow {
		t.Errorf("comment after the ban expired: %s (%s), want allow", d.Action, d.Reason)
	}

	d, held := f.say(modAna, "casino tonight", modT0.Add(2*time.Minute))
	if d.Action != bot.Hold {
		t.Fatalf("casino comment: %s, want hold", d.Action)
	}
	// Its author edits it while it waits: the queue keeps the new text, and
	// it stays held.
	held.Body, held.Edited = richtext.FromPlain("casino tonight, 8pm"), modT0.Add(3*time.Minute)
	if d, _ := f.check(bot.MessageEdited, held); d.Action != bot.Hold {
		t.Errorf("edit of a held comment: %s, want hold", d.Action)
	}

	// Restart: reopen the store and build the rules again.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(ctx, store.SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.db, mod = db, bot.NewModeration(db, bot.ModerationOptions{Now: func() time.Time { return modT0.Add(time.Hour) }})
	if f.rules, err = bot.NewRules(db, config.Moderation{NewAuthorLinkLimit: -1, DuplicateWindow: config.Duration(time.Hour)}, bot.RulesOptions{}); err != nil {
		t.Fatal(err)
	}
	if d, _ := f.say(modBen, "hello all", modT0.Add(50*time.Minute)); d.Action != bot.Drop {
		t.Errorf("duplicate after a restart: %s, want drop", d.Action)
	}
	queue, err := mod.Queue(ctx, 0)
	if err != nil || len(queue) != 1 || queue[0].Comment.Body.PlainText() != "casino tonight, 8pm" {
		t.Fatalf("queue after a restart = %+v, %v; want the edited casino comment", queue, err)
	}
	saved, err := mod.Approve(ctx, admin, queue[0].ID, "ok")
	if err != nil || saved.ID == 0 {
		t.Fatalf("approve: %+v, %v", saved, err)
	}
	if _, err := mod.Approve(ctx, admin, queue[0].ID, ""); err == nil {
		t.Error("approving twice succeeded")
	}
	// Delete it as a moderator by its platform message; a late edit and a
	// replayed create never bring it back.
	if _, err := mod.Delete(ctx, admin, "discord:"+string(held.Origin.Message), "spam after all"); err != nil {
		t.Fatalf("mod delete: %v", err)
	}
	if _, changed, _ := db.EditComment(ctx, bot.Discord, held.Origin.Message, richtext.FromPlain("resurrected"), modT0.Add(2*time.Hour)); changed {
		t.Error("a late edit changed a deleted comment")
	}
	if d, _ := f.check(bot.MessageCreated, held); d.Action != bot.Allow {
		t.Errorf("replayed create of a deleted comment: %s, want allow (the store ignores it)", d.Action)
	}
	if c, _ := db.Comment(ctx, saved.ID); c.Deleted.IsZero() || c.Body.PlainText() != "" {
		t.Errorf("deleted comment after the late events = %+v", c)
	}
}

// TestRelayModeratesEdits drives edits through the relay: masked words are
// masked in edits too, and an edit a rule would drop or hold, or one by a
// banned author, is not relayed (the comment keeps its last allowed text).
func TestRelayModeratesEdits(t *testing.T) {
	db := storetest.Open(t)
	r := newRelayRig(t, db)
	rules, err := bot.NewRules(db, config.Moderation{NewAuthorLinkLimit: -1, Words: []config.WordRule{
		{Pattern: "idiot", Action: config.ActionMask},
		{Pattern: "scum", Action: config.ActionDrop},
		{Pattern: "casino", Action: config.ActionHold},
	}}, bot.RulesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r.relay = bot.NewRelay(db, bot.RelayOptions{Moderator: rules})
	id := r.say(rigD1, "hello", "")
	ctx := context.Background()
	text := func() string {
		c, err := db.CommentByOrigin(ctx, bot.Discord, id)
		if err != nil {
			t.Fatal(err)
		}
		return c.Body.PlainText()
	}
	edit := func(s string, at time.Time) {
		ev := r.event(bot.MessageEdited, rigD1, id, s, "")
		ev.Time = at
		r.receive(ev)
	}
	edit("hello idiot", modT0.Add(time.Minute))
	if got := text(); got != "hello •••" {
		t.Errorf("after a masked edit the comment reads %q, want %q", got, "hello •••")
	}
	edit("you scum", modT0.Add(2*time.Minute))
	edit("casino time", modT0.Add(3*time.Minute))
	if got := text(); got != "hello •••" {
		t.Errorf("after edits with drop and hold words the comment reads %q, want the last allowed text", got)
	}
	c := r.comment(rigD1, id)
	mod := bot.NewModeration(db, bot.ModerationOptions{})
	if _, _, err := mod.Ban(ctx, bot.Author{Platform: bot.Discord, ID: "1"}, string(c.Author.Platform)+":"+string(c.Author.ID), 0, "", false); err != nil {
		t.Fatal(err)
	}
	edit("fine words from a banned author", modT0.Add(4*time.Minute))
	if got := text(); got != "hello •••" {
		t.Errorf("after an edit by a banned author the comment reads %q", got)
	}
	log, _ := db.ModLog(ctx, 0)
	withheld := 0
	for _, e := range log {
		if e.Action == bot.ModDrop && strings.HasPrefix(e.Reason, "edit not relayed") {
			withheld++
		}
	}
	if withheld != 3 {
		t.Errorf("%d withheld edits logged, want 3: %+v", withheld, log)
	}
}

func TestRulesSetConfig(t *testing.T) {
	f := newModFixture(t, storetest.Open(t), config.Moderation{NewAuthorLinkLimit: -1})
	if d, _ := f.say(modAna, "casino one", modT0); d.Action != bot.Allow {
		t.Fatalf("before the reload: %s, want allow", d.Action)
	}
	hold := config.Moderation{NewAuthorLinkLimit: -1, Words: []config.WordRule{{Pattern: "casino", Action: config.ActionHold}}}
	if err := f.rules.SetConfig(hold); err != nil {
		t.Fatal(err)
	}
	if d, _ := f.say(modAna, "casino two", modT0.Add(time.Minute)); d.Action != bot.Hold {
		t.Errorf("after the reload: %s, want hold", d.Action)
	}
	bad := config.Moderation{Words: []config.WordRule{{Pattern: "(", Regex: true, Action: config.ActionDrop}}}
	if err := f.rules.SetConfig(bad); err == nil || !strings.Contains(err.Error(), "moderation.words[0].pattern") {
		t.Errorf("SetConfig with a broken regex: %v, want an error naming moderation.words[0].pattern", err)
	}
	if d, _ := f.say(modAna, "casino three", modT0.Add(2*time.Minute)); d.Action != bot.Hold {
		t.Errorf("after a refused reload: %s, want the old rules (hold)", d.Action)
	}
}
