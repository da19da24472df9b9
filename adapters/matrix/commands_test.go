package matrix

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/bot/commandtest"
	"github.com/heraldchat/herald/richtext/matrixhtml"
)

// cmdRoom is a room with the bot answering `!herald` commands: alice made
// it (power 100), bob joined (power 0), carol joined and is in the
// config's admin list.
type cmdRoom struct {
	room              id.RoomID
	place             bot.Place
	alice, bob, carol *peer
	bot               id.UserID
	rig               *commandtest.Rig

	mu     sync.Mutex
	admins []string // the config's admin list, changeable as a reload would
}

func newCmdRoom(t *testing.T) *cmdRoom {
	t.Helper()
	srv := homeserver.Server(t)
	alice := newPeer(t, srv, homeserver.NewUser(t, "alice"), "Alice")
	bob := newPeer(t, srv, homeserver.NewUser(t, "bob"), "Bob")
	carol := newPeer(t, srv, homeserver.NewUser(t, "carol"), "Carol")
	room := alice.room(t)
	for _, p := range []*peer{bob, carol} {
		if _, err := p.JoinRoomByID(testCtx(t), room); err != nil {
			t.Fatalf("%s joins: %v", p.user.ID, err)
		}
	}
	place := bot.Place{Platform: bot.Matrix, Channel: bot.RemoteID(room)}
	rig := commandtest.New(t, place)
	botUser := homeserver.NewUser(t, "herald")
	a := New(botOptions(t, srv, botUser, rig.DB, room))
	r := &cmdRoom{room: room, place: place, alice: alice, bob: bob, carol: carol, bot: id.UserID(botUser.ID), rig: rig,
		admins: []string{carol.user.ID}}
	a.ServeCommands(&Commands{Tree: rig.Tree, Prefix: "!herald", Admins: func() ([]string, int) {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.admins, 50
	}})
	running(t, a, newInbox())
	synced(t, a)
	return r
}

// reply is the bot's answer to one command.
type reply struct {
	text   string
	notice bool
	thread id.EventID // the thread it was posted in, if any
}

// send posts `!herald line`, in a thread when root is set.
func (r *cmdRoom) send(t *testing.T, p *peer, line string, root id.EventID) id.EventID {
	t.Helper()
	var rel *event.RelatesTo
	if root != "" {
		rel = inThread(root, root)
	}
	return p.say(t, r.room, "!herald "+line, rel)
}

