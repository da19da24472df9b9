package discordtest

import (
	"crypto/sha1"
	"encoding/hex"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter enforces the fake's rate limits with fixed windows, the way the
// rate-limits topic of the API docs describes them from the outside: a
// bucket has a limit, a remaining count and a reset time, and the global
// limit counts every bot request per second.
type limiter struct {
	mu      sync.Mutex
	global  int
	gwin    window
	buckets map[string]*window
}

type window struct {
	start time.Time
	count int
}

func newLimiter(cfg Config) *limiter {
	return &limiter{global: cfg.GlobalLimit, buckets: map[string]*window{}}
}

// bucket names a rate-limit bucket: the route plus its major parameter.
type bucket struct {
	route string // "POST /channels/{id}/messages"
	major string // the channel or webhook id
	limit Limit
}

// hash is the opaque X-RateLimit-Bucket value: one per route, shared by
// every major parameter, as Discord does.
func (b bucket) hash() string {
	h := sha1.Sum([]byte(b.route))
	return hex.EncodeToString(h[:8])
}

// verdict is what the limiter decided for one request.
type verdict struct {
	limited    bool
	global     bool
	retryAfter time.Duration
	headers    http.Header
}

// take counts one request against the global limit (when global) and the
// bucket (when it has a limit) and says whether it must be refused.
func (l *limiter) take(now time.Time, global bool, b *bucket) verdict {
	l.mu.Lock()
	defer l.mu.Unlock()
	v := verdict{headers: http.Header{}}
	if global && l.global > 0 {
		if now.Sub(l.gwin.start) >= time.Second {
			l.gwin = window{start: now}
		}
		if l.gwin.count >= l.global {
			v.limited, v.global = true, true
			v.retryAfter = l.gwin.start.Add(time.Second).Sub(now)
			v.headers.Set("X-RateLimit-Global", "true")
			v.headers.Set("X-RateLimit-Scope", "global")
			// discordgo reads Reset-After to hold every bucket until then.
			v.headers.Set("X-RateLimit-Reset-After", seconds(v.retryAfter))
			v.headers.Set("Retry-After", strconv.Itoa(int(math.Ceil(v.retryAfter.Seconds()))))
			return v
		}
	}
	if b != nil && !b.limit.off() {
		key := b.route + " " + b.major
		w := l.buckets[key]
		if w == nil || now.Sub(w.start) >= b.limit.Window {
			w = &window{start: now}
			l.buckets[key] = w
		}
		reset := w.start.Add(b.limit.Window)
		remaining := b.limit.Count - w.count
		if remaining <= 0 {
			v.limited = true
			v.retryAfter = reset.Sub(now)
			v.headers.Set("X-RateLimit-Scope", "user")
			v.headers.Set("Retry-After", strconv.Itoa(int(math.Ceil(v.retryAfter.Seconds()))))
		} else {
			w.count++
			remaining--
		}
		v.headers.Set("X-RateLimit-Limit", strconv.Itoa(b.limit.Count))
		v.headers.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		v.headers.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(reset.UnixMilli())/1000, 'f', 3, 64))
		v.headers.Set("X-RateLimit-Reset-After", seconds(reset.Sub(now)))
		v.headers.Set("X-RateLimit-Bucket", b.hash())
	}
	if global && l.global > 0 && !v.limited {
		l.gwin.count++
	}
	return v
}

// seconds formats a duration as Discord does: seconds with millisecond
// precision, rounded up so a client that waits that long is never early.
func seconds(d time.Duration) string {
	ms := math.Ceil(float64(d) / float64(time.Millisecond))
	if ms < 0 {
		ms = 0
	}
	return strconv.FormatFloat(ms/1000, 'f', 3, 64)
}
