package matrix

import (
	"testing"
	"time"

	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
)

// TestPriorAttemptFindsTheEarlierSend: an instance posted an article and
// died before recording it; another instance (its own login, so the
// homeserver does not tie the transaction id to it) sends the same row
// again, marked as a prior attempt, and must get the first event back
// instead of posting a second copy.
func TestPriorAttemptFindsTheEarlierSend(t *testing.T) {
	srv := homeserver.Server(t)
	alice := newPeer(t, srv, homeserver.NewUser(t, "alice"), "")
	room := alice.room(t)
	botUser := homeserver.NewUser(t, "herald")
	first := New(botOptions(t, srv, botUser, openState(t), room))
	running(t, first, newInbox())
	synced(t, first)
	second := New(botOptions(t, srv, botUser, openState(t), room)) // another instance, another device
	ctx := testCtx(t)
	place := bot.Place{Platform: bot.Matrix, Channel: bot.RemoteID(room)}
	queued := time.Now()

	count := func(key string) int {
		n := 0
		for _, ev := range alice.settled(t, room) {
			if v, _ := ev.Content.Raw[txnField].(string); v == key {
				n++
			}
		}
		return n
	}

	// The premise: without the check the homeserver takes the same
	// transaction id from another device as a new message.
	if _, err := first.PostArticle(ctx, place, bot.Article{ID: 1, Title: "Premise", URL: "https://news.example/p"}, "premise-key"); err != nil {
		t.Fatal(err)
	}
	if _, err := second.PostArticle(ctx, place, bot.Article{ID: 1, Title: "Premise", URL: "https://news.example/p"}, "premise-key"); err != nil {
		t.Fatal(err)
	}
	if got := count("premise-key"); got != 2 {
		t.Fatalf("premise: the same txn from two devices gave %d events, want 2 (if Dendrite now dedups this, the check is belt and braces)", got)
	}

	ref, err := first.PostArticle(ctx, place, bot.Article{ID: 2, Title: "Once", URL: "https://news.example/once"}, "once-key")
	if err != nil {
		t.Fatal(err)
	}
	again, err := second.PostArticle(bot.WithPriorAttempt(ctx, queued), place, bot.Article{ID: 2, Title: "Once", URL: "https://news.example/once"}, "once-key")
	if err != nil {
		t.Fatalf("PostArticle as a prior attempt: %v", err)
	}
	if again.Message != ref.Message || id.EventID(again.Thread) != id.EventID(ref.Thread) {
		t.Errorf("repeated send returned %+v, want the first send's %+v", again, ref)
	}
	if got := count("once-key"); got != 1 {
		t.Errorf("events with the repeated key: got %d, want 1", got)
	}

	// A prior attempt that never landed is sent.
	fresh, err := second.PostArticle(bot.WithPriorAttempt(ctx, queued), place, bot.Article{ID: 3, Title: "Lost", URL: "https://news.example/lost"}, "lost-key")
	if err != nil || fresh.Message == "" {
		t.Fatalf("PostArticle of an attempt that never landed: %+v, %v", fresh, err)
	}
	if got := count("lost-key"); got != 1 {
		t.Errorf("events with a key whose first attempt never landed: got %d, want 1", got)
	}
}
