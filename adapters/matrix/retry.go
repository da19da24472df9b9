package matrix

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"go.mau.fi/util/retryafter"
	"maunium.net/go/mautrix"

	"github.com/heraldchat/herald/bot"
)

// firstBackoff is the wait after the first failure; it doubles up to
// Options.MaxBackoff.
const firstBackoff = 250 * time.Millisecond

// verdict is what to do after a failed request.
type verdict struct {
	retry bool
	// uncertain: the request may have reached the server (a 5xx, a broken
	// connection), so a send may have happened although we got no answer.
	uncertain bool
	// wait is what the server asked for (429); zero means our own backoff.
	wait time.Duration
}

// judge classifies a request error. 429s, 5xx and transport errors are worth
// another try; other 4xx answers (forbidden, not found, bad JSON, too large)
// will not change and are permanent.
func judge(err error) verdict {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return verdict{}
	}
	var he mautrix.HTTPError
	if !errors.As(err, &he) || he.Response == nil {
		return verdict{retry: true, uncertain: true} // no answer at all
	}
	code := he.Response.StatusCode
	switch {
	case code == http.StatusTooManyRequests || errors.Is(err, mautrix.MLimitExceeded):
		return verdict{retry: true, wait: retryAfter(he)}
	case code >= 500:
		return verdict{retry: true, uncertain: true}
	case code >= 200 && code < 300:
		return verdict{retry: true, uncertain: true} // an answer we could not read
	}
	return verdict{}
}

// retryAfter is how long a 429 asks us to wait: the Retry-After header, else
// the body's retry_after_ms, else zero (our own backoff).
func retryAfter(he mautrix.HTTPError) time.Duration {
	if d := retryafter.Parse(he.Response.Header.Get("Retry-After"), 0); d > 0 {
		return d
	}
	if he.RespError != nil {
		if ms, ok := he.RespError.ExtraData["retry_after_ms"].(float64); ok && ms > 0 {
			return time.Duration(ms) * time.Millisecond
		}
	}
	return 0
}

// retry runs op until it succeeds, fails for good, or ctx ends. A permanent
// failure comes back marked bot.Permanent so the outbox parks the row.
func (a *Adapter) retry(ctx context.Context, what string, op func(ctx context.Context) error) error {
	return a.retryUncertain(ctx, what, op, nil)
}

// retryUncertain is retry with a check before each attempt that follows an
// uncertain failure: check says whether the earlier attempt went through
// after all (it then ends the loop with success).
func (a *Adapter) retryUncertain(ctx context.Context, what string, op func(ctx context.Context) error,
	check func(ctx context.Context) (bool, error)) error {
	backoff := firstBackoff
	uncertain := false
	for attempt := 1; ; attempt++ {
		var err error
		done := false
		if uncertain && check != nil {
			done, err = check(ctx)
			if done {
				a.log.Info("matrix request had gone through before it failed", slog.String("request", what))
				return nil
			}
		}
		if err == nil {
			err = op(ctx)
			if err == nil {
				return nil
			}
		}
		v := judge(err)
		if !v.retry {
			if ctx.Err() != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			if errors.Is(err, mautrix.MUnknownToken) && a.opt.Password != "" {
				// The token was revoked: the next request logs in again, so
				// this one is worth another try later, not parking.
				a.dropClient()
				return fmt.Errorf("%s: %w", what, err)
			}
			return bot.Permanent(fmt.Errorf("%s: %w", what, err))
		}
		uncertain = uncertain || v.uncertain
		wait := v.wait
		if wait == 0 {
			// Equal jitter: half fixed, half random, so requests that failed
			// together (a homeserver restart) do not return together.
			wait = backoff/2 + rand.N(backoff/2+1)
			backoff = min(backoff*2, a.opt.MaxBackoff)
		}
		a.log.Warn("matrix request failed, retrying", slog.String("request", what), slog.Int("attempt", attempt),
			slog.Duration("wait", wait), slog.String("error", err.Error()))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return &retryLater{err: fmt.Errorf("%s: %w (after %d attempts, last: %v)", what, ctx.Err(), attempt, err), after: wait}
		case <-t.C:
		}
	}
}

// retryLater is a transient failure that ran out of time; it tells the
// outbox when the homeserver wants to hear from us again.
type retryLater struct {
	err   error
	after time.Duration
}

func (e *retryLater) Error() string             { return e.err.Error() }
func (e *retryLater) Unwrap() error             { return e.err }
func (e *retryLater) RetryAfter() time.Duration { return e.after }
