package discord

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/bot/commandtest"
)

// TestWebhookTokenStaysOutOfErrors cuts the network while comments are
// edited and posted: Go's HTTP client names the request URL in its error,
// and a webhook's URL holds the webhook's token, which must not reach the
// error the core logs and keeps.
func TestWebhookTokenStaysOutOfErrors(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	var down atomic.Bool
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if down.Load() {
			return nil, errors.New("network is down")
		}
		return loopbackOnly(ctx, network, addr)
	}
	a := newAdapter(t, srv, nil, func(o *Options) {
		o.APIBase = srv.URL()
		o.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: dial, DisableKeepAlives: true}}
	})
	ctx := context.Background()
	ref, err := a.PostArticle(ctx, place(news), article("Secrets"), "art")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := a.PostComment(ctx, ref, comment(1, "Ada", bot.Matrix, "first"), "c-1")
	if err != nil {
		t.Fatal(err)
	}
	hooks := srv.Webhooks(news)
	if len(hooks) != 1 || hooks[0].Token == "" {
		t.Fatalf("got webhooks %+v, want one with a token", hooks)
	}
	token := hooks[0].Token
	down.Store(true)
	tests := []struct {
		name string
		do   func() error
	}{
		{"post", func() error {
			_, err := a.PostComment(ctx, ref, comment(2, "Ada", bot.Matrix, "second"), "c-2")
			return err
		}},
		{"edit", func() error {
			return a.EditComment(ctx, ref.Place, ids, comment(1, "Ada", bot.Matrix, "edited"))
		}},
		{"delete", func() error { return a.Delete(ctx, ref.Place, ids) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if err == nil {
				t.Fatal("got no error with the network down, want one")
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("got error %q, want it without the webhook token", err)
			}
		})
	}
}

// logBuffer is a log destination the adapter's goroutines may share.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestInteractionTokenStaysOutOfLogs answers a slash command while the
// REST side of the network is down: the answer's URL holds the
// interaction's token, which must not reach the log.
func TestInteractionTokenStaysOutOfLogs(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	rig := commandtest.New(t, place(news))
	var down atomic.Bool
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if down.Load() {
			return nil, errors.New("network is down")
		}
		return loopbackOnly(ctx, network, addr)
	}
	logs := &logBuffer{}
	a := newAdapter(t, srv, rig.DB, func(o *Options) {
		o.APIBase = srv.URL()
		o.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: dial, DisableKeepAlives: true}}
		o.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	a.ServeCommands(rig.Tree, func() []string { return nil })
	if err := a.RegisterTree(context.Background(), rig.Tree); err != nil {
		t.Fatal(err)
	}
	run(t, srv, a, &inbox{})
	var c commandtest.Case
	for _, m := range commandtest.Malformed {
		if m.Path != nil {
			c = m.Expand(rig.Base, place(news))
			break
		}
	}
	down.Store(true)
	in := srv.Interact(news, srv.Owner(), slashData(c.Path, c.Options))
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logs.String(), "could not answer") {
		if time.Now().After(deadline) {
			t.Fatalf("no failed answer logged; log:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := logs.String(); strings.Contains(got, in.Token) {
		t.Errorf("the log holds the interaction token:\n%s", got)
	}
}
