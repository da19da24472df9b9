package e2etest_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/config"
	"github.com/heraldchat/herald/internal/dendritetest"
	"github.com/heraldchat/herald/internal/e2etest"
)

var homeserver = dendritetest.NewShared(dendritetest.Config{})

func TestMain(m *testing.M) { os.Exit(homeserver.Run(m)) }

// heatedRules are the rules of the heated discussion: one word masked, one
// held, one dropped, duplicates suppressed for ten minutes.
func heatedRules() config.Moderation {
	return config.Moderation{
		Words: []config.WordRule{
			{Pattern: "idiot", Action: config.ActionMask},
			{Pattern: "casino", Action: config.ActionHold},
			{Pattern: "scum", Action: config.ActionDrop},
		},
		DuplicateWindow:    config.Duration(10 * time.Minute),
		RateLimit:          config.RateLimit{Count: 100, Per: config.Duration(time.Minute)},
		MaxLength:          2000,
		NewAuthorLinkLimit: -1,
	}
}

// TestHeatedDiscussion replays a 20-comment heated discussion across the fake
// Discord and Dendrite with the real relay, rules and deliverer, moderates it
// by command, and restarts Herald twice in the middle.
func TestHeatedDiscussion(t *testing.T) {
	env := e2etest.New(t, homeserver, e2etest.Options{Moderation: heatedRules()})
	th := env.PostArticle("heated", "A heated topic")
	ana, ben := env.DiscordPerson("Ana"), env.DiscordPerson("Ben")
	cai, dee := env.MatrixPerson("Cai"), env.MatrixPerson("Dee")

	// mirrored waits until text written on Discord shows once on Matrix, or
	// the other way round.
	onMatrix := func(text string) {
		t.Helper()
		env.WaitFor(text+" on Matrix", func() bool { return env.MatrixCount(th, text) >= 1 })
	}
	onDiscord := func(text string) {
		t.Helper()
		env.WaitFor(text+" on Discord", func() bool { return env.DiscordCount(th, text) >= 1 })
	}

	ana.Say(th, "c01 This policy is a disaster.")
	onMatrix("c01")
	cai.Say(th, "c02 No, it is overdue.")
	onDiscord("c02")
	ben.Say(th, "c03 Read the article before you post.")
	onMatrix("c03")
	dee.Say(th, "c04 You are an idiot.")
	onDiscord("c04")
	ben.Say(th, "c03 Read the article before you post.") // c05: the duplicate
	heldMsg := ana.Say(th, "c06 Cheap casino chips here")
	c07 := cai.Say(th, "c07 Source?")
	onDiscord("c07")
	c08 := ana.Say(th, "c08 The numbers are on page 2.")
	onMatrix("c08") // mirrored in order behind c05 and c06, so those were decided
	dee.Say(th, "c09 you scum")
	ben.Say(th, "c10 calm down everyone")
	onMatrix("c10")
	cai.Say(th, "m10 noted") // a Matrix message after c09, so c09 was decided
	onDiscord("m10")

	if got := env.MatrixCount(th, "c03"); got != 1 {
		t.Errorf("the duplicate: c03 appears %d times on Matrix, want once", got)
	}
	if got := env.DiscordCount(th, "c09"); got != 0 {
		t.Errorf("the dropped c09 appears %d times on Discord, want 0", got)
	}
	if got := env.MatrixCount(th, "c06"); got != 0 {
		t.Errorf("the held c06 appears %d times on Matrix before approval, want 0", got)
	}
	for _, m := range env.DiscordMessages(th) {
		if strings.Contains(m.Content, "c04") {
			if strings.Contains(m.Content, "idiot") || !strings.Contains(m.Content, "•••") {
				t.Errorf("the mirror of c04 on Discord reads %q, want the word masked with •••", m.Content)
			}
		}
	}

	// Ban Dee: the next message is not relayed and is removed on Matrix.
	// (as a Matrix room admin, through `!herald`)
	if r := env.MatrixCommand(`mod ban ` + dee.Ref() + ` 1d insults`); !strings.Contains(r, "is banned") {
		t.Fatalf("!herald mod ban answered %q", r)
	}
	c11 := dee.Say(th, "c11 you cannot silence me")
	cai.Say(th, "c12 good call")
	onDiscord("c12")
	env.WaitFor("Dee's c11 to be redacted on Matrix", func() bool { return !env.MatrixLive(c11) })
	if got := env.DiscordCount(th, "c11"); got != 0 {
		t.Errorf("the banned author's c11 appears %d times on Discord, want 0", got)
	}
	ana.Say(th, "c13 the data is from 2024")
	onMatrix("c13")

	// One mod delete (a Discord slash command with the message link)
	// removes c08 from Discord (its original), Matrix (its mirror) and the
	// web; another (`!herald` with a matrix.to link) removes Cai's c07.
	link := "https://discord.com/channels/" + env.Discord.GuildID() + "/" + th.Discord + "/" + c08
	start := time.Now()
	if r := env.SlashCommand([]string{"mod", "delete"}, map[string]string{"comment": link, "reason": "off-topic"}); !strings.Contains(r, "is deleted") {
		t.Fatalf("/herald mod delete answered %q", r)
	}
	env.WaitFor("c08 gone from Discord, Matrix and the web", func() bool {
		web, _ := env.WebComment(bot.Discord, c08)
		return env.DiscordCount(th, "c08") == 0 && env.MatrixCount(th, "c08") == 0 && !web.Deleted.IsZero()
	})
	t.Logf("mod delete of a Discord comment: gone from Discord, Matrix and the web after %s", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	permalink := "https://matrix.to/#/" + string(env.Room) + "/" + string(c07) + "?via=localhost"
	if r := env.MatrixCommand(`mod delete ` + permalink); !strings.Contains(r, "is deleted") {
		t.Fatalf("!herald mod delete answered %q", r)
	}
	env.WaitFor("c07 gone from Matrix, Discord and the web", func() bool {
		web, _ := env.WebComment(bot.Matrix, string(c07))
		return env.DiscordCount(th, "c07") == 0 && env.MatrixCount(th, "c07") == 0 && !web.Deleted.IsZero()
	})
	t.Logf("mod delete of a Matrix comment: gone from Matrix, Discord and the web after %s", time.Since(start).Round(time.Millisecond))

	ben.Say(th, "c14 thanks mods")
	onMatrix("c14")
	cai.Say(th, "c15 back to the topic")
	onDiscord("c15")

	// The review queue holds c06 until an admin approves it.
	queue := env.SlashCommand([]string{"mod", "queue"}, nil)
	heldID := regexp.MustCompile(`(?m)^(\d+) · Ana`).FindStringSubmatch(queue)
	if heldID == nil || !strings.Contains(queue, "c06") {
		t.Fatalf("/herald mod queue = %q, want Ana's c06 listed", queue)
	}
	if r := env.MatrixCommand("mod approve " + heldID[1]); !strings.Contains(r, "approved") {
		t.Fatalf("!herald mod approve answered %q", r)
	}
	onMatrix("c06")
	ana.Say(th, "c16 the vote is tomorrow")
	onMatrix("c16")

	// Restart every Herald part over the same database.
	env.Restart()
	c17 := dee.Say(th, "c17 still here")
	ben.Say(th, "c03 Read the article before you post.") // c18: the duplicate again
	c19 := cai.Say(th, "c19 casino night!")
	cai.Say(th, "c19b after the casino post") // held too: same word
	ana.Say(th, "c20 final word")
	onMatrix("c20")
	env.WaitFor("Dee's c17 to be redacted after the restart", func() bool { return !env.MatrixLive(c17) })
	cai.Say(th, "c21 closing")
	onDiscord("c21")

	env.Restart()
	queue = env.MatrixCommand("mod queue")
	heldID = regexp.MustCompile(`(?m)^(\d+) · Cai.*c19 casino`).FindStringSubmatch(queue)
	if heldID == nil {
		t.Fatalf("mod queue after two restarts = %q, want Cai's c19 waiting", queue)
	}
	if r := env.Admin("mod approve " + heldID[1] + " fine in context"); r.Failed {
		t.Fatalf("mod approve after restart: %s", r)
	}
	onDiscord("c19 casino")
	env.Idle()

	// What every platform shows at the end.
	for _, text := range []string{"c01", "c03", "c06", "c10", "c13", "c14", "c16", "c20"} {
		if got := env.MatrixCount(th, text); got != 1 {
			t.Errorf("%s (from Discord) appears %d times on Matrix, want once", text, got)
		}
	}
	for _, text := range []string{"c02", "c04", "m10", "c12", "c15", "c19 casino", "c21"} {
		if got := env.DiscordCount(th, text); got != 1 {
			t.Errorf("%s (from Matrix) appears %d times on Discord, want once", text, got)
		}
	}
	for _, text := range []string{"c07", "c08", "c11", "c17"} { // deleted or removed: on neither
		if d, m := env.DiscordCount(th, text), env.MatrixCount(th, text); d+m != 0 {
			t.Errorf("%s shows %d times on Discord and %d on Matrix, want on neither", text, d, m)
		}
	}
	for _, text := range []string{"c09", "c19b"} { // dropped or still held: only the original on Matrix
		if d, m := env.DiscordCount(th, text), env.MatrixCount(th, text); d != 0 || m != 1 {
			t.Errorf("%s shows %d times on Discord and %d on Matrix, want only its original on Matrix", text, d, m)
		}
	}
	if c, ok := env.WebComment(bot.Matrix, string(c19)); !ok || !c.Deleted.IsZero() {
		t.Errorf("approved c19 on the web = %+v, %v; want a live comment", c, ok)
	}
	if c, ok := env.WebComment(bot.Discord, heldMsg); !ok || c.Body.PlainText() != "c06 Cheap casino chips here" {
		t.Errorf("approved c06 on the web = %+v, %v", c, ok)
	}
	for _, gone := range []struct {
		p   bot.Platform
		msg string
	}{{bot.Discord, c08}, {bot.Matrix, string(c07)}} {
		c, ok := env.WebComment(gone.p, gone.msg)
		if !ok || c.Deleted.IsZero() || c.Body.PlainText() != "" {
			t.Errorf("deleted %s comment %s after two restarts = %+v, %v; want deleted with no text", gone.p, gone.msg, c, ok)
		}
	}

	log, err := env.DB.ModLog(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[bot.ModAction]int{}
	for _, e := range log {
		seen[e.Action]++
	}
	want := map[bot.ModAction]int{bot.ModMask: 1, bot.ModHold: 3, bot.ModDrop: 3, bot.ModBan: 1, bot.ModRemove: 2,
		bot.ModDelete: 2, bot.ModApprove: 2}
	for a, n := range want {
		if seen[a] != n {
			t.Errorf("moderation log has %d %s entries, want %d (log: %+v)", seen[a], a, n, log)
		}
	}
}

// TestModerationWithoutRights: where the bot may not remove members'
// messages (no Manage Messages on Discord), a mod delete still removes every
// mirror and hides the comment on the web; the original's removal is parked
// with an error naming the permission, for admins. A late edit of the
// original never brings the comment back, and a ban's purge deletes an
// author's earlier comments everywhere.
func TestModerationWithoutRights(t *testing.T) {
	env := e2etest.New(t, homeserver, e2etest.Options{NoManageMessages: true, NoRedactPower: true})
	th := env.PostArticle("rights", "Rights")
	eve := env.DiscordPerson("Eve")
	fay := env.MatrixPerson("Fay")

	e1 := eve.Say(th, "e1 first take")
	env.WaitFor("e1 on Matrix", func() bool { return env.MatrixCount(th, "e1") == 1 })
	if r := env.Admin("mod delete discord:" + e1 + " test"); r.Failed {
		t.Fatalf("mod delete: %s", r)
	}
	env.WaitFor("e1's mirror gone from Matrix and the comment hidden on the web", func() bool {
		c, _ := env.WebComment(bot.Discord, e1)
		return env.MatrixCount(th, "e1") == 0 && !c.Deleted.IsZero()
	})
	var parked []bot.OutboxRow
	env.WaitFor("the original's removal to be parked", func() bool {
		parked, _ = env.DB.OutboxRows(context.Background(), bot.OutboxParked, 0)
		return len(parked) == 1
	})
	if parked[0].Kind != bot.DeleteComment || !strings.Contains(parked[0].LastError, "Manage Messages") {
		t.Errorf("parked row = %s %q, want a delete_comment naming Manage Messages", parked[0].Kind, parked[0].LastError)
	}
	if got := env.DiscordCount(th, "e1"); got != 1 {
		t.Errorf("e1's original on Discord: %d messages, want it kept (the bot has no right to remove it)", got)
	}
	// The author edits the original after the delete: nothing comes back.
	if err := env.Discord.EditBy(e1, "e1 edited back to life"); err != nil {
		t.Fatal(err)
	}
	eve.Say(th, "e2 next")
	env.WaitFor("e2 on Matrix", func() bool { return env.MatrixCount(th, "e2") == 1 })
	if got := env.MatrixCount(th, "e1"); got != 0 {
		t.Errorf("after a late edit, e1 shows %d times on Matrix, want 0", got)
	}
	if c, _ := env.WebComment(bot.Discord, e1); c.Deleted.IsZero() || c.Body.PlainText() != "" {
		t.Errorf("after a late edit the web comment is %+v, want deleted with no text", c)
	}

	// Purge: Fay's two comments go from Discord (mirrors) and the web; on
	// Matrix the bot lacks the redact power level, so the originals stay
	// and their removals are parked with the homeserver's refusal.
	f1 := fay.Say(th, "f1 one")
	f2 := fay.Say(th, "f2 two")
	env.WaitFor("f1 and f2 on Discord", func() bool { return env.DiscordCount(th, "f1") == 1 && env.DiscordCount(th, "f2") == 1 })
	if r := env.Admin("mod ban " + fay.Ref() + " 1h trolling purge=yes"); r.Failed || !strings.Contains(r.String(), "2 of their comments") {
		t.Fatalf("mod ban with purge: %s", r)
	}
	env.WaitFor("Fay's comments gone from Discord and the web, the Matrix removals parked", func() bool {
		parked, _ = env.DB.OutboxRows(context.Background(), bot.OutboxParked, 0)
		w1, _ := env.WebComment(bot.Matrix, string(f1))
		w2, _ := env.WebComment(bot.Matrix, string(f2))
		return env.DiscordCount(th, "f1")+env.DiscordCount(th, "f2") == 0 && !w1.Deleted.IsZero() && !w2.Deleted.IsZero() && len(parked) == 3
	})
	for _, row := range parked[1:] {
		if row.Target.Platform != bot.Matrix || !strings.Contains(row.LastError, "403") {
			t.Errorf("parked Matrix removal = %s to %s %q, want the homeserver's 403", row.Kind, row.Target, row.LastError)
		}
	}
	if !env.MatrixLive(f1) || !env.MatrixLive(f2) {
		t.Error("Fay's originals were redacted although the bot has no redact power")
	}
	env.Restart()
	if c, _ := env.WebComment(bot.Matrix, string(f2)); c.Deleted.IsZero() {
		t.Errorf("purged f2 after a restart = %+v, want deleted", c)
	}
	if r := env.Admin("mod unban " + fay.Ref()); r.Failed {
		t.Fatalf("mod unban: %s", r)
	}
	fay.Say(th, "f3 I am back")
	env.WaitFor("f3 on Discord after the unban", func() bool { return env.DiscordCount(th, "f3") == 1 })
}

// TestAuthorDeleteNeverComesBack: a comment its author deletes on the
// platform it came from is gone from the other platform and the web, and a
// late edit or a restart does not bring it back.
func TestAuthorDeleteNeverComesBack(t *testing.T) {
	env := e2etest.New(t, homeserver, e2etest.Options{})
	th := env.PostArticle("authors", "Authors")
	gus := env.DiscordPerson("Gus")
	hal := env.MatrixPerson("Hal")

	g1 := gus.Say(th, "g1 I take this back")
	h1 := hal.Say(th, "h1 me too")
	env.WaitFor("g1 on Matrix and h1 on Discord", func() bool {
		return env.MatrixCount(th, "g1") == 1 && env.DiscordCount(th, "h1") == 1
	})
	if err := env.Discord.DeleteBy(g1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), e2etest.WaitLimit)
	defer cancel()
	if _, err := hal.Client.RedactEvent(ctx, env.Room, h1); err != nil {
		t.Fatal(err)
	}
	gone := func() bool {
		g, _ := env.WebComment(bot.Discord, g1)
		h, _ := env.WebComment(bot.Matrix, string(h1))
		return env.MatrixCount(th, "g1") == 0 && env.DiscordCount(th, "h1") == 0 && !g.Deleted.IsZero() && !h.Deleted.IsZero()
	}
	env.WaitFor("both deleted comments gone everywhere", gone)
	// A late edit of the redacted event (a client that had it cached).
	edit := &event.MessageEventContent{MsgType: event.MsgText, Body: "* h1 edited back",
		NewContent: &event.MessageEventContent{MsgType: event.MsgText, Body: "h1 edited back"},
		RelatesTo:  (&event.RelatesTo{}).SetReplace(h1)}
	if _, err := hal.Client.SendMessageEvent(ctx, env.Room, event.EventMessage, edit); err != nil {
		t.Fatal(err)
	}
	hal.Say(th, "h2 after")
	env.WaitFor("h2 on Discord", func() bool { return env.DiscordCount(th, "h2") == 1 })
	env.Restart()
	gus.Say(th, "g2 after the restart")
	env.WaitFor("g2 on Matrix", func() bool { return env.MatrixCount(th, "g2") == 1 })
	if !gone() {
		t.Errorf("a deleted comment came back: g1 on Matrix %d, h1 on Discord %d", env.MatrixCount(th, "g1"), env.DiscordCount(th, "h1"))
	}
	if c, _ := env.WebComment(bot.Matrix, string(h1)); c.Body.PlainText() != "" {
		t.Errorf("the web shows deleted h1 as %q, want no text", c.Body.PlainText())
	}
}
