package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Gateway close codes from the opcodes-and-status-codes topic.
const (
	closeAuthFailed      = 4004
	closeInvalidShard    = 4010
	closeInvalidVersion  = 4012
	closeInvalidIntents  = 4013
	closeDisallowedIntnt = 4014
)

// knownIntents are the intent bits Discord defines (0-25 with gaps is close
// enough for the fake: anything above is invalid).
const knownIntents = 1<<26 - 1

// gwSession is one gateway session: what it asked for and every dispatch
// sent to it, kept so that a RESUME can replay what a dropped connection
// missed. frames[i] has sequence number i+1.
type gwSession struct {
	id      string
	token   string
	intents discordgo.Intent
	shard   [2]int

	mu     sync.Mutex
	cond   *sync.Cond
	frames [][]byte
	conn   *gwConn
}

// gwConn is one websocket connection of a session.
type gwConn struct {
	ws     *websocket.Conn
	wmu    sync.Mutex // gorilla allows one writer at a time
	closed bool       // guarded by the session's mu
}

func (c *gwConn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

func (c *gwConn) op(op int, d any) error {
	b, err := json.Marshal(map[string]any{"op": op, "d": d})
	if err != nil {
		return err
	}
	return c.write(b)
}

func (c *gwConn) closeWith(code int, text string) {
	c.wmu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	c.wmu.Unlock()
	_ = c.ws.Close()
}

// enqueue appends a dispatch; the connection's writer sends it when
// connected, and a RESUME replays it otherwise. The caller may hold s.mu.
func (g *gwSession) enqueue(t string, d []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	seq := len(g.frames) + 1
	g.frames = append(g.frames, []byte(fmt.Sprintf(`{"op":0,"s":%d,"t":%q,"d":%s}`, seq, t, d)))
	g.cond.Broadcast()
}

// drop cuts the current connection without a close frame, as a network
// failure would.
func (g *gwSession) drop() bool {
	g.mu.Lock()
	c := g.conn
	g.conn = nil
	if c != nil {
		c.closed = true
		g.cond.Broadcast()
	}
	g.mu.Unlock()
	if c == nil {
		return false
	}
	_ = c.ws.UnderlyingConn().Close()
	return true
}

// attach makes c the session's connection and starts its writer from the
// frame after seq.
func (s *Server) attach(g *gwSession, c *gwConn, seq int) {
	g.mu.Lock()
	old := g.conn
	if old != nil {
		old.closed = true
	}
	g.conn = c
	g.cond.Broadcast()
	g.mu.Unlock()
	if old != nil {
		_ = old.ws.Close()
	}
	go g.writer(c, seq)
}

func (g *gwSession) writer(c *gwConn, next int) {
	for {
		g.mu.Lock()
		for next >= len(g.frames) && !c.closed {
			g.cond.Wait()
		}
		if c.closed {
			g.mu.Unlock()
			return
		}
		batch := g.frames[next:]
		next = len(g.frames)
		g.mu.Unlock()
		for _, f := range batch {
			if err := c.write(f); err != nil {
				g.detach(c)
				return
			}
		}
	}
}

func (g *gwSession) detach(c *gwConn) {
	g.mu.Lock()
	c.closed = true
	if g.conn == c {
		g.conn = nil
	}
	g.cond.Broadcast()
	g.mu.Unlock()
	_ = c.ws.Close()
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveGateway runs one gateway connection: HELLO, then IDENTIFY or RESUME,
// then heartbeats until the connection ends.
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	if !websocket.IsWebSocketUpgrade(r) {
		http.NotFound(w, r)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &gwConn{ws: ws}
	defer ws.Close()
	if v := r.URL.Query().Get("v"); v != "9" && v != "10" {
		c.closeWith(closeInvalidVersion, "Invalid API version.")
		return
	}
	hb := s.cfg.HeartbeatInterval
	if err := c.op(10, map[string]int64{"heartbeat_interval": hb.Milliseconds()}); err != nil {
		return
	}
	var g *gwSession
	for {
		// Discord closes a connection that misses heartbeats; the fake
		// allows two intervals.
		_ = ws.SetReadDeadline(time.Now().Add(2 * hb))
		var in struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if err := ws.ReadJSON(&in); err != nil {
			break
		}
		switch in.Op {
		case 1:
			_ = c.op(11, nil)
		case 2:
			if g != nil {
				continue
			}
			g = s.identify(c, in.D)
			if g == nil {
				return
			}
		case 6:
			if g != nil {
				continue
			}
			g = s.resume(c, in.D)
		}
	}
	if g != nil {
		g.detach(c)
		s.gwConnected.Add(-1)
	}
}

// identify checks an IDENTIFY and starts a session with READY and one
// GUILD_CREATE per guild of the shard. nil means the connection was closed.
func (s *Server) identify(c *gwConn, raw json.RawMessage) *gwSession {
	// discordgo.Identify's presence field does not decode what it encodes,
	// so the fake reads the fields it checks itself.
	var in struct {
		Token          string           `json:"token"`
		Intents        discordgo.Intent `json:"intents"`
		Shard          *[2]int          `json:"shard"`
		Compress       bool             `json:"compress"`
		LargeThreshold int              `json:"large_threshold"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		c.closeWith(4002, "Error while decoding payload.")
		return nil
	}
	id := discordgo.Identify{Token: in.Token, Intents: in.Intents, Shard: in.Shard, Compress: in.Compress,
		LargeThreshold: in.LargeThreshold}
	if strings.TrimPrefix(id.Token, "Bot ") != s.cfg.Token {
		c.closeWith(closeAuthFailed, "Authentication failed.")
		return nil
	}
	if id.Intents&^knownIntents != 0 {
		c.closeWith(closeInvalidIntents, "Invalid intent(s).")
		return nil
	}
	if s.cfg.DenyMessageContent && id.Intents&discordgo.IntentMessageContent != 0 {
		c.closeWith(closeDisallowedIntnt, "Disallowed intent(s).")
		return nil
	}
	shard := [2]int{0, 1}
	if id.Shard != nil {
		shard = *id.Shard
	}
	if shard[1] < 1 || shard[0] < 0 || shard[0] >= shard[1] {
		c.closeWith(closeInvalidShard, "Invalid shard.")
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.identifies = append(s.identifies, id)
	g := &gwSession{id: s.ids.next(), token: id.Token, intents: id.Intents, shard: shard}
	g.cond = sync.NewCond(&g.mu)
	s.sessions[g.id] = g
	var guilds []map[string]any
	mine := s.onShard(g)
	if mine {
		guilds = append(guilds, map[string]any{"id": s.guild.ID, "unavailable": true})
	}
	ready, _ := json.Marshal(map[string]any{
		"v": 9, "user": s.bot, "guilds": guilds, "session_id": g.id, "private_channels": []any{},
		"resume_gateway_url": strings.TrimSuffix(s.GatewayURL(), "/"), "shard": shard,
		"application": map[string]any{"id": s.cfg.ApplicationID, "flags": 0},
	})
	g.enqueue("READY", ready)
	if mine && id.Intents&discordgo.IntentGuilds != 0 {
		gc, _ := json.Marshal(s.guild)
		g.enqueue("GUILD_CREATE", gc)
	}
	s.gwConnected.Add(1)
	s.attach(g, c, 0)
	return g
}

// onShard says whether the guild belongs to the session's shard, by the
// documented formula shard_id = (guild_id >> 22) % num_shards.
func (s *Server) onShard(g *gwSession) bool {
	id, _ := strconv.ParseUint(s.guild.ID, 10, 64)
	return int((id>>22)%uint64(g.shard[1])) == g.shard[0]
}

// resume reattaches a session and replays what it missed, or answers
// INVALID_SESSION (op 9, not resumable) so the client identifies again.
func (s *Server) resume(c *gwConn, raw json.RawMessage) *gwSession {
	var rp struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int    `json:"seq"`
	}
	_ = json.Unmarshal(raw, &rp)
	s.mu.Lock()
	g := s.sessions[rp.SessionID]
	s.mu.Unlock()
	if g == nil || strings.TrimPrefix(rp.Token, "Bot ") != s.cfg.Token {
		_ = c.op(9, false)
		return nil
	}
	g.mu.Lock()
	n := len(g.frames)
	g.mu.Unlock()
	if rp.Seq < 0 || rp.Seq > n {
		_ = c.op(9, false)
		return nil
	}
	s.mu.Lock()
	s.resumes++
	g.enqueue("RESUMED", []byte("{}"))
	s.mu.Unlock()
	s.gwConnected.Add(1)
	s.attach(g, c, rp.Seq)
	return g
}

// dispatchLocked sends an event to every session that asked for it: its
// intent (0 = always) and the guild's shard. Sessions without the
// MESSAGE_CONTENT intent get messages of others without their content, as
// Discord does. The caller holds s.mu.
func (s *Server) dispatchLocked(t string, payload any, intent discordgo.Intent) {
	data, err := json.Marshal(payload)
	if err != nil {
		panic("discordtest: marshal " + t + ": " + err.Error())
	}
	var stripped []byte
	for _, g := range s.sessions {
		if intent != 0 && g.intents&intent == 0 || !s.onShard(g) {
			continue
		}
		d := data
		if (t == "MESSAGE_CREATE" || t == "MESSAGE_UPDATE") && g.intents&discordgo.IntentMessageContent == 0 {
			if stripped == nil {
				stripped = stripContent(data, s.bot.ID)
			}
			d = stripped
		}
		g.enqueue(t, d)
	}
}

// dispatchGuild is dispatchLocked for callers that do not hold s.mu.
func (s *Server) dispatchGuild(t string, payload any, intent discordgo.Intent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dispatchLocked(t, payload, intent)
}

func stripContent(data []byte, botID string) []byte {
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return data
	}
	if a, ok := m["author"].(map[string]any); ok && a["id"] == botID {
		return data
	}
	m["content"], m["embeds"], m["attachments"], m["components"] = "", []any{}, []any{}, []any{}
	out, _ := json.Marshal(m)
	return out
}

// DropGateway cuts every open gateway connection, as a network failure
// would; the sessions stay resumable. It returns how many it cut.
func (s *Server) DropGateway() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, g := range s.sessions {
		if g.drop() {
			n++
		}
	}
	return n
}

// ForgetSessions cuts every connection and forgets every session, as when
// Discord can no longer resume them: a RESUME gets INVALID_SESSION and the
// client must identify again (what happened meanwhile is lost, as on
// Discord).
func (s *Server) ForgetSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, g := range s.sessions {
		g.drop()
		delete(s.sessions, id)
	}
}
