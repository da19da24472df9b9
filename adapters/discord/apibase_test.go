package discord

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
	"github.com/heraldchat/herald/bot"
)

// loopbackOnly refuses every connection that is not to a loopback
// address, so a broken rewrite fails the test instead of reaching Discord.
func loopbackOnly(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("test refuses to dial %s", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

func TestAPIBaseReachesAFakeInAnotherProcess(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	a := newAdapter(t, srv, nil, func(o *Options) {
		o.APIBase = srv.URL()
		o.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: loopbackOnly}}
		o.Dialer = &websocket.Dialer{NetDialContext: loopbackOnly}
	})
	in := &inbox{}
	run(t, srv, a, in)
	ref, err := a.PostArticle(context.Background(), place(news), article("Through the base URL"), "k")
	if err != nil {
		t.Fatalf("PostArticle: %v", err)
	}
	if _, ok := srv.Message(string(ref.Message)); !ok {
		t.Errorf("got no message %s on the fake", ref.Message)
	}
	if _, err := New(Options{Token: "t", State: nilState{}, APIBase: "discord.com"}); err == nil {
		t.Errorf("got no error for an api base without scheme, want one")
	}
}

// nilState is a state store that is never used.
type nilState struct{}

func (nilState) State(context.Context, string) (string, error)  { return "", bot.ErrNotFound }
func (nilState) SetState(context.Context, string, string) error { return nil }
