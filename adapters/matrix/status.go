package matrix

import (
	"context"
	"fmt"
)

// Status asks the homeserver who the bot is (logging in first if this
// process has not yet): "connected" when the homeserver answers and accepts
// the credentials, else an error saying why. For readiness probes; every
// instance can post, so every instance checks, whether it runs /sync or not.
func (a *Adapter) Status(ctx context.Context) (string, error) {
	cli, err := a.connect(ctx)
	if err != nil {
		return "disconnected", err
	}
	if _, err := cli.Whoami(ctx); err != nil {
		return "disconnected", fmt.Errorf("matrix: homeserver %s: %w", a.opt.Homeserver, err)
	}
	return "connected", nil
}
