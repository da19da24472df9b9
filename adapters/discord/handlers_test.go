package discord

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext/discordmd"
)

func TestEventsFromThreads(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	ada := srv.AddMember("Ada Lovelace")
	a := newAdapter(t, srv, nil)
	in := &inbox{}
	run(t, srv, a, in)
	ctx := context.Background()
	ref, err := a.PostArticle(ctx, place(news), article("Headline"), "art")
	if err != nil {
		t.Fatal(err)
	}
	thread := string(ref.Thread)

	// Everything below must be ignored: the bot's own post (above), its
	// webhook's mirror, a message outside any thread.
	if _, err := a.PostComment(ctx, ref, comment(1, "Bob", bot.Matrix, "mirrored"), "m-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Say(news, ada, "not in a thread", ""); err != nil {
		t.Fatal(err)
	}
	// Then a member writes, replies, edits and deletes in the thread.
	first, err := srv.Say(thread, ada, "hello **world**", "")
	if err != nil {
		t.Fatal(err)
	}
	reply, err := srv.Say(thread, ada, "a reply", first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.EditBy(first.ID, "hello again"); err != nil {
		t.Fatal(err)
	}
	if err := srv.DeleteBy(reply.ID); err != nil {
		t.Fatal(err)
	}
	got := in.wait(t, 4)
	want := []struct {
		kind    bot.EventKind
		message string
		replyTo string
		body    string
	}{
		{bot.MessageCreated, first.ID, "", "hello **world**"},
		{bot.MessageCreated, reply.ID, first.ID, "a reply"},
		{bot.MessageEdited, first.ID, "", "hello again"},
		{bot.MessageDeleted, reply.ID, "", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events %+v, want %d (the bot's, its webhook's and non-thread messages ignored)", len(got), got, len(want))
	}
	for i, w := range want {
		ev := got[i]
		if ev.Kind != w.kind || string(ev.Message) != w.message || string(ev.ReplyTo) != w.replyTo {
			t.Errorf("event %d: got %s %s reply to %q, want %s %s reply to %q", i, ev.Kind, ev.Message, ev.ReplyTo, w.kind, w.message, w.replyTo)
		}
		if ev.Place != place(news) || string(ev.Thread) != thread {
			t.Errorf("event %d: got place %v thread %s, want %v thread %s", i, ev.Place, ev.Thread, place(news), thread)
		}
		if w.body != "" && discordmd.Render(ev.Body) != discordmd.Render(discordmd.Parse(w.body)) {
			t.Errorf("event %d: got body %q, want %q", i, discordmd.Render(ev.Body), w.body)
		}
		if w.kind != bot.MessageDeleted && (ev.Author.Name != "Ada Lovelace" || ev.Author.ID != bot.RemoteID(ada.ID) ||
			!strings.HasPrefix(ev.Author.AvatarURL, "https://")) {
			t.Errorf("event %d: got author %+v, want Ada with an avatar", i, ev.Author)
		}
	}
}

func TestGatewayDropInBurstLosesNothing(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	a := newAdapter(t, srv, nil)
	in := &inbox{}
	run(t, srv, a, in)
	ref, err := a.PostArticle(context.Background(), place(news), article("Busy thread"), "art")
	if err != nil {
		t.Fatal(err)
	}
	members := make([]*discordgo.User, 100)
	for i := range members {
		members[i] = srv.AddMember(fmt.Sprintf("Member %d", i))
	}
	var want []string
	for i, m := range members {
		switch i {
		case 30, 70: // drop twice, mid-burst
			waitConnected(t, srv, i/70)
			if n := srv.DropGateway(); n != 1 {
				t.Fatalf("dropped %d connections, want 1", n)
			}
		}
		msg, err := srv.Say(string(ref.Thread), m, "message "+strconv.Itoa(i), "")
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, msg.ID)
	}
	got := in.wait(t, 100)
	var ids []string
	seen := map[bot.RemoteID]bool{}
	for _, ev := range got {
		if seen[ev.Message] {
			t.Errorf("message %s delivered twice", ev.Message)
		}
		seen[ev.Message] = true
		ids = append(ids, string(ev.Message))
	}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Errorf("got %d events in order %v, want %d in order %v", len(ids), ids, len(want), want)
	}
	if srv.Resumes() < 1 || len(srv.Identifies()) != 1 {
		t.Errorf("got %d resumes and %d identifies, want resumes and a single identify", srv.Resumes(), len(srv.Identifies()))
	}
}

