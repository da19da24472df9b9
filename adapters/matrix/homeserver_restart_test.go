package matrix

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/internal/dendritetest"
	"github.com/heraldchat/herald/richtext"
)

// TestHomeserverRestartDeliversQueuedOnce is the third acceptance test:
// Dendrite crashes and comes back while 50 comments are being delivered by
// five workers (as the outbox would), and every comment lands exactly once;
// the /sync loop keeps working afterwards.
//
// The homeserver is killed rather than stopped: Dendrite v0.13.8 loses
// events on a graceful stop under load (it answers 200 with an event id,
// then closes its sync API's database while the event is on its way there,
// so no client ever sees it: "msg.AckSync: context canceled" in its log).
// No client can repair that, so the test does not measure it.
func TestHomeserverRestartDeliversQueuedOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		down func(s *dendritetest.Server)
	}{
		{"killed", (*dendritetest.Server).Kill},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := dendritetest.Start(t, dendritetest.Config{})
			alice := newPeer(t, srv, srv.User(t, "alice"), "")
			room := alice.room(t)
			a := New(botOptions(t, srv, srv.User(t, "herald"), openState(t), room))
			in := newInbox()
			running(t, a, in)
			synced(t, a)
			ref, err := a.PostArticle(testCtx(t), bot.Place{Platform: bot.Matrix, Channel: bot.RemoteID(room)},
				bot.Article{ID: 1, Title: "Busy thread", URL: "https://news.example/busy"}, "art")
			if err != nil {
				t.Fatal(err)
			}

			const total, workers = 50, 5
			queue := make(chan int, total)
			for i := range total {
				queue <- i
			}
			close(queue)
			delivered := make(chan int, total)
			errs := make(chan error, total)
			var wg sync.WaitGroup
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range queue {
						ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
						c := bot.Comment{ID: int64(i), Author: bot.Author{Name: "Dana"}, Body: richtext.FromPlain(fmt.Sprintf("queued comment #%d#", i))}
						_, err := a.PostComment(ctx, ref, c, fmt.Sprintf("row-%d", i))
						cancel()
						if err != nil {
							errs <- fmt.Errorf("comment %d: %w", i, err)
						}
						delivered <- i
					}
				}()
			}
			for range 10 {
				<-delivered
			}
			tc.down(srv)
			time.Sleep(500 * time.Millisecond) // the workers run into a dead homeserver
			startCtx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			if err := srv.Start(startCtx); err != nil {
				cancel()
				t.Fatalf("start dendrite again: %v", err)
			}
			cancel()
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}

			count := map[string]int{}
			number := regexp.MustCompile(`queued comment #(\d+)#`)
			for _, ev := range alice.settled(t, room) {
				body, _ := ev.Content.Raw["body"].(string)
				if m := number.FindStringSubmatch(body); m != nil && ev.Sender == a.user {
					count[m[1]]++
				}
			}
			for i := range total {
				if n := count[fmt.Sprint(i)]; n != 1 {
					t.Errorf("comment %d is in the room %d times, want exactly once", i, n)
				}
			}
			if len(count) != total {
				t.Errorf("the room holds %d distinct comments, want %d", len(count), total)
			}

			// The sync loop rode out the outage too.
			after := alice.say(t, room, "still here?", inThread(id.EventID(ref.Thread), id.EventID(ref.Thread)))
			in.await(t, "a reply after the restart", func(ev bot.Event) bool { return ev.Message == bot.RemoteID(after) })
		})
	}
}
