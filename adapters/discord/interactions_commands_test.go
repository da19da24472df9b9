package discord

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/bot/commandtest"
	"github.com/heraldchat/herald/richtext/discordmd"
)

// slashRig is a fake Discord, the adapter serving the command tree, and the
// tree's store and feed server.
type slashRig struct {
	srv   *discordtest.Server
	rig   *commandtest.Rig
	news  string
	admin string // the configured admin role
}

func newSlashRig(t *testing.T) *slashRig {
	t.Helper()
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	news := srv.AddTextChannel("news")
	rig := commandtest.New(t, place(news))
	role := srv.AddRole("herald admins", 0)
	a := newAdapter(t, srv, rig.DB)
	a.ServeCommands(rig.Tree, func() []string { return []string{role} })
	if err := a.RegisterTree(context.Background(), rig.Tree); err != nil {
		t.Fatal(err)
	}
	run(t, srv, a, &inbox{})
	return &slashRig{srv: srv, rig: rig, news: news, admin: role}
}

// slashData builds the interaction data of /herald <path…> with options.
func slashData(path []string, opts map[string]string) discordgo.ApplicationCommandInteractionData {
	var leaf []*discordgo.ApplicationCommandInteractionDataOption
	for k, v := range opts {
		leaf = append(leaf, &discordgo.ApplicationCommandInteractionDataOption{Name: k,
			Type: discordgo.ApplicationCommandOptionString, Value: v})
	}
	for i := len(path) - 1; i >= 0; i-- {
		typ := discordgo.ApplicationCommandOptionSubCommand
		if i < len(path)-1 {
			typ = discordgo.ApplicationCommandOptionSubCommandGroup
		}
		leaf = []*discordgo.ApplicationCommandInteractionDataOption{{Name: path[i], Type: typ, Options: leaf}}
	}
	return discordgo.ApplicationCommandInteractionData{Name: RootCommand, Options: leaf}
}

// answer is the bot's final answer to an interaction.
type answer struct {
	text      string // the content, read back as plain text
	ephemeral bool
	deferred  bool
}

