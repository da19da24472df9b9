package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

func TestRelayArticlePostedToEveryPlace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		for _, p := range []bot.Place{rigD1, rigD2, rigMX} {
			ref := r.posts[p]
			if ref.Message == "" || ref.Thread == "" {
				t.Errorf("post in %s = %+v, want a message and a thread", p, ref)
			}
			if got, err := db.ArticleByThread(context.Background(), p, ref.Thread); err != nil || got != r.article {
				t.Errorf("ArticleByThread(%s, %s) = %d, %v; want %d", p, ref.Thread, got, err, r.article)
			}
		}
		if keys, sends := r.dc.counts(); keys != 2 || sends != 2 {
			t.Errorf("discord: %d keys, %d sends; want 2 posts sent once each", keys, sends)
		}
		if keys, sends := r.mx.counts(); keys != 1 || sends != 1 {
			t.Errorf("matrix: %d keys, %d sends; want 1 post sent once", keys, sends)
		}
	})
}

func TestRelayMirrorsToEveryOtherPlace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		tests := []struct {
			from bot.Place
			text string
		}{
			{rigD1, "from discord one"},
			{rigMX, "from matrix"},
			{rigD2, "from discord two"},
		}
		for _, tt := range tests {
			id := r.say(tt.from, tt.text, "")
			r.waitIdle()
			c := r.comment(tt.from, id)
			for _, p := range []bot.Place{rigD1, rigD2, rigMX} {
				texts := r.conn(p).threadTexts(r.thread(p))
				has := slices.Contains(texts, tt.text)
				if want := p != tt.from; has != want {
					t.Errorf("comment written in %s: present in %s thread = %v, want %v (thread holds %q)", tt.from, p, has, want, texts)
				}
				if got, want := len(r.mirrorIn(c.ID, p)) > 0, p != tt.from; got != want {
					t.Errorf("comment written in %s: mirror recorded for %s = %v, want %v", tt.from, p, got, want)
				}
			}
			if c.Author.Name == "" || c.Author.Platform != tt.from.Platform {
				t.Errorf("comment author = %+v, want the person on %s", c.Author, tt.from.Platform)
			}
		}
	})
}

func TestRelayIgnoresItsOwnEcho(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		id := r.say(rigD1, "hello", "")
		r.waitIdle()
		c := r.comment(rigD1, id)
		mirror := r.mirrorIn(c.ID, rigMX)
		if len(mirror) == 0 {
			t.Fatalf("comment %d not mirrored to matrix", c.ID)
		}
		// The platforms send Herald's own messages back: the mirror in
		// Matrix, and the article post itself.
		r.receive(r.event(bot.MessageCreated, rigMX, mirror[0], "hello", ""))
		r.receive(r.event(bot.MessageCreated, rigD2, r.posts[rigD2].Message, "First article", ""))
		r.waitIdle()
		cs, err := db.Comments(context.Background(), r.article)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 1 {
			t.Errorf("article has %d comments after echoes, want 1: %+v", len(cs), cs)
		}
		if got := r.dc.threadTexts(r.thread(rigD1)); len(got) != 0 {
			t.Errorf("discord thread of origin holds %q, want nothing (no loop)", got)
		}
		if got := r.mx.threadTexts(r.thread(rigMX)); len(got) != 1 {
			t.Errorf("matrix thread holds %q, want the one mirror", got)
		}
	})
}

func TestRelayReplayedEventIsNoOp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		ev := r.event(bot.MessageCreated, rigMX, "$event1", "once", "")
		for range 3 {
			r.receive(ev)
		}
		r.waitIdle()
		_, sendsBefore := r.dc.counts()
		r.receive(ev)
		r.waitIdle()
		cs, err := db.Comments(context.Background(), r.article)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 1 {
			t.Errorf("%d comments after 4 deliveries of one event, want 1", len(cs))
		}
		for _, p := range []bot.Place{rigD1, rigD2} {
			if got := r.dc.threadTexts(r.thread(p)); !slices.Equal(got, []string{"once"}) {
				t.Errorf("discord thread %s holds %q, want [once]", p, got)
			}
		}
		if _, sends := r.dc.counts(); sends != sendsBefore {
			t.Errorf("a replay after delivery sent %d more times, want 0", sends-sendsBefore)
		}
	})
}

