package reliability

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
	"github.com/heraldchat/herald/internal/dendritetest"
)

// homeserver is one Dendrite for the tests that do not restart it.
var homeserver = dendritetest.NewShared(dendritetest.Config{})

func TestMain(m *testing.M) { os.Exit(homeserver.Run(m)) }

// platforms are the fake Discord with one news channel and a Dendrite room,
// with a Discord member and a Matrix user who write comments, and readers
// that count what each platform holds.
type platforms struct {
	t       testing.TB
	Discord *discordtest.Server
	Channel string
	HS      *dendritetest.Server
	Bot     dendritetest.User
	Room    id.RoomID
	Member  *discordgo.User // writes on Discord
	Writer  *mautrix.Client // writes and reads on Matrix
	Owner   *mautrix.Client // created the room: power 100, a Herald admin there
	newUser func(prefix string) dendritetest.User
	apiBase string // where herald finds Discord's REST API; the fake's own URL when empty
	feeds   string // more feeds: YAML list items for the feeds section
	fetch   string // more keys of the fetch section, indented

	mu    sync.Mutex
	roots map[string]roots // article token → its threads
}

type roots struct {
	Discord string     // thread channel id
	Matrix  id.EventID // thread root
}

// newPlatforms sets up both platforms on hs (the shared Dendrite when nil)
// and the fake Discord with cfg.
func newPlatforms(t testing.TB, hs *dendritetest.Server, cfg discordtest.Config) *platforms {
	t.Helper()
	p := &platforms{t: t, roots: map[string]roots{}}
	if hs == nil {
		p.HS = homeserver.Server(t)
		p.newUser = func(prefix string) dendritetest.User { return homeserver.NewUser(t, prefix) }
	} else {
		p.HS = hs
		n := 0
		p.newUser = func(prefix string) dendritetest.User { n++; return hs.User(t, fmt.Sprintf("%s%d", prefix, n)) }
	}
	p.Discord = discordtest.New(cfg)
	t.Cleanup(p.Discord.Close)
	p.Channel = p.Discord.AddTextChannel("news")
	p.Member = p.Discord.AddMember("Dana Discord")

	p.Bot = p.newUser("herald")
	owner := p.client(p.newUser("owner"))
	p.Owner = owner
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	resp, err := owner.CreateRoom(ctx, &mautrix.ReqCreateRoom{
		Preset: "public_chat", Name: "news",
		PowerLevelOverride: &event.PowerLevelsEventContent{Users: map[id.UserID]int{
			owner.UserID: 100, id.UserID(p.Bot.ID): 100,
		}},
	})
	if err != nil {
		t.Fatalf("create the Matrix room: %v", err)
	}
	p.Room = resp.RoomID
	p.Writer = p.client(p.newUser("mara"))
	if err := p.Writer.SetDisplayName(ctx, "Mara Matrix"); err != nil {
		t.Fatalf("display name: %v", err)
	}
	if _, err := p.Writer.JoinRoomByID(ctx, p.Room); err != nil {
		t.Fatalf("join the room: %v", err)
	}
	return p
}

func (p *platforms) client(u dendritetest.User) *mautrix.Client {
	p.t.Helper()
	cli, err := mautrix.NewClient(p.HS.URL, id.UserID(u.ID), u.AccessToken)
	if err != nil {
		p.t.Fatalf("Matrix client for %s: %v", u.ID, err)
	}
	cli.DeviceID = id.DeviceID(u.DeviceID)
	return cli
}

// config is a herald.yaml that routes feedURL to the channel and the room,
// polls it every second and turns the default moderation limits off (this
// suite counts deliveries, not rules). Secrets come from the environment.
func (p *platforms) config(feedURL, extra string) string {
	return fmt.Sprintf(`feeds:
  - url: %s
    name: Reliability news
    schedule: "@every 1s"
    min_interval: 1s
    first_post: 50
    routes:
      - to: discord:%s
      - to: "matrix:%s"
%sdefaults:
  min_interval: 1s
fetch:
  jitter: 0s
  allow: [127.0.0.1/32]
%sdiscord:
  token: ${DISCORD_TOKEN}
  application_id: "%s"
  guild_id: "%s"
  api_base: %s
matrix:
  homeserver: %s
  user_id: "%s"
  access_token: ${MATRIX_TOKEN}
moderation:
  rate_limit: {count: 0}
  duplicate_window: 0s
  max_length: 0
  new_author_link_limit: -1
%s`, feedURL, p.Channel, p.Room, p.feeds, p.fetch, p.Discord.ApplicationID(), p.Discord.GuildID(), cmp.Or(p.apiBase, p.Discord.URL()),
		p.HS.URL, p.Bot.ID, extra)
}

// env is the environment that holds the platforms' tokens.
func (p *platforms) env() []string {
	return []string{"DISCORD_TOKEN=" + p.Discord.Token(), "MATRIX_TOKEN=" + p.Bot.AccessToken}
}

