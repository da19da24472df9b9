package bot_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// TestDeliverMarksRepeatedSends: a send after a failed attempt carries
// bot.PriorAttempt with the row's queue time, so a connector can look for
// the earlier message first; a first send does not.
func TestDeliverMarksRepeatedSends(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRelayRig(t, db)
		var mu sync.Mutex
		failed := map[string]bool{}
		r.mx.setFail(func(op, key string) error {
			mu.Lock()
			defer mu.Unlock()
			if op == "post_comment" && !failed[key] {
				failed[key] = true
				return errFlaky
			}
			return nil
		})
		type seen struct {
			ok    bool
			since time.Time
		}
		var mx, dc []seen
		record := func(to *[]seen) func(ctx context.Context) error {
			return func(ctx context.Context) error {
				since, ok := bot.PriorAttempt(ctx)
				mu.Lock()
				*to = append(*to, seen{ok, since})
				mu.Unlock()
				return nil
			}
		}
		r.mx.setAfter(record(&mx))
		r.dc.setAfter(record(&dc))
		before := time.Now().Add(-time.Second)
		r.say(rigD1, "second time lucky", "")
		r.waitIdle()

		mu.Lock()
		defer mu.Unlock()
		if len(mx) != 1 || !mx[0].ok || mx[0].since.Before(before) || mx[0].since.After(time.Now()) {
			t.Errorf("matrix send after a failure: got %+v, want one marked as a prior attempt since the row was queued", mx)
		}
		if len(dc) != 1 || dc[0].ok {
			t.Errorf("discord first send: got %+v, want one not marked", dc)
		}
	})
}
