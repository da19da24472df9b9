package matrix

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
)

// BenchmarkSendAndReceive measures, on the shared Dendrite, how long a
// comment takes to post (PostComment returns) and how long a person's
// thread reply takes to reach the inbox through /sync (sent → Receive),
// reporting p50 and p99 of the latter.
func BenchmarkSendAndReceive(b *testing.B) {
	srv := homeserver.Server(b)
	aliceUser := homeserver.NewUser(b, "alice")
	botUser := homeserver.NewUser(b, "herald")
	p := newPeer(b, srv, aliceUser, "")
	room := p.room(b)
	a := New(Options{Homeserver: srv.URL, UserID: botUser.ID, Password: botUser.Password,
		State: openState(b), Rooms: []string{string(room)}, SyncTimeout: 30 * time.Second})
	in := newInbox()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, in) }()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(waitFor); ; {
		if tok, _ := a.state(ctx, "sync_position"); tok != "" {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("no first sync")
		}
		time.Sleep(20 * time.Millisecond)
	}
	ref, err := a.PostArticle(ctx, placeOf(room), artWith("bench"), "bench-art")
	if err != nil {
		b.Fatal(err)
	}
	root := id.EventID(ref.Thread)

	b.ResetTimer()
	var post, relay []time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		c := bot.Comment{ID: int64(i), Author: bot.Author{Name: "Dana"}, Body: richtext.FromPlain("bench")}
		if _, err := a.PostComment(ctx, ref, c, fmt.Sprintf("bench-%d-%d", b.N, i)); err != nil {
			b.Fatal(err)
		}
		post = append(post, time.Since(start))

		start = time.Now()
		ev := p.say(b, room, fmt.Sprintf("reply %d-%d", b.N, i), inThread(root, root))
		for {
			if evs := in.all(); len(evs) > 0 && evs[len(evs)-1].Message == bot.RemoteID(ev) {
				break
			}
			select {
			case <-in.changed:
			case <-time.After(waitFor):
				b.Fatal("reply never arrived")
			}
		}
		relay = append(relay, time.Since(start))
	}
	b.StopTimer()
	b.ReportMetric(pct(post, 50), "post-p50-ms")
	b.ReportMetric(pct(post, 99), "post-p99-ms")
	b.ReportMetric(pct(relay, 50), "receive-p50-ms")
	b.ReportMetric(pct(relay, 99), "receive-p99-ms")
}

func pct(d []time.Duration, p int) float64 {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return float64(s[(len(s)-1)*p/100].Microseconds()) / 1000
}
