package discordmd

import (
	"strings"
	"testing"

	"github.com/heraldchat/herald/richtext"
)

// Hostile inputs that could make a backtracking emphasis parser slow.
var pathological = map[string]string{
	"stars":      strings.Repeat("*", 2000),
	"star-words": strings.Repeat("*a", 1000),
	"bold-open":  strings.Repeat("**a", 700),
	"strike":     strings.Repeat("~~a", 700),
	"brackets":   strings.Repeat("[a", 1000),
	"quotes":     strings.Repeat("> ", 1000),
}

func BenchmarkParsePathological(b *testing.B) {
	for name, s := range pathological {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				Parse(s)
			}
		})
	}
}

func BenchmarkRenderSplit(b *testing.B) {
	t := richtext.FromPlain(strings.Repeat("مرحبا بالعالم 👩‍👩‍👧‍👦 *x* hello world ", 400))
	for b.Loop() {
		SplitLimit(t, 2000)
	}
}
