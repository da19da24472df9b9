package discordtest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// rawGateway dials the fake's gateway and reads HELLO.
func rawGateway(t *testing.T, srv *Server) *websocket.Conn {
	t.Helper()
	c, _, err := srv.Dialer().Dial(srv.GatewayURL()+"?v=9&encoding=json", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var hello struct {
		Op int `json:"op"`
		D  struct {
			HeartbeatInterval int64 `json:"heartbeat_interval"`
		} `json:"d"`
	}
	if err := c.ReadJSON(&hello); err != nil || hello.Op != 10 || hello.D.HeartbeatInterval != 41250 {
		t.Fatalf("got %+v (%v), want HELLO with heartbeat_interval 41250 ms", hello, err)
	}
	return c
}

func TestGatewayRefusals(t *testing.T) {
	srv := New(Config{NoRateLimits: true, DenyMessageContent: true})
	defer srv.Close()
	tests := []struct {
		name      string
		send      any
		wantClose int // 0: expect an op 9 payload instead
	}{
		{"bad token", map[string]any{"op": 2, "d": map[string]any{"token": "Bot nope", "intents": 1}}, 4004},
		{"unknown intent bit", map[string]any{"op": 2, "d": map[string]any{"token": srv.Token(), "intents": 1 << 30}}, 4013},
		{"privileged intent not enabled", map[string]any{"op": 2, "d": map[string]any{"token": srv.Token(), "intents": 1 << 15}}, 4014},
		{"shard out of range", map[string]any{"op": 2, "d": map[string]any{"token": srv.Token(), "intents": 1, "shard": []int{2, 2}}}, 4010},
		{"resume of an unknown session", map[string]any{"op": 6, "d": map[string]any{"token": srv.Token(), "session_id": "nope", "seq": 3}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := rawGateway(t, srv)
			if err := c.WriteJSON(tt.send); err != nil {
				t.Fatal(err)
			}
			var got struct {
				Op int             `json:"op"`
				D  json.RawMessage `json:"d"`
			}
			err := c.ReadJSON(&got)
			var ce *websocket.CloseError
			switch {
			case tt.wantClose != 0:
				if !errors.As(err, &ce) || ce.Code != tt.wantClose {
					t.Errorf("got %v, want close code %d", err, tt.wantClose)
				}
			case err != nil || got.Op != 9 || string(got.D) != "false":
				t.Errorf("got op %d d %s (%v), want INVALID_SESSION (op 9, d false)", got.Op, got.D, err)
			}
		})
	}
}

func TestGatewayHeartbeatAck(t *testing.T) {
	srv := New(Config{NoRateLimits: true})
	defer srv.Close()
	c := rawGateway(t, srv)
	if err := c.WriteJSON(map[string]any{"op": 1, "d": nil}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Op int `json:"op"`
	}
	if err := c.ReadJSON(&got); err != nil || got.Op != 11 {
		t.Errorf("got op %d (%v), want HEARTBEAT_ACK (11)", got.Op, err)
	}
}

func TestGatewayClosesWithoutHeartbeats(t *testing.T) {
	srv := New(Config{NoRateLimits: true, HeartbeatInterval: 50 * time.Millisecond})
	defer srv.Close()
	c, _, err := srv.Dialer().Dial(srv.GatewayURL()+"?v=9&encoding=json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var hello map[string]any
	if err := c.ReadJSON(&hello); err != nil {
		t.Fatal(err)
	}
	// Send nothing: the fake must hang up rather than wait forever.
	if err := c.ReadJSON(&hello); err == nil {
		t.Errorf("got %v, want the connection closed for missing heartbeats", hello)
	}
}

func TestMessageContentNeedsItsIntent(t *testing.T) {
	srv := New(Config{NoRateLimits: true})
	defer srv.Close()
	ch := srv.AddTextChannel("news")
	ada := srv.AddMember("Ada")
	s := session(t, srv)
	s.Identify.Intents = discordgo.IntentGuilds | discordgo.IntentGuildMessages
	s.SyncEvents = true
	got := make(chan string, 1)
	s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { got <- m.Content })
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := srv.Say(ch, ada, "secret", ""); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-got:
		if c != "" {
			t.Errorf("got content %q without MESSAGE_CONTENT, want it empty", c)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no MESSAGE_CREATE")
	}
}
