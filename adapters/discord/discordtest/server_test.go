package discordtest

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// session is a real discordgo session pointed at srv.
func session(t *testing.T, srv *Server) *discordgo.Session {
	t.Helper()
	s, err := discordgo.New("Bot " + srv.Token())
	if err != nil {
		t.Fatal(err)
	}
	s.Client, s.Dialer = srv.Client(), srv.Dialer()
	s.LogLevel = -1
	s.Identify.Intents = discordgo.IntentGuilds | discordgo.IntentGuildMessages | discordgo.IntentMessageContent
	return s
}

func restCode(err error) (status, code int) {
	var re *discordgo.RESTError
	if errors.As(err, &re) {
		status = re.Response.StatusCode
		if re.Message != nil {
			code = re.Message.Code
		}
	}
	return
}

func TestRESTErrors(t *testing.T) {
	srv := New(Config{NoRateLimits: true})
	defer srv.Close()
	s := session(t, srv)
	text := srv.AddTextChannel("news")
	denied := srv.AddTextChannel("denied")
	srv.Deny(denied, discordgo.PermissionSendMessages)
	hidden := srv.AddTextChannel("hidden")
	srv.Deny(hidden, discordgo.PermissionViewChannel)
	first, err := s.ChannelMessageSend(text, "hello")
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if _, err := s.MessageThreadStart(text, first.ID, "thread", 60); err != nil {
		t.Fatalf("thread start: %v", err)
	}
	tests := []struct {
		name             string
		call             func() error
		wantStatus, code int
		wantBody         string
	}{
		{"content over 2000", func() error {
			_, err := s.ChannelMessageSend(text, strings.Repeat("a", 2001))
			return err
		}, 400, 50035, `"content":{"_errors":[{"code":"BASE_TYPE_MAX_LENGTH"`},
		{"embed title over 256", func() error {
			_, err := s.ChannelMessageSendEmbed(text, &discordgo.MessageEmbed{Title: strings.Repeat("t", 257)})
			return err
		}, 400, 50035, `"embeds":{"0":{"title":{"_errors"`},
		{"embeds over 6000 in total", func() error {
			_, err := s.ChannelMessageSendEmbeds(text, []*discordgo.MessageEmbed{
				{Description: strings.Repeat("d", 4000)}, {Description: strings.Repeat("d", 2001)}})
			return err
		}, 400, 50035, `MAX_EMBED_SIZE_EXCEEDED`},
		{"empty message", func() error {
			_, err := s.ChannelMessageSendComplex(text, &discordgo.MessageSend{})
			return err
		}, 400, 50006, "Cannot send an empty message"},
		{"unknown channel", func() error {
			_, err := s.ChannelMessageSend("123", "x")
			return err
		}, 404, 10003, "Unknown Channel"},
		{"unknown message", func() error {
			_, err := s.ChannelMessageEdit(text, "999", "x")
			return err
		}, 404, 10008, "Unknown Message"},
		{"missing permissions", func() error {
			_, err := s.ChannelMessageSend(denied, "x")
			return err
		}, 403, 50013, "Missing Permissions"},
		{"missing access", func() error {
			_, err := s.ChannelMessageSend(hidden, "x")
			return err
		}, 403, 50001, "Missing Access"},
		{"second thread on a message", func() error {
			_, err := s.MessageThreadStart(text, first.ID, "again", 60)
			return err
		}, 400, 160004, "A thread has already been created for this message"},
		{"thread name over 100", func() error {
			m, _ := s.ChannelMessageSend(text, "another")
			_, err := s.MessageThreadStart(text, m.ID, strings.Repeat("n", 101), 60)
			return err
		}, 400, 50035, `"name":{"_errors"`},
		{"webhook named discord", func() error {
			_, err := s.WebhookCreate(text, "my discord hook", "")
			return err
		}, 400, 50035, `USERNAME_INVALID_CONTAINS`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			status, code := restCode(err)
			if status != tt.wantStatus || code != tt.code {
				t.Fatalf("got status %d code %d (%v), want %d %d", status, code, err, tt.wantStatus, tt.code)
			}
			if !strings.Contains(err.Error(), tt.wantBody) {
				t.Errorf("got body %v, want it to contain %s", err, tt.wantBody)
			}
		})
	}
}

func TestThreadIDIsMessageID(t *testing.T) {
	srv := New(Config{NoRateLimits: true})
	defer srv.Close()
	s := session(t, srv)
	text := srv.AddTextChannel("news")
	m, err := s.ChannelMessageSend(text, "hello")
	if err != nil {
		t.Fatal(err)
	}
	th, err := s.MessageThreadStart(text, m.ID, "hello", 1440)
	if err != nil {
		t.Fatal(err)
	}
	if th.ID != m.ID || th.ParentID != text {
		t.Errorf("got thread %s parent %s, want %s parent %s", th.ID, th.ParentID, m.ID, text)
	}
	forum, tags := srv.AddForumChannel("forum", "news")
	post, err := s.ForumThreadStartComplex(forum, &discordgo.ThreadStart{Name: "post", AppliedTags: []string{tags["news"]}},
		&discordgo.MessageSend{Content: "body"})
	if err != nil {
		t.Fatal(err)
	}
	starter, ok := srv.Message(post.ID)
	if !ok || starter.ChannelID != post.ID || starter.Content != "body" {
		t.Errorf("got starter %+v, want a message with the thread's id in the thread", starter)
	}
}

