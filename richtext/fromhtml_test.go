package richtext

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestFromHTML(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Text
	}{
		{"inline formatting", `<p>Hello <b>bold</b> <em>it</em> <u>u</u> <del>s</del> <code>x&lt;y</code></p>`,
			Doc(Para(Str("Hello "), B(Str("bold")), Str(" "), I(Str("it")), Str(" "), U(Str("u")), Str(" "), S(Str("s")), Str(" "), C("x<y")))},
		{"script and style dropped", `<p>a<script>alert(1)</script><style>p{}</style>b</p>`, Doc(Para(Str("ab")))},
		{"javascript link becomes text", `<a href="javascript:alert(1)">click</a>`, Doc(Para(Str("click")))},
		{"relative link becomes text", `<a href="/x">rel</a>`, Doc(Para(Str("rel")))},
		{"safe link", `<a href="https://a.example/?q=1&amp;r=2" onclick="x()">go</a>`, Doc(Para(A("https://a.example/?q=1&r=2", Str("go"))))},
		{"image", `<img src="https://i.example/p.png" alt="A cat" onerror="alert(1)">`, Doc(Para(Img("https://i.example/p.png", "A cat")))},
		{"data image dropped", `<img src="data:image/png;base64,AAAA" alt="x">`, Doc(Para(Str("x")))},
		{"unknown tags flatten", `<custom-el><font color="red">red</font> <abbr>abbr</abbr></custom-el>`, Doc(Para(Str("red abbr")))},
		{"whitespace collapses", "<p>  a \n\t b  </p>", Doc(Para(Str("a b")))},
		{"blocks", `<h1>T</h1><p>p</p><blockquote>q</blockquote><ul><li>a</li><li>b</li></ul><ol><li>1</li></ol>`,
			Doc(H(1, Str("T")), Para(Str("p")), Q(Para(Str("q"))), UL(Li(Para(Str("a"))), Li(Para(Str("b")))), OL(Li(Para(Str("1")))))},
		{"pre with language", "<pre><code class=\"language-go\">func f() {\n\treturn\n}\n</code></pre>", Doc(Pre("go", "func f() {\n\treturn\n}"))},
		{"br", `a<br>b`, Doc(Para(Str("a"), Br(), Str("b")))},
		{"block inside inline", `<b>x<p>y</p></b>`, Doc(Para(B(Str("x"), Br(), Str("y"))))},
		{"table rows", `<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>`, Doc(Para(Str("a | b")), Para(Str("c | d")))},
		{"arabic", `<p dir="rtl">مرحبا <b>بالعالم</b></p>`, Doc(Para(Str("مرحبا "), B(Str("بالعالم"))))},
		{"mx-reply dropped", `<mx-reply><blockquote>old</blockquote></mx-reply>new`, Doc(Para(Str("new")))},
		{"spoiler", `<span data-mx-spoiler="">secret</span>`, Doc(Para(Sp(Str("secret"))))},
		{"entities", `&lt;script&gt; &amp; &#x1F600;`, Doc(Para(Str("<script> & 😀")))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FromHTML(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				gj, _ := json.Marshal(got)
				wj, _ := json.Marshal(tt.want)
				t.Errorf("FromHTML(%q)\n got %s\nwant %s", tt.in, gj, wj)
			}
		})
	}
}

func TestFromHTMLDeepNesting(t *testing.T) {
	in := strings.Repeat("<div><b>", 5000) + "deep" + strings.Repeat("</b></div>", 5000)
	got := FromHTML(in)
	if !strings.Contains(got.PlainText(), "deep") {
		t.Errorf("deeply nested text lost: %q", got.PlainText())
	}
}

// unsafeLinks lists link and image targets that are not http(s)/mailto.
func unsafeLinks(nodes []Node) []string {
	var bad []string
	for _, n := range nodes {
		if (n.Kind == Link || n.Kind == Image) && !SafeURL(n.URL) {
			bad = append(bad, n.URL)
		}
		bad = append(bad, unsafeLinks(n.Children)...)
	}
	return bad
}

func FuzzFromHTML(f *testing.F) {
	for _, s := range []string{
		`<p>Hello <b>world</b></p>`, `<script>alert(1)</script>`, `<a href="javascript:alert(1)">x</a>`,
		`<img src=x onerror=alert(1)>`, `<ul><li><p>a<ol><li>b`, `<pre><code>x</code></pre>`, "مرحبا 👩‍👩‍👧‍👦",
		`<table><tr><td>a<td>b</table>`, `<svg><script>alert(1)</script></svg>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := FromHTML(in)
		if bad := unsafeLinks(got.Blocks); len(bad) > 0 {
			t.Fatalf("unsafe link targets %q from %q", bad, in)
		}
		b, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		var back Text
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(Normalize(back), Normalize(got)) {
			t.Fatalf("JSON round trip changed %s", b)
		}
		// Truncation and splitting never exceed their limits.
		if n := Runes(Truncate(got, 50, Runes).PlainText()); n > 50 {
			t.Fatalf("Truncate(50) gave %d runes", n)
		}
		for _, p := range Split(got, 40, Runes, func(t Text) string { return t.PlainText() }) {
			if Runes(p) > 40 {
				t.Fatalf("Split part %q over 40 runes", p)
			}
		}
	})
}
