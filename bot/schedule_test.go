package bot

import (
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

func mustSchedule(t *testing.T, spec string, loc *time.Location) cron.Schedule {
	t.Helper()
	s, err := ParseSchedule(spec, loc)
	if err != nil {
		t.Fatalf("ParseSchedule(%q): %v", spec, err)
	}
	return s
}

func TestParseScheduleRejects(t *testing.T) {
	for _, spec := range []string{"", "61 * * * *", "* * *", "@fortnightly", "@every 0s", "@every banana", "0 0 30 2 * extra"} {
		if _, err := ParseSchedule(spec, nil); err == nil {
			t.Errorf("ParseSchedule(%q) = nil error, want one", spec)
		}
	}
}

func TestNextCheck(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("no tz data: %v", err)
	}
	now := time.Date(2026, 3, 10, 12, 3, 0, 0, time.UTC)
	at := func(h, m, s int) time.Time { return time.Date(2026, 3, 10, h, m, s, 0, time.UTC) }
	tests := []struct {
		name string
		spec string
		loc  *time.Location
		plan nextPlan
		want time.Time
	}{
		{"cron every 5 min", "*/5 * * * *", nil, nextPlan{}, at(12, 5, 0)},
		{"jitter shifts the slot", "*/5 * * * *", nil, nextPlan{Jitter: 17 * time.Second}, at(12, 5, 17)},
		{"hourly descriptor", "@hourly", nil, nextPlan{}, at(13, 0, 0)},
		{"every descriptor keeps an epoch grid", "@every 10m", nil, nextPlan{}, at(12, 10, 0)},
		{"every descriptor with jitter", "@every 10m", nil, nextPlan{Jitter: 25 * time.Second}, at(12, 10, 25)},
		{"min interval is a floor", "*/5 * * * *", nil, nextPlan{MinInterval: 10 * time.Minute}, at(12, 13, 0)},
		{"cache max-age is a floor", "*/5 * * * *", nil, nextPlan{MaxAge: time.Hour}, at(13, 3, 0)},
		{"rss ttl is a floor", "*/5 * * * *", nil, nextPlan{TTL: 30 * time.Minute}, at(12, 33, 0)},
		{"retry-after is a floor", "*/5 * * * *", nil, nextPlan{RetryAfter: 2 * time.Hour}, at(14, 3, 0)},
		{"floors below the schedule change nothing", "@hourly", nil, nextPlan{MinInterval: time.Minute, MaxAge: 5 * time.Minute, TTL: 10 * time.Minute}, at(13, 0, 0)},
		{"first failure waits one interval", "*/5 * * * *", nil, nextPlan{Failures: 1}, at(12, 8, 0)},
		{"third failure waits four intervals", "*/5 * * * *", nil, nextPlan{Failures: 3}, at(12, 23, 0)},
		{"backoff base is at least a minute", "@every 10s", nil, nextPlan{Failures: 2}, at(12, 5, 0)},
		{"backoff is capped at a day", "@hourly", nil, nextPlan{Failures: 40}, now.Add(24 * time.Hour)},
		{"schedules run in the configured zone", "0 9 * * *", berlin, nextPlan{}, time.Date(2026, 3, 11, 8, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSchedule(tt.spec, tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			p := tt.plan
			p.Now, p.Schedule = now, s
			if got := nextCheck(p); !got.Equal(tt.want) {
				t.Errorf("nextCheck = %v, want %v", got.UTC(), tt.want.UTC())
			}
		})
	}
}

func TestFeedJitterBoundsAndStability(t *testing.T) {
	const window = 30 * time.Second
	for id := int64(1); id <= 5000; id++ {
		j := feedJitter(id, window)
		if j < 0 || j >= window {
			t.Fatalf("feedJitter(%d) = %v, want within [0, %v)", id, j, window)
		}
		if again := feedJitter(id, window); again != j {
			t.Fatalf("feedJitter(%d) = %v then %v, want the same every time", id, j, again)
		}
	}
	if got := feedJitter(42, 0); got != 0 {
		t.Errorf("feedJitter with no window = %v, want 0", got)
	}
}

// 1,000 feeds on */5 must not all fire in the same second: their next
// checks spread over the whole jitter window, close to evenly.
func TestJitterSpreadsFeedsOverTheWindow(t *testing.T) {
	const feedsN, window = 1000, 30 * time.Second
	s := mustSchedule(t, "*/5 * * * *", nil)
	now := time.Date(2026, 3, 10, 12, 3, 0, 0, time.UTC)
	slot := time.Date(2026, 3, 10, 12, 5, 0, 0, time.UTC)
	perSecond := make([]int, int(window/time.Second))
	for id := int64(1); id <= feedsN; id++ {
		got := nextCheck(nextPlan{Now: now, Schedule: s, Jitter: feedJitter(id, window)})
		off := got.Sub(slot)
		if off < 0 || off >= window {
			t.Fatalf("feed %d next check %v is %v after the slot, want within [0, %v)", id, got, off, window)
		}
		perSecond[int(off/time.Second)]++
	}
	mean := feedsN / len(perSecond)
	for sec, n := range perSecond {
		if n < mean/2 || n > mean*2 {
			t.Errorf("second %d of the window has %d feeds, want between %d and %d (mean %d); all: %v", sec, n, mean/2, mean*2, mean, perSecond)
		}
	}
}
