package bot_test

import (
	"testing"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// recMsgOf copies one message of a connector, false when there is none.
func recMsgOf(f *recConn, id bot.RemoteID) (recMsg, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.msgs[id]
	if !ok {
		return recMsg{}, false
	}
	return *m, true
}

// A Matrix redaction seen after an adapter restart carries no thread (the
// redacted event's content, relation included, is wiped); an edit may come
// without one too. The relay finds the comment by its message and the
// change still reaches every mirror.
func TestRelayEditAndDeleteWithoutThread(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		id := r.say(rigMX, "first words", "")
		r.waitIdle()
		c := r.comment(rigMX, id)
		mirror := r.mirrorIn(c.ID, rigD1)
		if len(mirror) != 1 {
			t.Fatalf("mirror in %s = %v, want one message", rigD1, mirror)
		}

		edit := r.event(bot.MessageEdited, rigMX, id, "second words", "")
		edit.Thread = ""
		r.receive(edit)
		r.waitIdle()
		if got := r.comment(rigMX, id).Body.PlainText(); got != "second words" {
			t.Errorf("comment after a threadless edit = %q, want %q", got, "second words")
		}
		if m, _ := recMsgOf(r.dc, mirror[0]); m.Text != "second words" {
			t.Errorf("Discord mirror after a threadless edit = %q, want %q", m.Text, "second words")
		}

		del := r.event(bot.MessageDeleted, rigMX, id, "", "")
		del.Thread = ""
		r.receive(del)
		r.waitIdle()
		if got := r.comment(rigMX, id); got.Deleted.IsZero() {
			t.Errorf("comment after a threadless delete is not deleted: %+v", got)
		}
		for _, p := range []bot.Place{rigD1, rigD2} {
			ids := r.mirrorIn(c.ID, p)
			if len(ids) != 1 {
				t.Fatalf("mirror in %s = %v, want one message", p, ids)
			}
			if m, ok := recMsgOf(r.dc, ids[0]); !ok || !m.Deleted {
				t.Errorf("mirror %s in %s after a threadless delete: %+v, want deleted", ids[0], p, m)
			}
		}

		// A threadless delete of a message nobody knows is ignored without
		// an error (receive fails the test on one).
		unknown := r.event(bot.MessageDeleted, rigMX, "$unknown", "", "")
		unknown.Thread = ""
		r.receive(unknown)
	})
}
