package webhtml

import (
	"html/template"
	"strings"
	"testing"

	rt "github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/richtext/richtexttest"
)

func TestHTML(t *testing.T) {
	tests := []struct {
		name string
		in   rt.Text
		want template.HTML
	}{
		{"paragraph dir auto", rt.Doc(rt.Para(rt.Str("مرحبا <b>"))), `<p dir="auto">مرحبا &lt;b&gt;</p>`},
		{"link rel", rt.Doc(rt.Para(rt.A("https://a.example/?x=1&y=2", rt.Str("a")))),
			`<p dir="auto"><a href="https://a.example/?x=1&amp;y=2" rel="nofollow ugc noopener">a</a></p>`},
		{"javascript link", rt.Doc(rt.Para(rt.A("javascript:alert(1)", rt.Str("x")))), `<p dir="auto">x</p>`},
		{"data link", rt.Doc(rt.Para(rt.A("data:text/html,<script>", rt.Str("x")))), `<p dir="auto">x</p>`},
		{"mailto", rt.Doc(rt.Para(rt.A("mailto:a@b.example", rt.Str("mail")))), `<p dir="auto"><a href="mailto:a@b.example" rel="nofollow ugc noopener">mail</a></p>`},
		{"image as link", rt.Doc(rt.Para(rt.Img("https://i.example/p.png", "cat"))),
			`<p dir="auto"><a href="https://i.example/p.png" rel="nofollow ugc noopener">cat</a></p>`},
		{"blocks", rt.Doc(rt.H(1, rt.Str("T")), rt.Q(rt.Para(rt.Str("q"))), rt.UL(rt.Li(rt.Para(rt.Str("a")))), rt.Pre("", "<x>")),
			`<h3 dir="auto">T</h3><blockquote dir="auto"><p dir="auto">q</p></blockquote><ul dir="auto"><li dir="auto">a</li></ul><pre dir="ltr"><code>&lt;x&gt;</code></pre>`},
		{"spoiler and mention", rt.Doc(rt.Para(rt.Sp(rt.Str("s")), rt.At("1", "<bob>"))), `<p dir="auto"><span class="spoiler">s</span><span class="mention">@&lt;bob&gt;</span></p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HTML(tt.in); got != tt.want {
				t.Errorf("HTML\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// The output goes into html/template as is: check a template keeps it
// and a page built with it stays safe.
func TestTemplateSafe(t *testing.T) {
	tpl := template.Must(template.New("p").Parse(`<div>{{.}}</div>`))
	var b strings.Builder
	in := rt.FromHTML(`<p onclick="x()">hi <script>alert(1)</script><a href="javascript:alert(1)">js</a></p>`)
	if err := tpl.Execute(&b, HTML(in)); err != nil {
		t.Fatal(err)
	}
	if err := richtexttest.CheckHTML(b.String(), richtexttest.WebTags); err != nil {
		t.Error(err)
	}
}

func FuzzWebHTML(f *testing.F) {
	for _, s := range []string{
		`<p>Hello <b>world</b></p>`, `<script>alert(1)</script>`, `<a href="javascript:alert(1)">x</a>`, `<img src=x onerror=alert(1)>`,
		`<a href=" JaVaScRiPt:alert(1)">x</a>`, `<a href="https://a.example/&quot;onmouseover=&quot;x">a</a>`, "مرحبا <i>بالعالم</i>",
		`<iframe src="https://evil.example"></iframe><object data=x></object>`, `<svg onload=alert(1)>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := string(HTML(rt.FromHTML(in)))
		if err := richtexttest.CheckHTML(out, richtexttest.WebTags); err != nil {
			t.Fatalf("from %q: %v", in, err)
		}
		if strings.Contains(strings.ToLower(out), "<script") {
			t.Fatalf("script in %q", out)
		}
	})
}
