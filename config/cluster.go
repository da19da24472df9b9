package config

import "time"

// Cluster tunes how several instances on one PostgreSQL share the work.
// The defaults suit production; tests shorten them so a killed instance's
// work is taken over quickly.
type Cluster struct {
	// FeedLease is how long a feed an instance took for polling stays
	// its own; a dead instance's feeds are polled by others after it. 5m.
	FeedLease Duration `yaml:"feed_lease"`
	// OutboxLease is the same for a claimed delivery; a send is abandoned
	// (and retried with the same key) well before it ends. 2m.
	OutboxLease Duration `yaml:"outbox_lease"`
	// LeaderRetry is how often a standby instance tries to take over the
	// Matrix /sync loop, and how often the leader checks it still leads. 5s.
	LeaderRetry Duration `yaml:"leader_retry"`
}

func (k *checker) cluster() {
	c := k.c.Cluster
	for _, d := range []struct {
		key      string
		val, min Duration
	}{
		{"cluster.feed_lease", c.FeedLease, Duration(5 * time.Second)},
		{"cluster.outbox_lease", c.OutboxLease, Duration(5 * time.Second)},
		{"cluster.leader_retry", c.LeaderRetry, Duration(100 * time.Millisecond)},
	} {
		if d.val < d.min {
			k.errf(d.key, "%s is too short: use at least %s (a lease must outlast the work done under it)",
				time.Duration(d.val), time.Duration(d.min))
		}
	}
}
