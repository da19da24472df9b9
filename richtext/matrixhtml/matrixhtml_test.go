package matrixhtml

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	rt "github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/richtext/richtexttest"
)

func TestHTML(t *testing.T) {
	tests := []struct {
		name string
		in   rt.Text
		want string
	}{
		{"one paragraph unwrapped", rt.Doc(rt.Para(rt.Str("a < b & "), rt.B(rt.Str("c")))), "a &lt; b &amp; <strong>c</strong>"},
		{"formatting", rt.Doc(rt.Para(rt.I(rt.Str("i")), rt.U(rt.Str("u")), rt.S(rt.Str("s")), rt.Sp(rt.Str("sp")), rt.C("<x>"))),
			"<em>i</em><u>u</u><del>s</del><span data-mx-spoiler>sp</span><code>&lt;x&gt;</code>"},
		{"javascript link is text", rt.Doc(rt.Para(rt.A("javascript:alert(1)", rt.Str("x")))), "x"},
		{"link attribute escaped", rt.Doc(rt.Para(rt.A(`https://a.example/?q="><script>`, rt.Str("x")))),
			`<a href="https://a.example/?q=&#34;&gt;&lt;script&gt;">x</a>`},
		{"image becomes link", rt.Doc(rt.Para(rt.Img("https://i.example/p.png", "cat"))), `<a href="https://i.example/p.png">cat</a>`},
		{"matrix pill", rt.Doc(rt.Para(rt.At("@bob:example.org", "Bob"))), `<a href="https://matrix.to/#/@bob:example.org">Bob</a>`},
		{"discord mention is text", rt.Doc(rt.Para(rt.At("1234", "nelly"))), "@nelly"},
		{"blocks", rt.Doc(rt.H(2, rt.Str("T")), rt.Pre("go", "a<b"), rt.Q(rt.Para(rt.Str("q"))), rt.OL(rt.Li(rt.Para(rt.Str("1"))))),
			`<h2>T</h2><pre><code class="language-go">a&lt;b</code></pre><blockquote><p>q</p></blockquote><ol><li>1</li></ol>`},
		{"hostile language", rt.Doc(rt.Pre(`"><script>`, "x")), `<pre><code>x</code></pre>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HTML(tt.in); got != tt.want {
				t.Errorf("HTML\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestContentCarriesEmptyMentions(t *testing.T) {
	c := Content(rt.FromPlain("hello @room and @ROOM"), event.MsgText)
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"m.mentions":{}`) {
		t.Errorf("content %s has no empty m.mentions", b)
	}
	if m := richtexttest.LiveMassMention(c.Body); m != "" {
		t.Errorf("body %q has a live %s", c.Body, m)
	}
}

func TestParse(t *testing.T) {
	reply := &event.MessageEventContent{
		MsgType: event.MsgText,
		Body:    "> <@alice:example.org> old\n\nnew **text**",
		Format:  event.FormatHTML,
		FormattedBody: `<mx-reply><blockquote><a href="https://matrix.to/#/!room:example.org/$ev">In reply to</a> ` +
			`<a href="https://matrix.to/#/@alice:example.org">@alice:example.org</a><br>old</blockquote></mx-reply>new <strong>text</strong> ` +
			`<a href="https://matrix.to/#/%40bob%3Aexample.org">Bob</a>`,
		RelatesTo: &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: id.EventID("$ev")}},
	}
	plainReply := &event.MessageEventContent{
		MsgType:   event.MsgText,
		Body:      "> <@alice:example.org> old\n\nplain new",
		RelatesTo: &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: id.EventID("$ev")}},
	}
	tests := []struct {
		name string
		in   *event.MessageEventContent
		want rt.Text
	}{
		{"html reply with pill", reply, rt.Doc(rt.Para(rt.Str("new "), rt.B(rt.Str("text")), rt.Str(" "), rt.At("@bob:example.org", "Bob")))},
		{"plain reply", plainReply, rt.Doc(rt.Para(rt.Str("plain new")))},
		{"plain lines", &event.MessageEventContent{Body: "a\nb\n\nc"}, rt.Doc(rt.Para(rt.Str("a"), rt.Br(), rt.Str("b")), rt.Para(rt.Str("c")))},
		{"nil", nil, rt.Text{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Parse(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				gj, _ := json.Marshal(got)
				wj, _ := json.Marshal(tt.want)
				t.Errorf("Parse\n got %s\nwant %s", gj, wj)
			}
		})
	}
}

func TestSplitContent(t *testing.T) {
	long := rt.FromPlain(strings.Repeat("مرحبا <b> & 👩‍👩‍👧‍👦 ", 3000))
	parts := SplitContent(long, event.MsgText, 16000)
	if len(parts) < 2 {
		t.Fatalf("got %d parts", len(parts))
	}
	for i, p := range parts {
		if n := Size(p); n > 16000 {
			t.Errorf("part %d takes %d bytes", i, n)
		}
		if p.Mentions == nil {
			t.Errorf("part %d has no m.mentions", i)
		}
	}
	one := FitContent(long, event.MsgNotice, 16000)
	if n := Size(one); n > 16000 {
		t.Errorf("FitContent took %d bytes", n)
	}
}

func FuzzMatrixHTML(f *testing.F) {
	for _, s := range []string{
		`<p>Hello <b>world</b></p>`, `<script>alert(1)</script>`, `<a href="javascript:alert(1)">x</a>`, `<img src=x onerror=alert(1)>`,
		`<mx-reply>old</mx-reply>new`, `<a href="https://matrix.to/#/@u:s">U</a> @room`, `<span data-mx-spoiler>s</span>`,
		`<a href="https://a.example/" onclick="x()">a</a>`, "<pre><code class=\"language-\\\"><script>\">x</code></pre>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		parsed := ParseHTML(in)
		out := HTML(parsed)
		if err := richtexttest.CheckHTML(out, richtexttest.MatrixTags); err != nil {
			t.Fatalf("from %q: %v", in, err)
		}
		c := FitContent(parsed, event.MsgText, 16000)
		if Size(c) > 16000 {
			t.Fatalf("content of %d bytes", Size(c))
		}
		if m := richtexttest.LiveMassMention(c.Body); m != "" && strings.EqualFold(m, "@room") {
			t.Fatalf("body %q has a live %s", c.Body, m)
		}
		if c.Mentions == nil || len(c.Mentions.UserIDs) > 0 || c.Mentions.Room {
			t.Fatalf("m.mentions = %+v", c.Mentions)
		}
		if err := richtexttest.CheckHTML(c.FormattedBody, richtexttest.MatrixTags); err != nil {
			t.Fatalf("from %q: %v", in, err)
		}
		// Reading our own HTML back means the same.
		if diff := richtexttest.SameMeaning(parsed, ParseHTML(out)); diff != "" {
			t.Fatalf("HTML round trip: %s\ninput %q\noutput %q", diff, in, out)
		}
	})
}
