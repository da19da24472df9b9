package discord

import (
	"context"
	"errors"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Observer is told about rate limiting and the gateway, for metrics.
type Observer interface {
	RateLimitWait(d time.Duration) // a REST request waited d for the global limit
	TooManyRequests()              // Discord answered 429
	GatewayReconnect()             // the gateway connection was lost (Run resumes it)
}

// Observe reports to o from now on. Call it before Run and before the
// first request.
func (a *Adapter) Observe(o Observer) {
	if g, ok := a.sess.Client.Transport.(*globalLimit); ok {
		g.obs = o
	}
	a.sess.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) { o.GatewayReconnect() })
}

// Status says whether the gateway session is up: "connected" once Discord
// sent READY (or RESUMED) on the current connection, else an error. For
// readiness probes; it sends nothing.
func (a *Adapter) Status(context.Context) (string, error) {
	a.sess.RLock()
	ready := a.sess.DataReady
	a.sess.RUnlock()
	if !ready {
		return "connecting", errors.New("the Discord gateway is not connected")
	}
	return "connected", nil
}
