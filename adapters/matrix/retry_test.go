package matrix

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"
)

func httpErr(status int, header http.Header, code string, extra map[string]any) error {
	he := mautrix.HTTPError{Response: &http.Response{StatusCode: status, Header: header}}
	if code != "" {
		he.RespError = &mautrix.RespError{ErrCode: code, StatusCode: status, ExtraData: extra}
	}
	return fmt.Errorf("send: %w", he)
}

func TestJudge(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want verdict
	}{
		{"no answer", errors.New("dial tcp 127.0.0.1:1: connection refused"), verdict{retry: true, uncertain: true}},
		{"429 Retry-After seconds", httpErr(429, http.Header{"Retry-After": {"3"}}, "M_LIMIT_EXCEEDED", nil), verdict{retry: true, wait: 3 * time.Second}},
		{"429 retry_after_ms", httpErr(429, nil, "M_LIMIT_EXCEEDED", map[string]any{"retry_after_ms": 1500.0}), verdict{retry: true, wait: 1500 * time.Millisecond}},
		{"429 header wins over body", httpErr(429, http.Header{"Retry-After": {"2"}}, "M_LIMIT_EXCEEDED", map[string]any{"retry_after_ms": 9000.0}), verdict{retry: true, wait: 2 * time.Second}},
		{"429 without a hint", httpErr(429, nil, "", nil), verdict{retry: true}},
		{"500", httpErr(500, nil, "M_UNKNOWN", nil), verdict{retry: true, uncertain: true}},
		{"502 from a proxy", httpErr(502, nil, "", nil), verdict{retry: true, uncertain: true}},
		{"403", httpErr(403, nil, "M_FORBIDDEN", nil), verdict{}},
		{"404", httpErr(404, nil, "M_NOT_FOUND", nil), verdict{}},
		{"413", httpErr(413, nil, "M_TOO_LARGE", nil), verdict{}},
		{"401", httpErr(401, nil, "M_UNKNOWN_TOKEN", nil), verdict{}},
		{"cancelled", fmt.Errorf("send: %w", context.Canceled), verdict{}},
		{"deadline", fmt.Errorf("send: %w", context.DeadlineExceeded), verdict{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := judge(tc.err); got != tc.want {
				t.Errorf("judge(%v) = %+v, want %+v", tc.err, got, tc.want)
			}
		})
	}
}

// TestRetryGivesUpWithTheServersWait checks that a send still waiting when
// ctx ends says how long the server wanted, for the outbox's next try.
func TestRetryGivesUpWithTheServersWait(t *testing.T) {
	a := New(Options{MaxBackoff: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := a.retry(ctx, "send", func(context.Context) error {
		return httpErr(429, http.Header{"Retry-After": {"30"}}, "M_LIMIT_EXCEEDED", nil)
	})
	var ra interface{ RetryAfter() time.Duration }
	if !errors.As(err, &ra) || ra.RetryAfter() != 30*time.Second {
		t.Errorf("retry = %v, want an error asking to come back in 30s", err)
	}
	if isPermanent(err) {
		t.Errorf("retry = %v, want a transient error", err)
	}
}

func TestThreadCacheEvicts(t *testing.T) {
	c := newThreadCache(3)
	for i := range 4 {
		c.put(id.EventID(fmt.Sprint(i)), "root")
	}
	c.info("1") // 1 is now the most recent: 2 goes next
	c.put("4", "root")
	for ev, want := range map[id.EventID]bool{"0": false, "1": true, "2": false, "3": true, "4": true} {
		if _, got := c.info(ev); got != want {
			t.Errorf("cached %s = %v, want %v", ev, got, want)
		}
	}
	c.putReaction("r", "root", "1", "👍")
	if got, _ := c.info("r"); got != (eventInfo{root: "root", reactTo: "1", emoji: "👍"}) {
		t.Errorf("reaction info = %+v", got)
	}
}