// replies waits until the bot answered every command and returns the
// answers by command event.
func (r *cmdRoom) replies(t *testing.T, cmds ...id.EventID) map[id.EventID]reply {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		got := map[id.EventID]reply{}
		for _, ev := range r.alice.roomEvents(t, r.room) {
			if ev.Sender != r.bot {
				continue
			}
			msg := ev.Content.AsMessage()
			if msg.RelatesTo == nil || msg.RelatesTo.InReplyTo == nil {
				continue
			}
			rp := reply{text: matrixhtml.Parse(msg).PlainText(), notice: msg.MsgType == event.MsgNotice}
			if msg.RelatesTo.Type == event.RelThread {
				rp.thread = msg.RelatesTo.EventID
			}
			got[msg.RelatesTo.InReplyTo.EventID] = rp
		}
		missing := 0
		for _, c := range cmds {
			if _, ok := got[c]; !ok {
				missing++
			}
		}
		if missing == 0 {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d commands got no answer within %s", missing, len(cmds), waitFor)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (r *cmdRoom) ask(t *testing.T, p *peer, line string) reply {
	t.Helper()
	ev := r.send(t, p, line, "")
	return r.replies(t, ev)[ev]
}

func TestMatrixCommands(t *testing.T) {
	r := newCmdRoom(t)

	t.Run("malformed", func(t *testing.T) {
		var sent []id.EventID
		cases := make([]commandtest.Case, len(commandtest.Malformed))
		for i, c := range commandtest.Malformed {
			cases[i] = c.Expand(r.rig.Base, r.place)
			sent = append(sent, r.send(t, r.alice, cases[i].Line, ""))
		}
		got := r.replies(t, sent...)
		for i, c := range cases {
			if g := got[sent[i]]; g.text != c.Want || !g.notice {
				t.Errorf("%s: !herald %s\n got %q (notice %t)\nwant %q as m.notice", c.Name, c.Line, g.text, g.notice, c.Want)
			}
		}
		if n := len(r.rig.Feeds(t)); n != 1 {
			t.Errorf("after malformed commands there are %d feeds, want the 1 from the config", n)
		}
	})

	t.Run("admin", func(t *testing.T) {
		base := r.rig.Base
		for _, s := range []struct{ line, want string }{
			{`feed add ` + base + `/feed.xml "*/30 * * * *" name="Loop news"`,
				`Added feed "Loop news" (#2), checked on */30 * * * *, posting to ` + r.place.String()},
			{"feed list", `"Loop news" (#2) ` + base + "/feed.xml"},
			{`feed pause "loop news" too chatty`, `Paused feed "Loop news" (#2) (paused by Alice on matrix: too chatty)`},
			{"status", `"Loop news" (#2): paused by Alice on matrix: too chatty`},
			{"feed resume 2", `Resumed feed "Loop news" (#2)`},
			{"feed test " + base + "/other.xml", "Other News: 1 items. The next post would be:"},
			{"post " + base + "/c/late", `Posting "Late story" now to ` + r.place.String()},
			{"link discord:1081234567890123456", "Linked " + r.place.String() + " with discord:1081234567890123456"},
			{"unlink discord:1081234567890123456", "Unlinked discord:1081234567890123456"},
			{"feed remove " + base + "/feed.xml", `Removed feed "Loop news" (#2)`},
			{"help feed pause", "feed pause <feed> [reason…]"},
		} {
			if got := r.ask(t, r.alice, s.line); !strings.Contains(got.text, s.want) || !got.notice {
				t.Errorf("!herald %s\n got %q (notice %t)\nwant it to contain %q", s.line, got.text, got.notice, s.want)
			}
		}
		if got := r.ask(t, r.carol, "feed list"); !strings.HasPrefix(got.text, "1 feeds:") {
			t.Errorf("carol is in admin_users: feed list gave %q", got.text)
		}
		// A reload takes carol off the list: the next command is refused.
		r.mu.Lock()
		r.admins = nil
		r.mu.Unlock()
		if got := r.ask(t, r.carol, "feed list"); !strings.HasPrefix(got.text, "Sorry") {
			t.Errorf("carol taken off admin_users: feed list gave %q, want a refusal", got.text)
		}
	})

	t.Run("non-admin", func(t *testing.T) {
		const hint = "Admins have a high enough power level in this room or are listed in Herald's config."
		lines := []struct{ line, cmd string }{
			{"feed add " + r.rig.Base + "/feed.xml", "feed add"},
			{`feed remove "Config News"`, "feed remove"},
			{"feed list", "feed list"},
			{"feed pause 1", "feed pause"},
			{"feed resume 1", "feed resume"},
			{"feed test " + r.rig.Base + "/feed.xml", "feed test"},
			{"post " + r.rig.Base + "/c/late", "post"},
			{"link discord:1081234567890123456", "link"},
			{"unlink", "unlink"},
			{"status", "status"},
		}
		var sent []id.EventID
		for _, l := range lines {
			sent = append(sent, r.send(t, r.bob, l.line, ""))
		}
		got := r.replies(t, sent...)
		for i, l := range lines {
			want := `Sorry, "` + l.cmd + `" is for Herald's admins only, and nothing was changed. ` + hint
			if g := got[sent[i]]; g.text != want {
				t.Errorf("bob: !herald %s\n got %q\nwant %q", l.line, g.text, want)
			}
		}
		if feeds := r.rig.Feeds(t); len(feeds) != 1 || feeds[0].Paused {
			t.Errorf("refused commands changed the feeds: %+v", feeds)
		}
		if got := r.ask(t, r.bob, "help"); !strings.Contains(got.text, "feed add <url>") {
			t.Errorf("help for bob: %q, want the command list", got.text)
		}
	})

	t.Run("formatted body", func(t *testing.T) {
		// A Markdown client renders "*/15 * * * *" as emphasis in
		// formatted_body; the command is read from the plain body.
		body := `!herald feed add ` + r.rig.Base + `/other.xml "*/15 * * * *"`
		content := &event.MessageEventContent{MsgType: event.MsgText, Body: body, Format: event.FormatHTML,
			FormattedBody: `!herald feed add ` + r.rig.Base + `/other.xml &quot;<em>/15 </em> * * *&quot;`}
		resp, err := r.alice.SendMessageEvent(testCtx(t), r.room, event.EventMessage, content)
		if err != nil {
			t.Fatal(err)
		}
		got := r.replies(t, resp.EventID)[resp.EventID]
		if !strings.Contains(got.text, "checked on */15 * * * *") {
			t.Errorf("feed add with a Markdown-mangled formatted body: %q, want the schedule from the plain body", got.text)
		}
	})

	t.Run("in a thread", func(t *testing.T) {
		root := r.alice.say(t, r.room, "an article thread", nil)
		ev := r.send(t, r.alice, "help", root)
		got := r.replies(t, ev)[ev]
		if got.thread != root || !strings.Contains(got.text, "feed add <url>") {
			t.Errorf("answer in thread %q: %q, want the help in thread %s", got.thread, got.text, root)
		}
	})
}

// TestMatrixLongAnswer: an answer too long for one event takes several,
// each an m.notice replying to the command, none over the size bound.
func TestMatrixLongAnswer(t *testing.T) {
	r := newCmdRoom(t)
	for i := range 300 {
		_, err := r.rig.DB.AddFeed(testCtx(t), bot.FeedSpec{URL: fmt.Sprintf("https://long.example/feeds/%03d.xml", i),
			Name: fmt.Sprintf("A rather long feed name number %03d", i)}, bot.FromCommand)
		if err != nil {
			t.Fatal(err)
		}
	}
	cmd := r.send(t, r.alice, "feed list", "")
	deadline := time.Now().Add(waitFor)
	for {
		var parts []string
		for _, ev := range r.alice.roomEvents(t, r.room) {
			msg := ev.Content.AsMessage()
			if ev.Sender == r.bot && msg.RelatesTo != nil && msg.RelatesTo.InReplyTo != nil && msg.RelatesTo.InReplyTo.EventID == cmd {
				if n := matrixhtml.Size(msg); n > maxCommandReply || msg.MsgType != event.MsgNotice {
					t.Errorf("a part of %d bytes (%s), want at most %d as m.notice", n, msg.MsgType, maxCommandReply)
				}
				parts = append(parts, matrixhtml.Parse(msg).PlainText())
			}
		}
		all := strings.Join(parts, "\n")
		if strings.Contains(all, "number 299") {
			if len(parts) < 2 || !strings.HasPrefix(parts[0], "301 feeds:") {
				t.Errorf("%d parts starting %q, want several starting with the count", len(parts), headOf(parts[0], 40))
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the last feed never showed up in %d parts", len(parts))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func headOf(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// TestMatrixPowerLevelAdmin: a member raised to the configured power level
// may run admin commands.
func TestMatrixPowerLevelAdmin(t *testing.T) {
	r := newCmdRoom(t)
	var pl event.PowerLevelsEventContent
	if err := r.alice.StateEvent(testCtx(t), r.room, event.StatePowerLevels, "", &pl); err != nil {
		t.Fatal(err)
	}
	if before := r.ask(t, r.bob, "feed list"); !strings.HasPrefix(before.text, "Sorry") {
		t.Fatalf("bob at power 0: %q, want a refusal", before.text)
	}
	pl.SetUserLevel(id.UserID(r.bob.user.ID), 50)
	if _, err := r.alice.SendStateEvent(testCtx(t), r.room, event.StatePowerLevels, "", &pl); err != nil {
		t.Fatal(err)
	}
	if got := r.ask(t, r.bob, "feed list"); !strings.HasPrefix(got.text, "1 feeds:") {
		t.Errorf("bob at power 50: %q, want the list", got.text)
	}
}
