package bot_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/heraldchat/herald/bot"
)

// FuzzCommandParse feeds arbitrary lines to the command parser, as anyone
// in a room may type them: it must never panic, a refusal must say why, and
// what it accepts names a command.
func FuzzCommandParse(f *testing.F) {
	for _, seed := range []string{
		"", "help", "feed list", `feed add https://example.org/rss "*/30 * * * *" discord:1 name="Tech news"`,
		"feed add --name", "feed add --name=", `feed add "unterminated`, `feed add 'x' “curly” \"`,
		"mod delete discord:123", "feed remove name=a name=b", "fed lsit", "\x00\xff", "--=", "=",
	} {
		f.Add(seed)
	}
	tree := bot.NewCommands(bot.CommandOptions{})
	f.Fuzz(func(t *testing.T, line string) {
		inv, err := tree.Parse(line)
		if err != nil {
			if strings.TrimSpace(err.Error()) == "" {
				t.Errorf("Parse(%q): empty error message", line)
			}
			return
		}
		if len(inv.Path) == 0 {
			t.Errorf("Parse(%q): accepted with no command path", line)
		}
		if utf8.ValidString(line) {
			for _, w := range inv.Positional {
				if !utf8.ValidString(w) {
					t.Errorf("Parse(%q): positional %q is not valid UTF-8", line, w)
				}
			}
		}
	})
}
