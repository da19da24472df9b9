package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/bot/commandtest"
)

var home = bot.Place{Platform: bot.Discord, Channel: "1081234567890123456"}

func admin() bot.Request {
	return bot.Request{Place: home, User: bot.Author{Platform: bot.Discord, ID: "42", Name: "Ada"}, Admin: true, ID: "i1"}
}

// TestMalformedText runs every malformed invocation as a typed line and as
// a slash command's structured invocation.
func TestMalformedText(t *testing.T) {
	rig := commandtest.New(t, home)
	before := len(rig.Feeds(t))
	for _, c := range commandtest.Malformed {
		c := c.Expand(rig.Base, home)
		t.Run(c.Name, func(t *testing.T) {
			got := rig.Tree.RunText(context.Background(), admin(), c.Line)
			if got.String() != c.Want || !got.Failed || !got.Ephemeral {
				t.Errorf("%s\n got %q (failed %t, ephemeral %t)\nwant %q, failed and ephemeral", c.Line, got.String(), got.Failed, got.Ephemeral, c.Want)
			}
			if c.Path == nil {
				return
			}
			got = rig.Tree.Run(context.Background(), admin(), c.Invocation())
			if got.String() != c.Want {
				t.Errorf("as a slash command %v %v\n got %q\nwant %q", c.Path, c.Options, got.String(), c.Want)
			}
		})
	}
	if n := len(rig.Feeds(t)); n != before {
		t.Errorf("malformed commands changed the feeds: %d, want %d", n, before)
	}
	if len(commandtest.Malformed) < 20 {
		t.Errorf("%d malformed cases, want at least 20", len(commandtest.Malformed))
	}
}

func TestParseQuotesAndOptions(t *testing.T) {
	tree := bot.NewCommands(bot.CommandOptions{})
	for _, tc := range []struct {
		line string
		want bot.Invocation
	}{
		{`feed add https://x.example/f.xml "*/5 * * * *" discord:1`, bot.Invocation{Path: []string{"feed", "add"},
			Positional: []string{"https://x.example/f.xml", "*/5 * * * *", "discord:1"}}},
		{`feed add https://x.example/f?a=b --schedule=@hourly name='My feed'`, bot.Invocation{Path: []string{"feed", "add"},
			Positional: []string{"https://x.example/f?a=b"}, Named: map[string]string{"schedule": "@hourly", "name": "My feed"}}},
		{`FEED Pause “Tech News” too many failures`, bot.Invocation{Path: []string{"feed", "pause"},
			Positional: []string{"Tech News", "too", "many", "failures"}}},
		{`feed add "a \"quoted\" \\ word"`, bot.Invocation{Path: []string{"feed", "add"}, Positional: []string{`a "quoted" \ word`}}},
		{``, bot.Invocation{Path: []string{"help"}}},
	} {
		got, err := tree.Parse(tc.line)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.line, err)
			continue
		}
		if strings.Join(got.Path, " ") != strings.Join(tc.want.Path, " ") ||
			strings.Join(got.Positional, "|") != strings.Join(tc.want.Positional, "|") || len(got.Named) != len(tc.want.Named) {
			t.Errorf("Parse(%q) = %+v, want %+v", tc.line, got, tc.want)
		}
		for k, v := range tc.want.Named {
			if got.Named[k] != v {
				t.Errorf("Parse(%q) option %s = %q, want %q", tc.line, k, got.Named[k], v)
			}
		}
	}
}
