package matrix

import (
	"context"
	"fmt"

	"maunium.net/go/mautrix"
)

// Status asks the homeserver who the bot is: "connected" when it answers
// and accepts the credentials, else an error saying why. For readiness
// probes; every instance can post, so every instance checks, whether it
// runs /sync or not. It answers within ctx even while a login is retrying
// against a homeserver that is down.
func (a *Adapter) Status(ctx context.Context) (string, error) {
	a.mu.Lock()
	cli := a.client
	a.mu.Unlock()
	if cli == nil {
		var err error
		if cli, err = a.loginForStatus(ctx); err != nil {
			return "connecting", err
		}
	}
	if _, err := cli.Whoami(ctx); err != nil {
		return "disconnected", fmt.Errorf("matrix: homeserver %s: %w", a.opt.Homeserver, err)
	}
	return "connected", nil
}

// loginForStatus logs in for a probe on an instance that has not needed
// the homeserver yet (a /sync standby before its first post). connect
// waits for a login under way without watching ctx, so a probe never joins
// that wait: when someone is logging in it reports that at once, else it
// logs in in a goroutine it stops waiting for when ctx ends. That goroutine
// ends with the login (whose requests carry ctx) or, if another login won
// the lock meanwhile, with that one.
func (a *Adapter) loginForStatus(ctx context.Context) (*mautrix.Client, error) {
	if !a.connMu.TryLock() {
		return nil, fmt.Errorf("matrix: logging in to %s (no answer yet)", a.opt.Homeserver)
	}
	a.connMu.Unlock()
	type result struct {
		cli *mautrix.Client
		err error
	}
	done := make(chan result, 1) // buffered: the goroutine never blocks on a gone probe
	go func() {
		cli, err := a.connect(ctx)
		done <- result{cli, err}
	}()
	select {
	case r := <-done:
		return r.cli, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("matrix: logging in to %s: no answer within the probe's time: %w", a.opt.Homeserver, ctx.Err())
	}
}