func TestRelayEditsAndDeletesFollow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		id := r.say(rigD1, "first words", "")
		r.waitIdle()
		c := r.comment(rigD1, id)
		t0 := time.Now()

		edit := func(text string, at time.Time) {
			ev := r.event(bot.MessageEdited, rigD1, id, text, "")
			ev.Time = at
			r.receive(ev)
			r.waitIdle()
		}
		mirrorTexts := func() []string {
			var out []string
			for _, p := range []bot.Place{rigD2, rigMX} {
				out = append(out, r.conn(p).threadTexts(r.thread(p))...)
			}
			return out
		}
		edit("second words", t0.Add(2*time.Second))
		if got, want := mirrorTexts(), []string{"second words", "second words"}; !slices.Equal(got, want) {
			t.Errorf("after edit, mirrors say %q, want %q", got, want)
		}
		edit("stale words", t0.Add(time.Second)) // older than the edit applied
		if got, want := mirrorTexts(), []string{"second words", "second words"}; !slices.Equal(got, want) {
			t.Errorf("after a stale edit, mirrors say %q, want %q", got, want)
		}

		r.receive(r.event(bot.MessageDeleted, rigD1, id, "", ""))
		r.waitIdle()
		for _, p := range []bot.Place{rigD2, rigMX} {
			for _, m := range r.conn(p).threadMsgs(r.thread(p)) {
				if !m.Deleted {
					t.Errorf("mirror %s in %s not deleted", m.ID, p)
				}
			}
		}
		edit("back from the dead", t0.Add(time.Hour))
		got, err := db.Comment(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Deleted.IsZero() || !got.Body.IsEmpty() {
			t.Errorf("after a late edit of a deleted comment: deleted=%v body=%q, want deleted and empty", got.Deleted, got.Body.PlainText())
		}
		if got := mirrorTexts(); !slices.Equal(got, []string{"second words", "second words"}) {
			t.Errorf("a late edit reached the mirrors: %q", got)
		}
	})
}

func TestRelayDeleteBeforeCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		r.receive(r.event(bot.MessageDeleted, rigMX, "$late", "", ""))
		r.receive(r.event(bot.MessageCreated, rigMX, "$late", "should never show", ""))
		r.waitIdle()
		if _, err := db.CommentByOrigin(context.Background(), bot.Matrix, "$late"); err == nil {
			t.Errorf("a comment deleted before it arrived was stored")
		}
		for _, p := range []bot.Place{rigD1, rigD2} {
			if got := r.dc.threadTexts(r.thread(p)); len(got) != 0 {
				t.Errorf("discord thread %s holds %q, want nothing", p, got)
			}
		}
	})
}

func TestRelayEditBeforeCreateKeepsNewerText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		edited := r.event(bot.MessageEdited, rigMX, "$e", "newer", "")
		created := r.event(bot.MessageCreated, rigMX, "$e", "older", "")
		created.Time = edited.Time.Add(-time.Minute)
		r.receive(edited)
		r.receive(created)
		r.waitIdle()
		if got := r.dc.threadTexts(r.thread(rigD1)); !slices.Equal(got, []string{"newer"}) {
			t.Errorf("discord thread holds %q, want [newer]", got)
		}
	})
}

func TestRelayReplyPointsAtMirroredParent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		parentMsg := r.say(rigMX, "question", "")
		r.waitIdle()
		parent := r.comment(rigMX, parentMsg)
		inD1 := r.mirrorIn(parent.ID, rigD1)
		// A person on Discord answers the mirror of the Matrix comment.
		replyMsg := r.say(rigD1, "answer", inD1[0])
		r.waitIdle()
		reply := r.comment(rigD1, replyMsg)
		if reply.ParentID != parent.ID {
			t.Fatalf("reply's parent = %d, want %d", reply.ParentID, parent.ID)
		}
		tests := []struct {
			place bot.Place
			want  []bot.RemoteID
		}{
			{rigMX, []bot.RemoteID{parentMsg}},    // the parent's own message
			{rigD2, r.mirrorIn(parent.ID, rigD2)}, // the parent's mirror there
		}
		for _, tt := range tests {
			msgs := r.conn(tt.place).threadMsgs(r.thread(tt.place))
			var got []bot.RemoteID
			for _, m := range msgs {
				if m.CommentID == reply.ID {
					got = m.ReplyTo
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("reply mirrored to %s points at %v, want %v", tt.place, got, tt.want)
			}
		}
	})
}

