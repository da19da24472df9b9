package bot

import (
	"errors"
	"math/rand/v2"
	"time"
)

// ErrPermanent marks a delivery failure that no retry can fix: the bot was
// refused (403, missing permission), the room is encrypted, the platform
// rejected the body as invalid. The deliverer parks such a row at once.
// Adapters wrap it: fmt.Errorf("post to %s: 50013 missing access: %w", ch, bot.ErrPermanent),
// or use Permanent(err) to keep the platform's own error in the chain.
var ErrPermanent = errors.New("permanent failure")

// PermanentError wraps a platform error that retrying cannot fix.
// errors.Is(err, ErrPermanent) holds for it.
type PermanentError struct {
	Err error
}

// Permanent marks err as permanent; nil stays nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

func (e *PermanentError) Error() string {
	if e.Err == nil {
		return ErrPermanent.Error()
	}
	return e.Err.Error() + " (permanent)"
}

func (e *PermanentError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrPermanent) true for every PermanentError.
func (e *PermanentError) Is(target error) bool { return target == ErrPermanent }

// retryAfterer is implemented by errors that know when the platform wants to
// be asked again (a 429's retry_after, a Retry-After header).
type retryAfterer interface{ RetryAfter() time.Duration }

// retryDelay is how long to wait before attempt+1 of a row: exponential from
// base, capped, with "equal jitter" (half the exponential bound fixed,
// half drawn at random, so rows that failed together do not come back
// together), never
// below what the platform asked for.
func retryDelay(err error, attempt int, base, limit time.Duration, rnd func(n int64) int64) time.Duration {
	bound := base
	for i := 1; i < attempt && bound < limit; i++ {
		bound *= 2
	}
	bound = min(bound, limit)
	d := bound/2 + time.Duration(rnd(int64(bound/2)+1))
	var ra retryAfterer
	if errors.As(err, &ra) && ra.RetryAfter() > d {
		d = ra.RetryAfter()
	}
	return d
}

// defaultRand draws from the runtime's per-goroutine generator; it needs no
// lock and no seeding.
func defaultRand(n int64) int64 { return rand.Int64N(n) }
