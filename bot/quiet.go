package bot

import (
	"fmt"
	"time"

	"github.com/heraldchat/herald/config"
)

// quietHours is a daily window, in one time zone, during which a route's
// posts wait. A window whose start is after its end crosses midnight.
type quietHours struct {
	start, end int // minutes after local midnight
	loc        *time.Location
}

// parseQuietHours reads a route's quiet hours; nil q means none. def is the
// zone used when q names none.
func parseQuietHours(q *config.QuietHours, def *time.Location) (*quietHours, error) {
	if q == nil || (q.Start == "" && q.End == "") {
		return nil, nil
	}
	start, err := clockMinutes(q.Start)
	if err != nil {
		return nil, fmt.Errorf("quiet_hours.start: %w", err)
	}
	end, err := clockMinutes(q.End)
	if err != nil {
		return nil, fmt.Errorf("quiet_hours.end: %w", err)
	}
	loc := def
	if q.TZ != "" {
		if loc, err = time.LoadLocation(q.TZ); err != nil {
			return nil, fmt.Errorf("quiet_hours.tz: %q is not a known time zone (use an IANA name such as Europe/Berlin): %w", q.TZ, err)
		}
	}
	if loc == nil {
		loc = time.UTC
	}
	if start == end {
		return nil, nil // an empty window: never quiet
	}
	return &quietHours{start: start, end: end, loc: loc}, nil
}

// clockMinutes reads "HH:MM" (24-hour) as minutes after midnight.
func clockMinutes(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day (use HH:MM, 24-hour)", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Until is when the quiet window around now ends, or the zero time when
// now is outside it: posts made now wait until then.
func (q *quietHours) Until(now time.Time) time.Time {
	if q == nil {
		return time.Time{}
	}
	local := now.In(q.loc)
	m := local.Hour()*60 + local.Minute()
	y, mo, d := local.Date()
	endOn := func(day int) time.Time {
		// time.Date normalizes a day past the month's end and a wall time
		// that a DST change skips.
		return time.Date(y, mo, day, q.end/60, q.end%60, 0, 0, q.loc)
	}
	switch {
	case q.start < q.end: // e.g. 01:00-06:00, inside one day
		if m >= q.start && m < q.end {
			return endOn(d)
		}
	case m >= q.start: // e.g. 22:00-07:00, before midnight
		return endOn(d + 1)
	case m < q.end: // e.g. 22:00-07:00, after midnight
		return endOn(d)
	}
	return time.Time{}
}