// ask runs a slash command and waits for its answer: the reply, or the
// edit of a deferred reply.
func (r *slashRig) ask(t *testing.T, user *discordgo.User, path []string, opts map[string]string) answer {
	t.Helper()
	in := r.srv.Interact(r.news, user, slashData(path, opts))
	deadline := time.Now().Add(20 * time.Second)
	for {
		rs := r.srv.Replies(in)
		if n := len(rs); n > 0 {
			first, last := rs[0], rs[n-1]
			if first.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource {
				return answer{text: discordmd.Parse(first.Content).PlainText(), ephemeral: first.Ephemeral}
			}
			if n > 1 && last.Kind == "edit_original" {
				return answer{text: discordmd.Parse(last.Content).PlainText(), ephemeral: first.Ephemeral, deferred: true}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/herald %v %v: no answer; replies so far %+v", path, opts, rs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSlashCommandRegistration(t *testing.T) {
	r := newSlashRig(t)
	cmds := r.srv.Commands(r.srv.GuildID())
	if len(cmds) != 1 || cmds[0].Name != RootCommand {
		t.Fatalf("registered %+v, want the one /herald command in the guild", cmds)
	}
	var feedGroup *discordgo.ApplicationCommandOption
	for _, o := range cmds[0].Options {
		if o.Name == "feed" {
			feedGroup = o
		}
	}
	if feedGroup == nil || feedGroup.Type != discordgo.ApplicationCommandOptionSubCommandGroup {
		t.Fatalf("no feed subcommand group in %+v", cmds[0].Options)
	}
	var remove *discordgo.ApplicationCommandOption
	for _, o := range feedGroup.Options {
		if o.Name == "remove" {
			remove = o
		}
	}
	if remove == nil || len(remove.Options) != 1 || !remove.Options[0].Autocomplete || !remove.Options[0].Required {
		t.Errorf("feed remove is %+v, want one required option with autocomplete", remove)
	}
}

// TestSlashCommandsMalformed sends every malformed case that can be typed as
// a slash command and checks the exact, ephemeral answer.
func TestSlashCommandsMalformed(t *testing.T) {
	r := newSlashRig(t)
	owner := r.srv.Owner()
	n := 0
	for _, c := range commandtest.Malformed {
		if c.Path == nil {
			continue
		}
		n++
		c := c.Expand(r.rig.Base, place(r.news))
		t.Run(c.Name, func(t *testing.T) {
			got := r.ask(t, owner, c.Path, c.Options)
			if got.text != c.Want || !got.ephemeral {
				t.Errorf("/herald %v %v\n got %q (ephemeral %t)\nwant %q, ephemeral", c.Path, c.Options, got.text, got.ephemeral, c.Want)
			}
		})
	}
	if n < 20 {
		t.Errorf("%d malformed slash commands, want at least 20", n)
	}
	if got := len(r.rig.Feeds(t)); got != 1 {
		t.Errorf("after malformed commands there are %d feeds, want the 1 from the config", got)
	}
}

func TestSlashCommandsAdmin(t *testing.T) {
	r := newSlashRig(t)
	owner := r.srv.Owner()
	base := r.rig.Base
	steps := []struct {
		path      []string
		opts      map[string]string
		want      string // the answer contains it
		ephemeral bool
		deferred  bool
	}{
		{[]string{"feed", "add"}, map[string]string{"url": base + "/feed.xml", "schedule": "@every 30m"},
			`Added feed "Loopback News" (#2), checked on @every 30m, posting to discord:` + r.news, true, true},
		{[]string{"feed", "list"}, nil, `"Loopback News" (#2) ` + base + "/feed.xml", true, false},
		{[]string{"feed", "pause"}, map[string]string{"feed": "loopback news", "reason": "too chatty"},
			`Paused feed "Loopback News" (#2) (paused by`, false, false},
		{[]string{"status"}, nil, `"Loopback News" (#2): paused by`, true, false},
		{[]string{"feed", "resume"}, map[string]string{"feed": "2"}, `Resumed feed "Loopback News" (#2)`, false, false},
		{[]string{"feed", "test"}, map[string]string{"url": base + "/other.xml"}, "Other News: 1 items. The next post would be:\n\nOther story", true, true},
		{[]string{"post"}, map[string]string{"url": strings.Replace(base, "http://", "http://", 1) + "/c/late"},
			`Posting "Late story" now to discord:` + r.news, true, true},
		{[]string{"link"}, map[string]string{"place": "matrix:!room:example.org"}, "Linked discord:" + r.news + " with matrix:!room:example.org", false, false},
		{[]string{"unlink"}, nil, "Unlinked discord:" + r.news, false, false},
		{[]string{"feed", "remove"}, map[string]string{"feed": base + "/feed.xml"}, `Removed feed "Loopback News" (#2)`, false, false},
		{[]string{"help"}, map[string]string{"command": "feed add"}, "feed add <url> [schedule] [place] [name]", true, false},
		{[]string{"help"}, nil, "post <url> — Post an article now to its feed's places", true, false},
	}
	for _, s := range steps {
		got := r.ask(t, owner, s.path, s.opts)
		if !strings.Contains(got.text, s.want) || got.ephemeral != s.ephemeral || got.deferred != s.deferred {
			t.Errorf("/herald %v %v\n got %q (ephemeral %t, deferred %t)\nwant it to contain %q (ephemeral %t, deferred %t)",
				s.path, s.opts, got.text, got.ephemeral, got.deferred, s.want, s.ephemeral, s.deferred)
		}
	}
	// post queued the article for the config feed's route.
	rows, err := r.rig.DB.OutboxRows(context.Background(), bot.OutboxPending, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Kind != bot.PostArticle || rows[0].Target != place(r.news) {
		t.Errorf("pending outbox rows %+v, want one post_article to discord:%s", rows, r.news)
	}
	if feeds := r.rig.Feeds(t); len(feeds) != 1 || feeds[0].Name != commandtest.ConfigFeedName {
		t.Errorf("feeds after remove: %+v, want only the config feed", feeds)
	}
}

func TestSlashCommandAutocomplete(t *testing.T) {
	r := newSlashRig(t)
	data := slashData([]string{"feed", "pause"}, map[string]string{"feed": "conf"})
	data.Options[0].Options[0].Options[0].Focused = true
	in := r.srv.Autocomplete(r.news, r.srv.Owner(), data)
	deadline := time.Now().Add(20 * time.Second)
	for len(r.srv.Replies(in)) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	rs := r.srv.Replies(in)
	if len(rs) != 1 || rs[0].Type != discordgo.InteractionApplicationCommandAutocompleteResult {
		t.Fatalf("replies %+v, want one autocomplete result", rs)
	}
	if len(rs[0].Choices) != 1 || rs[0].Choices[0].Name != "#1 Config News" || rs[0].Choices[0].Value != "1" {
		t.Errorf("choices %+v, want #1 Config News = 1", rs[0].Choices)
	}
}

// TestSlashCommandsPermissions: members without Manage Server or an admin
// role get a polite refusal and change nothing; the role and the
// permission both make an admin; help is open to all.
func TestSlashCommandsPermissions(t *testing.T) {
	r := newSlashRig(t)
	base := r.rig.Base
	member := r.srv.AddMember("Mallory")
	const refusal = "Admins have the Manage Server permission or one of the admin roles in Herald's config."
	for _, c := range []struct {
		path []string
		opts map[string]string
	}{
		{[]string{"feed", "add"}, map[string]string{"url": base + "/feed.xml"}},
		{[]string{"feed", "remove"}, map[string]string{"feed": "1"}},
		{[]string{"feed", "list"}, nil},
		{[]string{"feed", "pause"}, map[string]string{"feed": "1"}},
		{[]string{"feed", "resume"}, map[string]string{"feed": "1"}},
		{[]string{"feed", "test"}, map[string]string{"url": base + "/feed.xml"}},
		{[]string{"post"}, map[string]string{"url": base + "/c/late"}},
		{[]string{"link"}, map[string]string{"place": "matrix:!room:example.org"}},
		{[]string{"unlink"}, nil},
		{[]string{"status"}, nil},
	} {
		got := r.ask(t, member, c.path, c.opts)
		want := `Sorry, "` + strings.Join(c.path, " ") + `" is for Herald's admins only, and nothing was changed. ` + refusal
		if got.text != want || !got.ephemeral || got.deferred {
			t.Errorf("non-admin /herald %v\n got %q (ephemeral %t, deferred %t)\nwant %q, ephemeral, not deferred",
				c.path, got.text, got.ephemeral, got.deferred, want)
		}
	}
	if got := r.rig.Feeds(t); len(got) != 1 || got[0].Paused {
		t.Errorf("refused commands changed the feeds: %+v", got)
	}
	if rows, _ := r.rig.DB.OutboxRows(context.Background(), bot.OutboxPending, 0); len(rows) != 0 {
		t.Errorf("a refused post queued %d rows", len(rows))
	}
	if got := r.ask(t, member, []string{"help"}, nil); !strings.Contains(got.text, "feed add <url>") {
		t.Errorf("help for a member: %q, want the command list", got.text)
	}

	withRole := r.srv.AddMember("Rolf")
	r.srv.GiveRole(withRole.ID, r.admin)
	manager := r.srv.AddMember("Mona")
	r.srv.GiveRole(manager.ID, r.srv.AddRole("managers", discordgo.PermissionManageGuild))
	for _, u := range []*discordgo.User{withRole, manager} {
		if got := r.ask(t, u, []string{"feed", "list"}, nil); !strings.HasPrefix(got.text, "1 feeds:") {
			t.Errorf("feed list by %s: %q, want the list", u.Username, got.text)
		}
	}
}

// TestSlashCommandInThread: a command given in a thread acts on the
// thread's channel (feed add posts there, not into the thread).
func TestSlashCommandInThread(t *testing.T) {
	r := newSlashRig(t)
	msg, err := r.srv.Say(r.news, r.srv.Owner(), "an article", "")
	if err != nil {
		t.Fatal(err)
	}
	thread, err := r.srv.StartThread(r.news, msg.ID, "discussion")
	if err != nil {
		t.Fatal(err)
	}
	in := r.srv.Interact(thread, r.srv.Owner(), slashData([]string{"feed", "add"}, map[string]string{"url": r.rig.Base + "/feed.xml"}))
	deadline := time.Now().Add(20 * time.Second)
	for len(r.srv.Replies(in)) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	rs := r.srv.Replies(in)
	if len(rs) != 2 || !strings.Contains(rs[1].Content, "posting to discord:"+r.news) {
		t.Fatalf("replies %+v, want the feed to post to the thread's channel %s", rs, r.news)
	}
}

func TestSlashCommandsRegisterGlobally(t *testing.T) {
	srv := newServer(t, discordtest.Config{NoRateLimits: true})
	rig := commandtest.New(t, place(srv.AddTextChannel("news")))
	a := newAdapter(t, srv, rig.DB, func(o *Options) { o.GuildID = "" })
	if err := a.RegisterTree(context.Background(), rig.Tree); err != nil {
		t.Fatal(err)
	}
	if got := srv.Commands(""); len(got) != 1 || got[0].Name != RootCommand {
		t.Errorf("global commands %+v, want /herald", got)
	}
	if got := srv.Commands(srv.GuildID()); len(got) != 0 {
		t.Errorf("guild commands %+v, want none when no guild is configured", got)
	}
}

// TestSlashCommandLongAnswer: an answer over Discord's 2,000 characters
// goes out as the reply and ephemeral follow-ups, none over the limit.
func TestSlashCommandLongAnswer(t *testing.T) {
	r := newSlashRig(t)
	for i := range 40 {
		_, err := r.rig.DB.AddFeed(context.Background(), bot.FeedSpec{URL: fmt.Sprintf("https://long.example/feeds/%02d.xml", i),
			Name: fmt.Sprintf("A rather long feed name number %02d", i)}, bot.FromCommand)
		if err != nil {
			t.Fatal(err)
		}
	}
	in := r.srv.Interact(r.news, r.srv.Owner(), slashData([]string{"feed", "list"}, nil))
	deadline := time.Now().Add(20 * time.Second)
	var all strings.Builder
	for {
		rs := r.srv.Replies(in)
		all.Reset()
		for _, rp := range rs {
			all.WriteString(discordmd.Parse(rp.Content).PlainText() + "\n")
		}
		if strings.Contains(all.String(), "number 39") {
			if len(rs) < 2 || rs[0].Kind != "callback" || rs[1].Kind != "followup" {
				t.Errorf("replies %+v, want a callback then follow-ups", rs)
			}
			for _, rp := range rs {
				if n := len([]rune(rp.Content)); n > 2000 || !rp.Ephemeral {
					t.Errorf("a part of %d characters (ephemeral %t), want at most 2000, ephemeral", n, rp.Ephemeral)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the last feed never showed up; got:\n%s", all.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !strings.Contains(all.String(), "41 feeds:") {
		t.Errorf("answer does not start with the count:\n%s", all.String())
	}
}
