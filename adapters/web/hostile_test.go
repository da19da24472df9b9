package web

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store/storetest"
)

// hostileBodies are comments written to break out of the page.
var hostileBodies = []string{
	`<script>alert(1)</script>`,
	`<img src=x onerror=alert(2)>`,
	`<a href="javascript:alert(3)">click</a>`,
	`</textarea><script>alert(4)</script>`,
	`"><svg onload=alert(5)>`,
	"\u202Egnp.exe\u202C <b onmouseover=alert(6)>x</b>",
	`</div></li></ol><form action="https://evil.example"><input name=p></form>`,
	`<style>body{display:none}</style><iframe src="https://evil.example"></iframe>`,
	"]]></content><script>alert(7)</script>",
}

// TestHostileCommentsStayText: whatever people write, in the text or in
// their names, reaches the page, the API and the Atom feed as text — the
// pages hold no element or attribute that could run script.
func TestHostileCommentsStayText(t *testing.T) {
	fx := newFixture(t, storetest.Open(t), SiteOptions{})
	a := fx.article(`<script>alert("title")</script>`, "https://news.test/hostile", t0)
	for i, b := range hostileBodies {
		// As plain text (Discord) and as HTML (a news site's feed) alike.
		fx.say(a, placeD, fmt.Sprint("d", i), "", `<img src=x onerror=alert("name")>`+b, richtext.FromPlain(b), t0.Add(time.Duration(i)*time.Minute))
		fx.say(a, placeM, fmt.Sprint("$m", i), "", "\u202Eevil", richtext.FromHTML(b), t0.Add(time.Duration(i)*time.Minute+time.Second))
	}
	fx.say(a, placeD, "link", "", "l", richtext.Doc(richtext.Para(richtext.A("javascript:alert(8)", richtext.Str("js link")))), t0.Add(time.Hour))

	for _, p := range []string{"/", fmt.Sprintf("/articles/%d", a)} {
		resp, body := fx.get(p)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", p, resp.StatusCode)
		}
		if bad := scriptish(parseHTML(t, body)); len(bad) > 0 {
			t.Errorf("GET %s: active markup from comments: %q", p, bad)
		}
	}
	_, body := fx.get(fmt.Sprintf("/articles/%d", a))
	doc := parseHTML(t, body)
	// The text is all there, as text.
	texts := map[string]bool{}
	for _, n := range findAll(doc, byClass("comment-body")) {
		texts[textOf(n)] = true
	}
	for _, b := range hostileBodies {
		if !texts[strings.Join(strings.Fields(b), " ")] {
			t.Errorf("the plain comment %q is not shown as text", b)
		}
	}
	// Names with a right-to-left override are isolated, so they cannot
	// reorder what follows them.
	for _, n := range findAll(doc, byClass("author")) {
		if n.Data != "bdi" {
			t.Errorf("author %q is in <%s>, want <bdi>", textOf(n), n.Data)
		}
	}

	// The Atom feed is well-formed XML whose entries' HTML is itself safe.
	_, feed := fx.get(fmt.Sprintf("/articles/%d/comments.atom", a))
	var parsed struct {
		Entries []struct {
			Title   string `xml:"title"`
			Content struct {
				Type string `xml:"type,attr"`
				Body string `xml:",chardata"`
			} `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(feed), &parsed); err != nil {
		t.Fatalf("the comment feed is not XML: %v", err)
	}
	if len(parsed.Entries) != 2*len(hostileBodies)+1 {
		t.Errorf("%d entries, want %d", len(parsed.Entries), 2*len(hostileBodies)+1)
	}
	for _, e := range parsed.Entries {
		if e.Content.Type != "html" {
			t.Errorf("entry content type %q, want html", e.Content.Type)
		}
		if bad := scriptish(parseHTML(t, e.Content.Body)); len(bad) > 0 {
			t.Errorf("entry %q: active markup %q in %q", e.Title, bad, e.Content.Body)
		}
	}

	// The API's html fields are safe too.
	_, api := fx.get(fmt.Sprintf("/api/articles/%d/comments?limit=200", a))
	var p commentsPage
	if err := json.Unmarshal([]byte(api), &p); err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Comments {
		if bad := scriptish(parseHTML(t, c.HTML)); len(bad) > 0 {
			t.Errorf("API comment %d: active markup %q in %q", c.ID, bad, c.HTML)
		}
	}
	if c, err := fx.db.CommentByOrigin(t.Context(), bot.Discord, "link"); err != nil || !strings.Contains(body, "js link") {
		t.Errorf("the javascript: link's label is missing (%v)", err)
	} else if strings.Contains(body, "alert(8)") {
		t.Errorf("comment %d: the javascript: target reached the page", c.ID)
	}
}