func TestNonceEnforced(t *testing.T) {
	srv := New(Config{NoRateLimits: true})
	defer srv.Close()
	s := session(t, srv)
	text := srv.AddTextChannel("news")
	send := func(nonce string) string {
		b, err := s.RequestWithBucketID("POST", discordgo.EndpointChannelMessages(text),
			map[string]any{"content": "x", "nonce": nonce, "enforce_nonce": true}, "m")
		if err != nil {
			t.Fatal(err)
		}
		var m discordgo.Message
		if err := discordgo.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	a, b, c := send("k1"), send("k1"), send("k2")
	if a != b || a == c {
		t.Errorf("got ids %s %s %s, want the first two equal and the third new", a, b, c)
	}
	if n := len(srv.Messages(text)); n != 2 {
		t.Errorf("got %d messages, want 2", n)
	}
}

func TestRateLimitHeadersAnd429(t *testing.T) {
	srv := New(Config{GlobalLimit: -1, MessageLimit: Limit{2, time.Minute}})
	defer srv.Close()
	text := srv.AddTextChannel("news")
	c := srv.Client()
	post := func() *http.Response {
		req, _ := http.NewRequest("POST", discordgo.EndpointChannelMessages(text), strings.NewReader(`{"content":"x"}`))
		req.Header.Set("Authorization", "Bot "+srv.Token())
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for i, want := range []string{"1", "0"} {
		resp := post()
		if resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Remaining") != want ||
			resp.Header.Get("X-RateLimit-Limit") != "2" || resp.Header.Get("X-RateLimit-Bucket") == "" {
			t.Fatalf("request %d: got %d remaining %q, want 200 remaining %s", i, resp.StatusCode,
				resp.Header.Get("X-RateLimit-Remaining"), want)
		}
	}
	resp := post()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || resp.Header.Get("X-RateLimit-Scope") != "user" {
		t.Errorf("got %d %v, want 429 with Retry-After and scope user", resp.StatusCode, resp.Header)
	}
	if got := srv.Stats().Status[429]; got != 1 {
		t.Errorf("got %d 429s counted, want 1", got)
	}
}

func TestGatewayResumeReplays(t *testing.T) {
	srv := New(Config{NoRateLimits: true})
	defer srv.Close()
	text := srv.AddTextChannel("news")
	member := srv.AddMember("Ada")
	s := session(t, srv)
	s.SyncEvents = true
	var mu sync.Mutex
	var got []string
	s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) {
		mu.Lock()
		got = append(got, m.Content)
		mu.Unlock()
	})
	if err := s.Open(); err != nil {
		t.Fatalf("open: %v", err)
	}
	defer s.Close()
	var want []string
	for i := 0; i < 20; i++ {
		if i == 10 {
			srv.DropGateway()
		}
		c := "m" + string(rune('a'+i))
		want = append(want, c)
		if _, err := srv.Say(text, member, c, ""); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got %v, want %v", got, want)
	}
	// One drop, so one resume; a loaded machine can miss a heartbeat and
	// drop once more, which must resume again, never identify anew.
	if srv.Resumes() < 1 || len(srv.Identifies()) != 1 {
		t.Errorf("got %d resumes and %d identifies, want at least 1 and exactly 1", srv.Resumes(), len(srv.Identifies()))
	}
}

func TestInteractionAnswers(t *testing.T) {
	srv := New(Config{NoRateLimits: true})
	defer srv.Close()
	s := session(t, srv)
	ch := srv.AddTextChannel("cmd")
	in := srv.Interact(ch, srv.Owner(), discordgo.ApplicationCommandInteractionData{Name: "status"})
	i := &discordgo.Interaction{ID: in.ID, Token: in.Token, AppID: srv.ApplicationID()}
	_, err := s.FollowupMessageCreate(i, true, &discordgo.WebhookParams{Content: "too early"})
	if _, code := restCode(err); code != 10015 {
		t.Errorf("follow-up before the answer: got %v, want 10015", err)
	}
	deferred := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
	if err := s.InteractionRespond(i, deferred); err != nil {
		t.Fatalf("first answer: %v", err)
	}
	if _, code := restCode(s.InteractionRespond(i, deferred)); code != 40060 {
		t.Errorf("second answer: got code %d, want 40060 already acknowledged", code)
	}
	if _, err := s.FollowupMessageCreate(i, true, &discordgo.WebhookParams{Content: "done", Flags: discordgo.MessageFlagsEphemeral}); err != nil {
		t.Fatalf("follow-up: %v", err)
	}
	content := "edited"
	if _, err := s.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &content}); err != nil {
		t.Fatalf("edit original: %v", err)
	}
	got := srv.Replies(in)
	want := []string{"callback", "followup", "edit_original"}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want kinds %v", got, want)
	}
	for k, w := range want {
		if got[k].Kind != w {
			t.Errorf("reply %d: got %s, want %s", k, got[k].Kind, w)
		}
	}
	if !got[1].Ephemeral || got[1].Content != "done" || got[2].Content != "edited" {
		t.Errorf("got %+v, want an ephemeral follow-up \"done\" and the original edited", got)
	}
}

func TestListMessages(t *testing.T) {
	srv := New(Config{NoRateLimits: true})
	defer srv.Close()
	s := session(t, srv)
	ch := srv.AddTextChannel("news")
	var ids []string
	for i := 0; i < 5; i++ {
		m, err := s.ChannelMessageSend(ch, "m")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	tests := []struct {
		name          string
		before, after string
		want          []string
	}{
		{"newest", "", "", []string{ids[4], ids[3]}},
		{"closest after", "", ids[0], []string{ids[2], ids[1]}},
		{"closest before", ids[3], "", []string{ids[2], ids[1]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ChannelMessages(ch, 2, tt.before, tt.after, "")
			if err != nil {
				t.Fatal(err)
			}
			var gotIDs []string
			for _, m := range got {
				gotIDs = append(gotIDs, m.ID)
			}
			if strings.Join(gotIDs, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %v, want %v", gotIDs, tt.want)
			}
		})
	}
}