// discordText is everything a person reads in a message.
func discordText(m discordtest.Sent) string {
	var b strings.Builder
	b.WriteString(m.Content)
	for _, e := range m.Embeds {
		b.WriteString("\n" + e.Title + "\n" + e.Description + "\n" + e.URL)
	}
	return b.String()
}

// matrixMessages are the room's live m.room.message events, oldest first.
func (p *platforms) matrixMessages() ([]*event.Event, error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	var out []*event.Event
	from := ""
	for {
		resp, err := p.Writer.Messages(ctx, p.Room, from, "", mautrix.DirectionBackward, nil, 500)
		if err != nil {
			return nil, fmt.Errorf("read the Matrix room: %w", err)
		}
		for _, ev := range resp.Chunk {
			if ev.Type != event.EventMessage || ev.Unsigned.RedactedBecause != nil {
				continue
			}
			_ = ev.Content.ParseRaw(ev.Type)
			if len(ev.Content.Raw) == 0 {
				continue
			}
			out = append(out, ev)
		}
		if len(resp.Chunk) == 0 || resp.End == "" || resp.End == from {
			slices.Reverse(out)
			return out, nil
		}
		from = resp.End
	}
}

// threadOf is the thread root an event is in, or "".
func threadOf(ev *event.Event) id.EventID {
	rel, _ := ev.Content.Raw["m.relates_to"].(map[string]any)
	if rel["rel_type"] != "m.thread" {
		return ""
	}
	s, _ := rel["event_id"].(string)
	return id.EventID(s)
}

func bodyOf(ev *event.Event) string {
	s, _ := ev.Content.Raw["body"].(string)
	return s
}

// discover finds the threads of the articles whose posts are out, on each
// platform, and returns the article tokens with a thread on platform
// ("discord" or "matrix").
func (p *platforms) discover(tokens []string) {
	for _, m := range p.Discord.Messages(p.Channel) {
		if m.Deleted {
			continue
		}
		if _, ok := p.Discord.Channel(m.ID); !ok {
			continue // no thread (yet)
		}
		text := discordText(m)
		for _, tok := range tokens {
			if strings.Contains(text, tok) {
				p.setRoot(tok, func(r *roots) { r.Discord = m.ID })
			}
		}
	}
	evs, err := p.matrixMessages()
	if err != nil {
		p.t.Logf("discover: %v", err)
		return
	}
	for _, ev := range evs {
		if string(ev.Sender) != p.Bot.ID || threadOf(ev) != "" {
			continue
		}
		for _, tok := range tokens {
			if strings.Contains(bodyOf(ev), tok) {
				p.setRoot(tok, func(r *roots) { r.Matrix = ev.ID })
			}
		}
	}
}

func (p *platforms) setRoot(tok string, f func(*roots)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.roots[tok]
	f(&r)
	p.roots[tok] = r
}

func (p *platforms) root(tok string) roots {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.roots[tok]
}

// SayDiscord writes text in the article's Discord thread as the member.
func (p *platforms) SayDiscord(thread, text string) error {
	_, err := p.Discord.Say(thread, p.Member, text, "")
	return err
}

// SayMatrix writes text in the article's Matrix thread as the writer.
func (p *platforms) SayMatrix(root id.EventID, text string) error {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	content := &event.MessageEventContent{MsgType: event.MsgText, Body: text,
		RelatesTo: (&event.RelatesTo{}).SetThread(root, root)}
	_, err := p.Writer.SendMessageEvent(ctx, p.Room, event.EventMessage, content)
	return err
}

// census is what each platform holds: for every token, how many live
// messages carry it and in which thread.
type census struct {
	discord map[string][]string     // token → channel ids of the messages
	matrix  map[string][]id.EventID // token → thread roots of the events ("" = top level)
	// what tells Matrix copies apart: event id and Herald's transaction id
	matrixWhy map[string][]string
}

// count reads both platforms once and tallies the tokens.
func (p *platforms) count(tokens []string) (census, error) {
	c := census{discord: map[string][]string{}, matrix: map[string][]id.EventID{}, matrixWhy: map[string][]string{}}
	channels := []string{p.Channel}
	for _, th := range p.Discord.Threads(p.Channel) {
		channels = append(channels, th.ID)
	}
	for _, ch := range channels {
		for _, m := range p.Discord.Messages(ch) {
			if m.Deleted {
				continue
			}
			text := discordText(m)
			for _, tok := range tokens {
				if strings.Contains(text, tok) {
					c.discord[tok] = append(c.discord[tok], ch)
				}
			}
		}
	}
	evs, err := p.matrixMessages()
	if err != nil {
		return c, err
	}
	for _, ev := range evs {
		body := bodyOf(ev)
		for _, tok := range tokens {
			if strings.Contains(body, tok) {
				c.matrix[tok] = append(c.matrix[tok], threadOf(ev))
				txn, _ := ev.Content.Raw["org.heraldchat.txn"].(string)
				c.matrixWhy[tok] = append(c.matrixWhy[tok], fmt.Sprintf("%s txn=%q at %d", ev.ID, txn, ev.Timestamp))
			}
		}
	}
	return c, nil
}
