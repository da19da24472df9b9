package discordtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// authKind says how a route authenticates.
type authKind int

const (
	authBot     authKind = iota // Authorization: Bot <token>
	authWebhook                 // the webhook or interaction token is in the path
)

// route describes one REST route.
type route struct {
	pattern string // net/http pattern without the /api/v9 prefix
	auth    authKind
	// major returns the bucket's major parameter and limit; nil means the
	// route has no per-route limit in the fake (only the global one).
	bucket func(s *Server, r *http.Request) *bucket
	h      func(s *Server, r *http.Request) (int, any, *apiError)
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.serveGateway)
	for _, rt := range s.restRoutes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		mux.HandleFunc(method+" /api/v9"+path, s.api(rt))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.count(r.Method+" "+r.URL.Path, 404, 0)
		writeJSON(w, 404, errNotFound, nil)
	})
	return mux
}

func (s *Server) restRoutes() []route {
	return []route{
		{pattern: "GET /gateway", h: (*Server).getGateway},
		{pattern: "GET /gateway/bot", h: (*Server).getGateway},
		{pattern: "GET /users/@me", h: (*Server).getMe},
		{pattern: "GET /channels/{cid}", h: (*Server).getChannel},
		{pattern: "PATCH /channels/{cid}", h: (*Server).patchChannel},
		{pattern: "GET /channels/{cid}/messages", h: (*Server).listMessages},
		{pattern: "GET /channels/{cid}/messages/{mid}", h: (*Server).getMessage},
		{pattern: "POST /channels/{cid}/messages", h: (*Server).createMessage, bucket: messageBucket},
		{pattern: "PATCH /channels/{cid}/messages/{mid}", h: (*Server).editMessage},
		{pattern: "DELETE /channels/{cid}/messages/{mid}", h: (*Server).deleteMessage},
		{pattern: "POST /channels/{cid}/messages/{mid}/threads", h: (*Server).threadFromMessage},
		{pattern: "PUT /channels/{cid}/messages/{mid}/reactions/{emoji}/@me", h: (*Server).putOwnReaction},
		{pattern: "DELETE /channels/{cid}/messages/{mid}/reactions/{emoji}/@me", h: (*Server).deleteOwnReaction},
		{pattern: "POST /channels/{cid}/threads", h: (*Server).threadInChannel},
		{pattern: "GET /guilds/{gid}/threads/active", h: (*Server).activeThreads},
		{pattern: "POST /channels/{cid}/webhooks", h: (*Server).createWebhook},
		{pattern: "GET /channels/{cid}/webhooks", h: (*Server).listWebhooks},
		{pattern: "POST /webhooks/{wid}/{token}", auth: authWebhook, h: (*Server).executeWebhook, bucket: webhookBucket},
		{pattern: "GET /webhooks/{wid}/{token}/messages/{mid}", auth: authWebhook, h: (*Server).getWebhookMessage},
		{pattern: "PATCH /webhooks/{wid}/{token}/messages/{mid}", auth: authWebhook, h: (*Server).editWebhookMessage},
		{pattern: "DELETE /webhooks/{wid}/{token}/messages/{mid}", auth: authWebhook, h: (*Server).deleteWebhookMessage},
		{pattern: "GET /guilds/{gid}", h: (*Server).getGuild},
		{pattern: "GET /guilds/{gid}/channels", h: (*Server).getGuildChannels},
		{pattern: "GET /guilds/{gid}/members/{uid}", h: (*Server).getMember},
		{pattern: "GET /guilds/{gid}/roles", h: (*Server).getRoles},
		{pattern: "PUT /applications/{aid}/commands", h: (*Server).putCommands},
		{pattern: "GET /applications/{aid}/commands", h: (*Server).getCommands},
		{pattern: "PUT /applications/{aid}/guilds/{gid}/commands", h: (*Server).putCommands},
		{pattern: "GET /applications/{aid}/guilds/{gid}/commands", h: (*Server).getCommands},
		{pattern: "POST /interactions/{iid}/{token}/callback", auth: authWebhook, h: (*Server).interactionCallback},
	}
}

func messageBucket(s *Server, r *http.Request) *bucket {
	return &bucket{route: "POST /channels/{id}/messages", major: r.PathValue("cid"), limit: s.cfg.MessageLimit}
}

func webhookBucket(s *Server, r *http.Request) *bucket {
	if r.PathValue("wid") == s.cfg.ApplicationID {
		return nil // interaction follow-ups are not rate limited like webhooks
	}
	return &bucket{route: "POST /webhooks/{id}/{token}", major: r.PathValue("wid"), limit: s.cfg.WebhookLimit}
}

// api wraps a route with authentication, rate limits and accounting.
func (s *Server) api(rt route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.stats.Requests++
		s.stats.Routes[rt.pattern]++
		s.mu.Unlock()
		if rt.auth == authBot && r.Header.Get("Authorization") != "Bot "+s.cfg.Token {
			s.count(rt.pattern, 401, 0)
			writeJSON(w, 401, errUnauthorized, nil)
			return
		}
		var b *bucket
		if rt.bucket != nil {
			b = rt.bucket(s, r)
		}
		// Interaction routes and webhooks are outside the global limit.
		v := s.limits.take(time.Now(), rt.auth == authBot, b)
		if v.limited {
			s.mu.Lock()
			s.stats.Status[429]++
			if v.global {
				s.stats.Global429++
			}
			s.mu.Unlock()
			writeJSON(w, 429, map[string]any{
				"message":     "You are being rate limited.",
				"retry_after": v.retryAfter.Seconds(),
				"global":      v.global,
			}, v.headers)
			return
		}
		status, body, aerr := rt.h(s, r)
		if aerr != nil {
			s.count(rt.pattern, aerr.status, aerr.Code)
			writeJSON(w, aerr.status, aerr, v.headers)
			return
		}
		s.count(rt.pattern, status, 0)
		// Bodies point into the fake's state; encode them under its lock
		// so a concurrent request cannot change them mid-encoding.
		s.mu.Lock()
		data, err := json.Marshal(body)
		s.mu.Unlock()
		if err != nil {
			panic("discordtest: encode " + rt.pattern + ": " + err.Error())
		}
		if body == nil {
			data = nil
		}
		writeJSON(w, status, json.RawMessage(data), v.headers)
	}
}

func (s *Server) count(_ string, status, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Status[status]++
	if code != 0 {
		s.stats.Codes[code]++
	}
}

func writeJSON(w http.ResponseWriter, status int, body any, h http.Header) {
	for k, vs := range h {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Date", time.Now().UTC().Format(http.TimeFormat))
	if raw, ok := body.(json.RawMessage); status == http.StatusNoContent || body == nil || (ok && raw == nil) {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// decode reads a JSON request body into v.
func decode(r *http.Request, v any) *apiError {
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(v); err != nil {
		return errBadJSON
	}
	return nil
}

func (s *Server) getGateway(r *http.Request) (int, any, *apiError) {
	return 200, map[string]any{
		"url": strings.TrimSuffix(s.GatewayURL(), "/"), "shards": 1,
		"session_start_limit": map[string]int{"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1},
	}, nil
}

func (s *Server) getMe(r *http.Request) (int, any, *apiError) {
	return 200, s.BotUser(), nil
}
