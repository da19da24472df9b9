package bot

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/heraldchat/herald/config"
)

// maxBackoff caps how far a failing feed's next check is pushed.
const maxBackoff = 24 * time.Hour

// ParseSchedule reads a cron spec (five standard fields) or a descriptor
// (@hourly, @daily, @every 10m, …). Spec schedules run in loc (nil = UTC);
// a spec may still name its own zone with a CRON_TZ= prefix.
func ParseSchedule(spec string, loc *time.Location) (cron.Schedule, error) {
	if loc == nil {
		loc = time.UTC
	}
	// config.ParseSchedule is robfig's parser behind the guards a stored
	// spec needs too: a bare CRON_TZ= makes robfig panic (in the poller's
	// goroutine, ending the process), and a date that never comes makes
	// Next return the zero time. It also runs specs in loc rather than in
	// the process's time.Local, an accident of deployment.
	s, err := config.ParseSchedule(spec, loc)
	if err != nil {
		return nil, fmt.Errorf("schedule: %w", err)
	}
	return s, nil
}

// feedJitter is the feed's fixed offset within [0, max): a hash of its id,
// so it is the same after a restart and on every instance, and so many
// feeds on one schedule spread out instead of firing in the same second.
func feedJitter(feedID int64, max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatInt(feedID, 10)))
	// Millisecond steps: fine enough to spread thousands of feeds.
	steps := max.Milliseconds()
	if steps <= 0 {
		return 0
	}
	return time.Duration(h.Sum64()%uint64(steps)) * time.Millisecond
}

// nextPlan is everything that decides a feed's next check.
type nextPlan struct {
	Now         time.Time
	Schedule    cron.Schedule
	Jitter      time.Duration // this feed's offset, from feedJitter
	MinInterval time.Duration // per-feed floor, default 1 min
	MaxAge      time.Duration // Cache-Control max-age of the last response
	TTL         time.Duration // RSS <ttl>
	RetryAfter  time.Duration // from a 429/503
	Failures    int           // consecutive failures including this poll
}

// nextCheck is when a feed should be polled again: the schedule's next
// firing after now plus the feed's jitter, but never sooner than any lower
// bound the feed or the server asked for, and pushed out exponentially
// while the feed keeps failing.
func nextCheck(p nextPlan) time.Time {
	next := scheduleNext(p.Schedule, p.Now, p.Jitter)
	// What the server asks for (max-age, <ttl>, Retry-After) is honoured
	// up to maxBackoff: a CDN's max-age of a year on every file must not
	// stop a feed for a year. MinInterval is the operator's own choice.
	server := func(d time.Duration) time.Duration { return min(d, maxBackoff) }
	for _, floor := range []time.Duration{p.MinInterval, server(p.MaxAge), server(p.TTL), server(p.RetryAfter)} {
		if t := p.Now.Add(floor); floor > 0 && t.After(next) {
			next = t
		}
	}
	if p.Failures > 0 {
		if t := p.Now.Add(backoff(p.Schedule, p.Now, p.MinInterval, p.Failures)); t.After(next) {
			next = t
		}
	}
	return next
}

// scheduleNext is the first firing after now, shifted by the feed's jitter.
// @every schedules count from the Unix epoch rather than from now, so a
// feed keeps its own phase (and its exact interval) poll after poll
// instead of adding the jitter to every interval.
func scheduleNext(s cron.Schedule, now time.Time, jitter time.Duration) time.Time {
	d, ok := s.(cron.ConstantDelaySchedule)
	if !ok {
		return s.Next(now).Add(jitter)
	}
	period := d.Delay.Nanoseconds()
	j := jitter.Nanoseconds() % period
	slot := now.UnixNano() - j
	// Floor division: the slot boundary at or before now-j, then the next one.
	k := slot / period
	if slot%period < 0 {
		k--
	}
	return time.Unix(0, (k+1)*period+j).In(now.Location())
}

// backoff is how long to wait after the n-th consecutive failure: the
// schedule's interval (at least the min interval and one minute), doubled
// for each failure after the first, capped at one day.
func backoff(s cron.Schedule, now time.Time, minInterval time.Duration, n int) time.Duration {
	first := s.Next(now)
	base := s.Next(first).Sub(first)
	base = max(base, minInterval, time.Minute)
	d := base
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}
