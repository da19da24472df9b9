package matrix

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
)

// TestSendSurvivesFaults drives sends through a proxy that answers with
// rate limits and server errors or breaks the connection, and counts what
// reached the room: every comment exactly once, or, for a refusal no retry
// can fix, not at all and with a permanent error.
func TestSendSurvivesFaults(t *testing.T) {
	srv := homeserver.Server(t)
	alice := newPeer(t, srv, homeserver.NewUser(t, "alice"), "")
	room := alice.room(t)
	proxy := newFaultProxy(t, srv.URL)
	o := botOptions(t, srv, homeserver.NewUser(t, "herald"), openState(t), room)
	o.Homeserver = proxy.URL
	a := New(o)
	ctx := testCtx(t)
	place := bot.Place{Platform: bot.Matrix, Channel: bot.RemoteID(room)}
	ref, err := a.PostArticle(ctx, place, bot.Article{ID: 1, Title: "Faults", URL: "https://news.example/f"}, "art")
	if err != nil {
		t.Fatal(err)
	}
	limited := `{"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests"}`

	for i, tc := range []struct {
		name       string
		plan       []fault
		wantCopies int
		wantPerm   bool
		minGap     time.Duration // the second attempt must not come sooner
	}{
		{name: "429 with Retry-After", plan: []fault{{status: 429, header: http.Header{"Retry-After": {"1"}}, body: limited}},
			wantCopies: 1, minGap: time.Second},
		{name: "429 with retry_after_ms", plan: []fault{{status: 429, body: `{"errcode":"M_LIMIT_EXCEEDED","error":"slow","retry_after_ms":700}`}},
			wantCopies: 1, minGap: 700 * time.Millisecond},
		{name: "502 then 503", plan: []fault{{status: 502, body: "bad gateway"}, {status: 503, body: `{"errcode":"M_UNKNOWN"}`}},
			wantCopies: 1},
		{name: "answer lost after the send landed", plan: []fault{{landThenDrop: true}}, wantCopies: 1},
		{name: "answer lost and the server forgot the transaction", plan: []fault{{landThenDrop: true, forgetTxn: true}}, wantCopies: 1},
		{name: "forbidden", plan: []fault{{status: 403, body: `{"errcode":"M_FORBIDDEN","error":"no"}`}}, wantCopies: 0, wantPerm: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := fmt.Sprintf("comment %d: %s", i, tc.name)
			proxy.setPlan(tc.plan...)
			c := bot.Comment{ID: int64(i), Author: bot.Author{Name: "Dana"}, Body: richtext.FromPlain(text)}
			_, err := a.PostComment(ctx, ref, c, fmt.Sprintf("fault-%d", i))
			switch {
			case tc.wantPerm && (err == nil || !errors.Is(err, bot.ErrPermanent)):
				t.Errorf("PostComment = %v, want a permanent error", err)
			case !tc.wantPerm && err != nil:
				t.Errorf("PostComment = %v, want success after the faults", err)
			}
			copies := 0
			for _, ev := range alice.settled(t, room) {
				if body, _ := ev.Content.Raw["body"].(string); strings.Contains(body, text) {
					copies++
				}
			}
			if copies != tc.wantCopies {
				t.Errorf("the room holds %d copies, want %d", copies, tc.wantCopies)
			}
			at := proxy.attempts()
			if tc.wantPerm && len(at) != 1 {
				t.Errorf("%d attempts, want 1 (a refusal is not retried)", len(at))
			}
			if tc.minGap > 0 && len(at) >= 2 && at[1].Sub(at[0]) < tc.minGap {
				t.Errorf("retried after %s, want at least the %s the server asked for", at[1].Sub(at[0]), tc.minGap)
			}
		})
	}
}
