package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
)

// A feed's stored schedule is input like any other: one that is broken or
// never fires (written by an older Herald, or by hand into a shared
// database) must make the poll fail with a clear error recorded on the
// feed, never panic the poller (a panic in its goroutine ends the process)
// nor have the feed polled every minute.
func TestPollFeedWithHostileStoredSchedule(t *testing.T) {
	tests := []struct {
		schedule string
		want     string // in the recorded error
	}{
		{"CRON_TZ=UTC", "CRON_TZ"},
		{"TZ=", "TZ="},
		{"0 0 30 2 *", "never fires"},
	}
	for _, tt := range tests {
		t.Run(tt.schedule, func(t *testing.T) {
			e := newEnv(t, bot.PollerOptions{})
			e.srv.set("/f", rssDoc(t, items(1)...))
			spec := bot.FeedSpec{URL: e.srv.URL + "/f", Name: "f", Schedule: tt.schedule, Routes: []bot.RouteSpec{route(chanA, nil)}}
			f, err := e.store.AddFeed(e.ctx, spec, bot.FromConfig)
			if err != nil {
				t.Fatalf("store schedule %q: %v", tt.schedule, err)
			}
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("poll of a feed with schedule %q panicked: %v", tt.schedule, r)
					}
				}()
				_, err = e.poll(f.ID)
			}()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("poll error = %v, want one mentioning %q", err, tt.want)
			}
			got, ferr := e.store.Feed(e.ctx, f.ID)
			if ferr != nil {
				t.Fatal(ferr)
			}
			if got.Failures != 1 || !strings.Contains(got.LastError, tt.want) {
				t.Errorf("feed after poll: failures %d, last error %q; want 1 failure mentioning %q", got.Failures, got.LastError, tt.want)
			}
		})
	}
}

// A server's own lower bounds on the next check (Cache-Control max-age,
// Retry-After) are honoured up to a day, like RSS <ttl> and the failure
// backoff: a CDN that sends max-age=31536000 for every file, or a 429 asking
// for a year, must not silently stop a feed for a year.
func TestServerLowerBoundsAreCappedAtADay(t *testing.T) {
	e := newEnv(t, bot.PollerOptions{})
	now := e.clock.Now()
	f := e.addFeed("/f", nil, route(chanA, nil))
	day := now.Add(24 * time.Hour)

	e.srv.set("/f", rssDoc(t, items(1)...))
	e.srv.setHeader("/f", "Cache-Control", "max-age=31536000")
	if r := e.mustPoll(f.ID); !r.NextCheck.Equal(day) {
		t.Errorf("with max-age of a year: next check %v, want %v", r.NextCheck, day)
	}

	e.srv.fail("/f", 429)
	e.srv.setHeader("/f", "Retry-After", "31536000")
	if _, err := e.poll(f.ID); err == nil {
		t.Fatal("poll of a 429 returned no error")
	}
	if got, _ := e.store.Feed(e.ctx, f.ID); !got.NextCheck.Equal(day) {
		t.Errorf("after 429 with Retry-After of a year: next check %v, want %v", got.NextCheck, day)
	}
}
