package config

import (
	"testing"
	"time"
)

func TestClusterAndAPIBase(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want string // the one problem, or "" for none
	}{
		{"defaults", "log:\n  level: info\n", ""},
		{"short leases for tests", "cluster:\n  feed_lease: 10s\n  outbox_lease: 10s\n  leader_retry: 500ms\n", ""},
		{"feed lease too short", "cluster:\n  feed_lease: 1s\n", `herald.yaml:2: cluster.feed_lease: 1s is too short: use at least 5s (a lease must outlast the work done under it)`},
		{"outbox lease zero", "cluster:\n  outbox_lease: 0s\n", `herald.yaml:2: cluster.outbox_lease: 0s is too short: use at least 5s (a lease must outlast the work done under it)`},
		{"leader retry too short", "cluster:\n  leader_retry: 1ms\n", `herald.yaml:2: cluster.leader_retry: 1ms is too short: use at least 100ms (a lease must outlast the work done under it)`},
		{"unknown cluster key", "cluster:\n  lease: 1m\n", `herald.yaml:2: cluster.lease: unknown key "lease" (known keys: feed_lease, outbox_lease, leader_retry)`},
		{"api base", "discord:\n  api_base: http://127.0.0.1:8080/\n", ""},
		{"api base not http", "discord:\n  api_base: ws://127.0.0.1:8080/\n", "discord.api_base"}, // the path only: the URL checker words it
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, ps := problemsOf(t, tc.yaml)
			if tc.want == "discord.api_base" {
				if len(ps) != 1 || ps[0].Path != tc.want || ps[0].Line != 2 {
					t.Fatalf("got %v, want one problem at line 2, discord.api_base", ps)
				}
				return
			}
			if tc.want == "" {
				if ps != nil {
					t.Fatalf("got problems, want none:\n%v", ps)
				}
				return
			}
			if len(ps) != 1 {
				t.Fatalf("got %d problems, want 1:\n%v", len(ps), ps)
			}
			if got := ps[0].String(); got != tc.want {
				t.Errorf("\ngot:  %s\nwant: %s", got, tc.want)
			}
		})
	}

	c := Default()
	if c.Cluster.FeedLease.Std() != 5*time.Minute || c.Cluster.OutboxLease.Std() != 2*time.Minute || c.Cluster.LeaderRetry.Std() != 5*time.Second {
		t.Errorf("default cluster section: got %+v, want leases 5m and 2m, leader retry 5s", c.Cluster)
	}
}