func TestRelayCountsReactions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		id := r.say(rigD1, "react to me", "")
		r.waitIdle()
		c := r.comment(rigD1, id)
		mirror := r.mirrorIn(c.ID, rigMX)[0]
		react := func(kind bot.EventKind, p bot.Place, msg bot.RemoteID, who bot.RemoteID, emoji string) {
			ev := r.event(kind, p, msg, "", "")
			ev.Author.ID, ev.Emoji = who, emoji
			r.receive(ev)
		}
		react(bot.ReactionAdded, rigD1, id, "alice", "👍")
		react(bot.ReactionAdded, rigD1, id, "alice", "👍") // replay
		react(bot.ReactionAdded, rigMX, mirror, "@bob:test", "👍")
		react(bot.ReactionAdded, rigMX, mirror, "@bob:test", "🎉")
		react(bot.ReactionGone, rigMX, mirror, "@bob:test", "🎉")
		react(bot.ReactionAdded, rigD1, r.posts[rigD1].Message, "alice", "👍") // on the article post: not a comment's
		got, err := db.Reactions(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"👍": 2}; len(got) != len(want) || got["👍"] != 2 {
			t.Errorf("reactions = %v, want %v", got, want)
		}
	})
}

func TestRelayIgnoresMessagesOutsideArticleThreads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		tests := []bot.Event{
			{Kind: bot.MessageCreated, Place: rigD1, Message: "1", Body: richtext.FromPlain("no thread")},
			{Kind: bot.MessageCreated, Place: rigD1, Thread: "999", Message: "2", Body: richtext.FromPlain("other thread")},
			{Kind: bot.MessageCreated, Place: rigD1, Thread: r.thread(rigD1), Body: richtext.FromPlain("no id")},
			{Kind: "typing", Place: rigD1, Thread: r.thread(rigD1), Message: "3"},
		}
		for _, ev := range tests {
			r.receive(ev)
		}
		cs, err := db.Comments(context.Background(), r.article)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 0 {
			t.Errorf("stored %d comments from events outside threads or malformed, want 0", len(cs))
		}
	})
}

// dropEverything is a moderator that lets nothing through.
type dropEverything struct{}

func (dropEverything) Check(_ context.Context, _ bot.Event, c bot.Comment) (bot.Decision, error) {
	return bot.Decision{Action: bot.Drop, Comment: c, Reason: "test"}, nil
}

func TestRelayObeysModerator(t *testing.T) {
	db := storetest.Open(t)
	r := newRelayRig(t, db)
	r.relay = bot.NewRelay(db, bot.RelayOptions{Moderator: dropEverything{}})
	r.say(rigD1, "dropped", "")
	cs, err := db.Comments(context.Background(), r.article)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 0 {
		t.Errorf("a dropped comment was stored: %+v", cs)
	}
}

// TestRelayMultiPartMirrors: a comment that takes several messages on a
// platform (a long one, split) is recorded part by part, and edits and
// deletes reach every part.
func TestRelayMultiPartMirrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		r.mx.mu.Lock()
		r.mx.split = 3
		r.mx.mu.Unlock()
		id := r.say(rigD1, "long words", "")
		r.waitIdle()
		c := r.comment(rigD1, id)
		parts := r.mirrorIn(c.ID, rigMX)
		msgs := r.mx.threadMsgs(r.thread(rigMX))
		if len(parts) != 3 || len(msgs) != 3 {
			t.Fatalf("mirror parts recorded %v, messages in the thread %d; want 3 and 3", parts, len(msgs))
		}
		for i, m := range msgs {
			if m.ID != parts[i] {
				t.Errorf("part %d recorded as %s, posted as %s", i, parts[i], m.ID)
			}
		}
		ev := r.event(bot.MessageEdited, rigD1, id, "shorter", "")
		ev.Time = time.Now().Add(time.Minute)
		r.receive(ev)
		r.waitIdle()
		r.receive(r.event(bot.MessageDeleted, rigD1, id, "", ""))
		r.waitIdle()
		for _, m := range r.mx.threadMsgs(r.thread(rigMX)) {
			if m.Text != "shorter" || m.Edited != 1 || !m.Deleted {
				t.Errorf("part %s: text %q, edited %d, deleted %v; want edited once to \"shorter\", then deleted", m.ID, m.Text, m.Edited, m.Deleted)
			}
		}
	})
}

// TestRelayReportsStoreFailure: an event that cannot be recorded is an
// error for the adapter (which must not advance past it), saying where.
func TestRelayReportsStoreFailure(t *testing.T) {
	db := storetest.Open(t)
	r := newRelayRig(t, db)
	r.stop()
	relay := bot.NewRelay(db, bot.RelayOptions{})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	err := relay.Receive(context.Background(), r.event(bot.MessageCreated, rigD1, "lost", "hello", ""))
	if err == nil || !strings.Contains(err.Error(), "discord:100") || !strings.Contains(err.Error(), "lost") {
		t.Errorf("Receive on a closed store = %v, want an error naming the place and the message", err)
	}
}
