package matrix

import (
	"strings"
	"testing"

	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
)

// TestLongCommentParts posts a comment too long for one event, then edits
// it down to one part and up again: every part is a thread event, extra
// parts are redacted when the text shrinks, and the last part takes the
// rest when it grows (an edit cannot add events).
func TestLongCommentParts(t *testing.T) {
	srv := homeserver.Server(t)
	alice := newPeer(t, srv, homeserver.NewUser(t, "alice"), "")
	room := alice.room(t)
	a := New(botOptions(t, srv, homeserver.NewUser(t, "herald"), openState(t), room))
	ctx := testCtx(t)
	ref, err := a.PostArticle(ctx, placeOf(room), artWith("long"), "long-art")
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("A sentence that goes on. ", 1000) // ~25 kB: two parts
	c := bot.Comment{ID: 1, Author: bot.Author{Name: "Dana"}, Body: richtext.FromPlain(long)}
	ids, err := a.PostComment(ctx, ref, c, "long-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) < 2 {
		t.Fatalf("a %d-byte comment took %d event(s), want several", len(long), len(ids))
	}
	for i, evID := range ids {
		rel := relation(t, alice.event(t, room, id.EventID(evID)))
		if rel["rel_type"] != "m.thread" || rel["event_id"] != string(ref.Thread) {
			t.Errorf("part %d relation = %v, want m.thread on the article", i, rel)
		}
	}

	c.Body = richtext.FromPlain("Short now.")
	if err := a.EditComment(ctx, ref.Place, ids, c); err != nil {
		t.Fatalf("EditComment shrinking: %v", err)
	}
	alice.settled(t, room)
	for i, evID := range ids[1:] {
		if ev := alice.event(t, room, id.EventID(evID)); ev.Unsigned.RedactedBecause == nil {
			t.Errorf("part %d still there after the comment shrank to one part", i+2)
		}
	}

	grown := strings.Repeat("Longer again. ", 2000) // ~28 kB
	c.Body = richtext.FromPlain(grown)
	if err := a.EditComment(ctx, ref.Place, ids[:1], c); err != nil {
		t.Fatalf("EditComment growing: %v", err)
	}
	var body string
	for _, ev := range alice.settled(t, room) {
		rel := relation(t, ev)
		nc, _ := ev.Content.Raw["m.new_content"].(map[string]any)
		if rel["rel_type"] == "m.replace" && rel["event_id"] == string(ids[0]) {
			body, _ = nc["body"].(string)
		}
	}
	if got := strings.Count(body, "Longer again."); got < 500 || got == 2000 || !strings.HasSuffix(strings.TrimSpace(body), "…") {
		t.Errorf("the edit that outgrew its one event holds %d of 2000 sentences, ending %q; want as many as fit, then an ellipsis",
			got, body[max(0, len(body)-20):])
	}
}
