package discordmd_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/richtext/discordmd"
	"github.com/heraldchat/herald/richtext/matrixhtml"
	"github.com/heraldchat/herald/richtext/richtexttest"
)

// TestRoundTripKeepsMeaning is the cross-platform property: a comment
// written on Discord, read into the model, mirrored to Matrix as HTML, read
// back from Matrix and mirrored to Discord again means the same at every
// step (richtexttest.Meaning: same content, same formatting spans and link
// targets). The two Discord renderings may differ in nesting order
// (***x*** for bold-italic or italic-bold) but not in meaning.
func TestRoundTripKeepsMeaning(t *testing.T) {
	const n = 2000
	for seed := range uint64(n) {
		g := richtexttest.Gen{R: rand.New(rand.NewPCG(seed, 4))}
		orig := g.Text()
		md1 := discordmd.Render(orig)
		fromDiscord := discordmd.Parse(md1)
		h := matrixhtml.HTML(fromDiscord)
		fromMatrix := matrixhtml.ParseHTML(h)
		md2 := discordmd.Render(fromMatrix)

		steps := []struct {
			name string
			text richtext.Text
		}{
			{"Discord → model", fromDiscord},
			{"Matrix → model", fromMatrix},
			{"model → Discord again", discordmd.Parse(md2)},
		}
		// And the other way: Matrix first, then Discord, then Matrix.
		viaDiscord := discordmd.Parse(discordmd.Render(matrixhtml.ParseHTML(matrixhtml.HTML(orig))))
		steps = append(steps, struct {
			name string
			text richtext.Text
		}{"Matrix → Discord → Matrix", matrixhtml.ParseHTML(matrixhtml.HTML(viaDiscord))})
		for _, s := range steps {
			if diff := richtexttest.SameMeaning(orig, s.text); diff != "" {
				oj, _ := json.Marshal(orig)
				t.Fatalf("seed %d: %s changed the meaning: %s\noriginal %s\nmarkdown %q\nhtml %q\nmarkdown again %q", seed, s.name, diff, oj, md1, h, md2)
			}
		}
	}
}

func FuzzDiscordMarkdown(f *testing.F) {
	for _, s := range []string{
		"**b** *i* __u__ ~~s~~ ||sp|| `c`", "@everyone @here", "<@1> <@&2> <@!3>", "[https://bank.example](https://evil.example)",
		"[x](javascript:alert(1))", "```\ncode```", "> quote\n>>> rest", "# h\n- a\n1. b", "***a***b*", "\\*\\", "مرحبا 👩‍👩‍👧‍👦",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		parsed := discordmd.Parse(in)
		out := discordmd.Render(parsed)
		if m := richtexttest.LiveMassMention(out); m != "" {
			t.Fatalf("live %s in %q (from %q)", m, out, in)
		}
		// What Discord will read back must not hide a link's target and
		// must mean what the model meant.
		back := discordmd.Parse(out)
		checkLinks(t, back.Blocks, out)
		// Rendering may change a text once (a link labelled with another
		// address shows its target instead); after that it is stable.
		out2 := discordmd.Render(back)
		if diff := richtexttest.SameMeaning(back, discordmd.Parse(out2)); diff != "" || out2 != out {
			t.Fatalf("rendering is not stable: %s\ninput %q\nfirst %q\nsecond %q", diff, in, out, out2)
		}
		if got := discordmd.RenderLimit(parsed, 2000); richtext.Runes(got) > 2000 {
			t.Fatalf("RenderLimit(2000) gave %d runes", richtext.Runes(got))
		}
		for _, p := range discordmd.SplitLimit(parsed, 300) {
			if richtext.Runes(p) > 300 {
				t.Fatalf("SplitLimit part of %d runes", richtext.Runes(p))
			}
			if m := richtexttest.LiveMassMention(p); m != "" {
				t.Fatalf("live %s in part %q", m, p)
			}
		}
	})
}

// checkLinks fails on a link whose label looks like an address but is not
// its target: the masked-link trick.
func checkLinks(t *testing.T, nodes []richtext.Node, out string) {
	t.Helper()
	for _, n := range nodes {
		if n.Kind == richtext.Link {
			label := richtext.InlineText(n.Children)
			if label != n.URL && discordmd.URLLike(label) {
				t.Fatalf("link to %q labelled %q in %q", n.URL, label, out)
			}
			if !richtext.SafeURL(n.URL) {
				t.Fatalf("unsafe link %q in %q", n.URL, out)
			}
		}
		checkLinks(t, n.Children, out)
	}
}
