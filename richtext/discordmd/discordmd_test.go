package discordmd

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	rt "github.com/heraldchat/herald/richtext"
)

func TestRenderHostile(t *testing.T) {
	tests := []struct {
		name string
		in   rt.Text
		want string
	}{
		{"everyone and here", rt.FromPlain("ping @everyone and @here and @EVERYONE"),
			"ping @\u200beveryone and @\u200bhere and @\u200bEVERYONE"},
		{"mention forms stay text", rt.FromPlain("<@1> <@!2> <@&3> <#4> <t:5:R>"),
			`\<@1\> \<@!2\> \<@&3\> \<#4\> \<t:5:R\>`},
		{"masked link written as text", rt.FromPlain("[https://bank.example](https://evil.example)"),
			`\[<https://bank.example>\](<https://evil.example>)`},
		{"link with url-like label shows its target", rt.Doc(rt.Para(rt.A("https://evil.example", rt.Str("https://bank.example")))),
			"<https://evil.example>"},
		{"link with domain label shows its target", rt.Doc(rt.Para(rt.A("https://evil.example", rt.Str("bank.com login")))),
			"<https://evil.example>"},
		{"link with plain label is masked", rt.Doc(rt.Para(rt.A("https://news.example/a_(b)", rt.Str("the story")))),
			"[the story](<https://news.example/a%5F%28b%29>)"},
		{"javascript link keeps only its label", rt.Doc(rt.Para(rt.A("javascript:alert(1)", rt.Str("click")))), "click"},
		{"markdown breakout", rt.FromPlain("**not bold** __no__ ~~no~~ ||no|| `no` \\*"),
			`\*\*not bold\*\* \_\_no\_\_ \~\~no\~\~ \|\|no\|\| \` + "`no\\`" + ` \\\*`},
		{"line starts", rt.FromPlain("# h\n> q\n- l\n+ l\n12. n\n-# small"),
			"\\# h\n\\> q\n\\- l\n\\+ l\n12\\. n\n\\-# small"},
		{"bold cannot be closed from inside", rt.Doc(rt.Para(rt.B(rt.Str("a** b")))), `**a\*\* b**`},
		{"strike ending in tilde", rt.Doc(rt.Para(rt.S(rt.Str("a~")))), "~~a\\~\u200b~~"},
		{"code span longer fence", rt.Doc(rt.Para(rt.C("a`b"))), "``a`b``"},
		{"code span never three backticks", rt.Doc(rt.Para(rt.C("a```b"))), "``a`\u200b`\u200b`b``"},
		{"code span edge backtick", rt.Doc(rt.Para(rt.C("`x"))), "`` `x ``"},
		{"code block cannot be closed", rt.Doc(rt.Pre("go", "x\n```\n@everyone")), "```go\nx\n`\u200b``\n@\u200beveryone\n```"},
		{"heading levels", rt.Doc(rt.H(2, rt.Str("Two")), rt.H(5, rt.Str("Five"))), "## Two\n\n**Five**"},
		{"quote", rt.Doc(rt.Q(rt.Para(rt.Str("a")), rt.Para(rt.Str("b")))), "> a\n> \n> b"},
		{"lists", rt.Doc(rt.OL(rt.Li(rt.Para(rt.Str("one"))), rt.Li(rt.Para(rt.Str("two"))))), "1. one\n2. two"},
		{"discord mention kept", rt.Doc(rt.Para(rt.At("80351110224678912", "nelly"))), "<@80351110224678912>"},
		{"foreign mention is text", rt.Doc(rt.Para(rt.At("@bob:example.org", "bob"))), "@bob"},
		{"image as link", rt.Doc(rt.Para(rt.Img("https://i.example/p.png", "A cat"))), "[A cat](<https://i.example/p.png>)"},
		{"adjacent emphasis kept apart", rt.Doc(rt.Para(rt.B(rt.Str("a")), rt.I(rt.Str("b")))), "**a**\u200b*b*"},
		{"arabic", rt.Doc(rt.Para(rt.B(rt.Str("عاجل")), rt.Str(": خبر"))), "**عاجل**: خبر"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Render(tt.in); got != tt.want {
				t.Errorf("Render\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want rt.Text
	}{
		{"**b** *i* _i_ __u__ ~~s~~ ||sp|| `c`", rt.Doc(rt.Para(rt.B(rt.Str("b")), rt.Str(" "), rt.I(rt.Str("i")), rt.Str(" "), rt.I(rt.Str("i")), rt.Str(" "),
			rt.U(rt.Str("u")), rt.Str(" "), rt.S(rt.Str("s")), rt.Str(" "), rt.Sp(rt.Str("sp")), rt.Str(" "), rt.C("c")))},
		{"***both***", rt.Doc(rt.Para(rt.I(rt.B(rt.Str("both")))))},
		{"snake_case_word", rt.Doc(rt.Para(rt.Str("snake_case_word")))},
		{"2 * 3 * 4", rt.Doc(rt.Para(rt.Str("2 * 3 * 4")))},
		{"[label](https://a.example/x) [t](<https://b.example>)", rt.Doc(rt.Para(rt.A("https://a.example/x", rt.Str("label")), rt.Str(" "), rt.A("https://b.example", rt.Str("t"))))},
		{"[js](javascript:alert(1))", rt.Doc(rt.Para(rt.Str("[js](javascript:alert(1))")))},
		{"see https://a.example/x_y.", rt.Doc(rt.Para(rt.Str("see "), rt.A("https://a.example/x_y"), rt.Str(".")))},
		{"hi <@123> <:blob:456>", rt.Doc(rt.Para(rt.Str("hi "), rt.At("123", "123"), rt.Str(" :blob:")))},
		{"> a\n> b\nc", rt.Doc(rt.Q(rt.Para(rt.Str("a"), rt.Br(), rt.Str("b"))), rt.Para(rt.Str("c")))},
		{">>> all\nof it", rt.Doc(rt.Q(rt.Para(rt.Str("all"), rt.Br(), rt.Str("of it"))))},
		{"# H1\n### H3\n#### no", rt.Doc(rt.H(1, rt.Str("H1")), rt.H(3, rt.Str("H3")), rt.Para(rt.Str("#### no")))},
		{"- a\n- b\n  - c\n1. x", rt.Doc(rt.UL(rt.Li(rt.Para(rt.Str("a"))), rt.Li(rt.Para(rt.Str("b")), rt.UL(rt.Li(rt.Para(rt.Str("c")))))), rt.OL(rt.Li(rt.Para(rt.Str("x")))))},
		{"```go\nfmt.Println()\n```\nafter", rt.Doc(rt.Pre("go", "fmt.Println()"), rt.Para(rt.Str("after")))},
		{"`` `x ``", rt.Doc(rt.Para(rt.C("`x")))},
		{"`` a`b ``", rt.Doc(rt.Para(rt.C(" a`b ")))},
		{"\\*lit\\* \\_", rt.Doc(rt.Para(rt.Str("*lit* _")))},
		{"**unclosed", rt.Doc(rt.Para(rt.Str("**unclosed")))},
		{"-# small print", rt.Doc(rt.Para(rt.Str("small print")))},
	}
	for _, tt := range tests {
		got := Parse(tt.in)
		if !reflect.DeepEqual(got, tt.want) {
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(tt.want)
			t.Errorf("Parse(%q)\n got %s\nwant %s", tt.in, gj, wj)
		}
	}
}

func TestRenderLimit(t *testing.T) {
	long := rt.FromPlain(strings.Repeat("مرحبا بالعالم 👩‍👩‍👧‍👦 *x* ", 300))
	for _, limit := range []int{1, 10, 100, 2000} {
		got := RenderLimit(long, limit)
		if n := rt.Runes(got); n > limit {
			t.Errorf("RenderLimit(%d) gave %d runes", limit, n)
		}
		if !strings.HasSuffix(got, rt.Ellipsis) {
			t.Errorf("RenderLimit(%d) = %q, want an ellipsis at the end", limit, got)
		}
	}
	parts := SplitLimit(long, 2000)
	if len(parts) < 2 {
		t.Fatalf("SplitLimit made %d parts of a %d-rune text", len(parts), rt.Runes(Render(long)))
	}
	for i, p := range parts {
		if n := rt.Runes(p); n > 2000 {
			t.Errorf("part %d has %d runes", i, n)
		}
	}
}

func TestParseWithNames(t *testing.T) {
	names := map[string]string{"1": "alice"}
	got := ParseWith("hi <@1> and <@2>", func(id string) string { return names[id] })
	want := rt.Doc(rt.Para(rt.Str("hi "), rt.At("1", "alice"), rt.Str(" and "), rt.At("2", "2")))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseWith = %+v, want %+v", got, want)
	}
}

func TestLinkedImageKeepsItsAlt(t *testing.T) {
	in := rt.FromHTML(`<a href="https://news.example/story"><img src="https://img.example/p.png" alt="Flooded street"></a>`)
	if got, want := Render(in), "[Flooded street](<https://news.example/story>)"; got != want {
		t.Errorf("Render = %q, want %q", got, want)
	}
}
