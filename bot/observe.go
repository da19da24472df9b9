package bot

import "time"

// PollOutcome is how one feed poll ended, as metrics count it.
type PollOutcome string

// Poll outcomes.
const (
	PollFetched     PollOutcome = "new"          // a (new) document was fetched and ingested
	PollNotModified PollOutcome = "not_modified" // the server answered 304
	PollFailed      PollOutcome = "error"        // fetch, parse or store failed
)

// PollObserver is told about every finished poll. The metrics package
// implements it; the core does not know about Prometheus.
type PollObserver interface {
	// FeedPolled reports a poll's outcome, how long the fetch took (0 when
	// it never started) and what was ingested.
	FeedPolled(outcome PollOutcome, fetch time.Duration, res PollResult)
}

// DeliveryOutcome is what became of one delivery attempt.
type DeliveryOutcome string

// Delivery outcomes.
const (
	DeliveryDone   DeliveryOutcome = "done"
	DeliveryRetry  DeliveryOutcome = "retry"
	DeliveryParked DeliveryOutcome = "parked"
)

// DeliveryObserver is told about every settled delivery attempt, with the
// time it settled (the row's Created is when it was queued, so for a
// comment mirror at-minus-Created is the relay latency).
type DeliveryObserver interface {
	Delivered(row OutboxRow, outcome DeliveryOutcome, at time.Time)
}

// noObserver is the default observer: it ignores everything.
type noObserver struct{}

func (noObserver) FeedPolled(PollOutcome, time.Duration, PollResult) {}
func (noObserver) Delivered(OutboxRow, DeliveryOutcome, time.Time)   {}
