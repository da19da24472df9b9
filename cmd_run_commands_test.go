package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
	"github.com/heraldchat/herald/richtext/discordmd"
)

// TestRunServesSlashCommands runs the built binary against the fake
// Discord: it registers /herald in the configured guild and answers it,
// with the admin role from the config file, and a SIGHUP that drops the
// role takes the member's rights away without a restart.
func TestRunServesSlashCommands(t *testing.T) {
	fake := discordtest.New(discordtest.Config{NoRateLimits: true})
	t.Cleanup(fake.Close)
	channel := fake.AddTextChannel("news")
	role := fake.AddRole("herald admins", 0)
	member := fake.AddMember("Rolf")
	fake.GiveRole(member.ID, role)
	dir := t.TempDir()
	feed := localFeed(t, dir, "alpha")
	cfgPath := filepath.Join(dir, "herald.yaml")
	config := func(roles string) string {
		return fmt.Sprintf(`discord:
  token: %q
  application_id: %q
  api_base: %q
  guild_id: %q
  admin_roles: [%s]
feeds:
  - url: %s
    name: Alpha
    schedule: "@hourly"
    routes:
      - to: discord:%s
`, fake.Token(), fake.ApplicationID(), fake.URL(), fake.GuildID(), roles, feed, channel)
	}
	writeFile(t, cfgPath, config(fmt.Sprintf("%q", role)))
	d := startDaemon(t, dir, "-config", cfgPath, "-data", filepath.Join(dir, "data"))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("herald log:\n%s", d.log())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for len(fake.Commands(fake.GuildID())) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("/herald was not registered in the guild within 60 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	ask := func(user *discordgo.User, sub string) string {
		t.Helper()
		in := fake.Interact(channel, user, discordgo.ApplicationCommandInteractionData{Name: "herald",
			Options: []*discordgo.ApplicationCommandInteractionDataOption{{Name: "feed", Type: discordgo.ApplicationCommandOptionSubCommandGroup,
				Options: []*discordgo.ApplicationCommandInteractionDataOption{{Name: sub, Type: discordgo.ApplicationCommandOptionSubCommand}}}}})
		deadline := time.Now().Add(30 * time.Second)
		for len(fake.Replies(in)) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("no answer to /herald feed %s within 30 s", sub)
			}
			time.Sleep(10 * time.Millisecond)
		}
		return discordmd.Parse(fake.Replies(in)[0].Content).PlainText()
	}
	// The gateway may still be connecting: interactions sent before it is
	// ready are lost, as on Discord, so ask until the first answer.
	deadline = time.Now().Add(60 * time.Second)
	for fake.Connected() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("herald did not connect to the gateway within 60 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := ask(member, "list"); !strings.Contains(got, `"Alpha" (#1) `+feed) {
		t.Errorf("feed list by a member with the configured admin role: %q", got)
	}
	writeFile(t, cfgPath, config(""))
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(30 * time.Second)
	for !strings.Contains(d.log(), `"msg":"config reloaded"`) {
		if time.Now().After(deadline) {
			t.Fatal("no config reload logged within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := ask(member, "list"); !strings.HasPrefix(got, `Sorry, "feed list" is for Herald's admins only`) {
		t.Errorf("feed list after the role was dropped from the config: %q, want a refusal", got)
	}
}