func TestIdentify(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	member := srv.AddMember("Ada")
	gid, _ := strconv.ParseUint(srv.GuildID(), 10, 64)
	home := int((gid >> 22) % 2)
	inboxes := []*inbox{{}, {}}
	for shard := 0; shard < 2; shard++ {
		a := newAdapter(t, srv, nil, func(o *Options) { o.ShardID, o.ShardCount = shard, 2 })
		run(t, srv, a, inboxes[shard])
	}
	ids := srv.Identifies()
	if len(ids) != 2 {
		t.Fatalf("got %d identifies, want 2", len(ids))
	}
	shards := map[[2]int]bool{}
	for _, id := range ids {
		if id.Intents != Intents {
			t.Errorf("got intents %b, want %b (GUILDS, GUILD_MESSAGES, MESSAGE_CONTENT, GUILD_MESSAGE_REACTIONS)", id.Intents, Intents)
		}
		if id.Shard == nil {
			t.Fatalf("got no shard in IDENTIFY, want [id, 2]")
		}
		shards[*id.Shard] = true
	}
	if !shards[[2]int{0, 2}] || !shards[[2]int{1, 2}] {
		t.Errorf("got shards %v, want [0 2] and [1 2]", shards)
	}
	// Only the shard that holds the guild sees its messages.
	m, _ := srv.Say(news, member, "start", "")
	th, err := srv.StartThread(news, m.ID, "member thread")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Say(th, member, "in a thread", ""); err != nil {
		t.Fatal(err)
	}
	inboxes[home].wait(t, 1)
	if other := inboxes[1-home]; len(other.events) != 0 {
		t.Errorf("shard %d got %d events for a guild on shard %d, want 0", 1-home, len(other.events), home)
	}
}

func TestRunFailsClearlyWithoutMessageContentIntent(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true, DenyMessageContent: true})
	a := newAdapter(t, srv, nil)
	err := a.Run(context.Background(), &inbox{})
	if err == nil || !strings.Contains(err.Error(), "MESSAGE CONTENT") {
		t.Errorf("got %v, want an error telling to enable the message content intent", err)
	}
}

// waitConnected waits until the adapter is connected after resumes resumes.
func waitConnected(t *testing.T, srv *discordtest.Server, resumes int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for srv.Connected() != 1 || srv.Resumes() < resumes {
		if time.Now().After(deadline) {
			t.Fatalf("no gateway connection after %d resumes", resumes)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// flakyInbox fails the first fails calls, then records like inbox.
type flakyInbox struct {
	inbox
	fails int
}

func (f *flakyInbox) Receive(ctx context.Context, ev bot.Event) error {
	f.mu.Lock()
	if f.fails > 0 {
		f.fails--
		f.mu.Unlock()
		return fmt.Errorf("database is locked")
	}
	f.mu.Unlock()
	return f.inbox.Receive(ctx, ev)
}

func TestInboxFailuresAreRetriedInOrder(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	ada := srv.AddMember("Ada")
	a := newAdapter(t, srv, nil)
	in := &flakyInbox{fails: 2}
	run(t, srv, a, in)
	ref, err := a.PostArticle(context.Background(), place(news), article("Headline"), "art")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 0; i < 3; i++ {
		m, err := srv.Say(string(ref.Thread), ada, "m"+strconv.Itoa(i), "")
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, m.ID)
	}
	got := in.wait(t, 3)
	var ids []string
	for _, ev := range got {
		ids = append(ids, string(ev.Message))
	}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Errorf("got %v, want %v: each once, in order, after the inbox recovered", ids, want)
	}
}

func TestUnresumableSessionIdentifiesAgain(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	ada := srv.AddMember("Ada")
	a := newAdapter(t, srv, nil)
	in := &inbox{}
	run(t, srv, a, in)
	ref, err := a.PostArticle(context.Background(), place(news), article("Headline"), "art")
	if err != nil {
		t.Fatal(err)
	}
	srv.ForgetSessions()
	deadline := time.Now().Add(30 * time.Second)
	for len(srv.Identifies()) < 2 || srv.Connected() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("got %d identifies, want a second one after the session was lost", len(srv.Identifies()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	m, err := srv.Say(string(ref.Thread), ada, "after the new session", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := in.wait(t, 1); got[0].Message != bot.RemoteID(m.ID) {
		t.Errorf("got %+v, want the message written after the new session", got[0])
	}
}
