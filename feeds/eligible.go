package feeds

import (
	"fmt"
	"time"
)

// Eligible says whether item may be posted at now given the feed's max age
// (0 = no limit), and why not. Publication date counts, not the last update:
// an old article edited today is still old news.
func Eligible(item Item, now time.Time, maxAge time.Duration) (bool, string) {
	if maxAge > 0 && now.Sub(item.Published) > maxAge {
		return false, "older than " + HumanDuration(maxAge)
	}
	return true, ""
}

// HumanDuration says d the way a person would: "3 days", "1 hour", "90 minutes".
func HumanDuration(d time.Duration) string {
	unit := func(n int64, name string) string {
		if n == 1 {
			return "1 " + name
		}
		return fmt.Sprintf("%d %ss", n, name)
	}
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return unit(int64(d/(24*time.Hour)), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d >= time.Minute && d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute")
	}
	return d.String()
}
