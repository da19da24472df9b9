package bot

import (
	"context"
	"time"
)

type priorAttemptKey struct{}

// WithPriorAttempt marks a send as a repeat (the Deliverer does, and tests): an earlier attempt of the same
// row (same idempotency key) failed or was cut off and may have reached
// the platform. since is when the row was queued: no earlier message can be
// that attempt.
func WithPriorAttempt(ctx context.Context, since time.Time) context.Context {
	return context.WithValue(ctx, priorAttemptKey{}, since)
}

// PriorAttempt tells a connector that the delivery under way was attempted
// before — a send that failed ambiguously, or one whose instance died
// before recording it (its lease expired) — and since when. A platform
// that remembers idempotency keys only for a while, or only in memory
// (Matrix transaction ids), may already have the message: the connector
// should look for it before sending again. Set by the Deliverer.
func PriorAttempt(ctx context.Context) (since time.Time, ok bool) {
	since, ok = ctx.Value(priorAttemptKey{}).(time.Time)
	return since, ok
}
