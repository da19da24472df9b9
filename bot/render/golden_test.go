package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	"maunium.net/go/mautrix/event"

	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/richtext/richtexttest"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// TestGolden renders every fixture for the three platforms, checks each
// payload against the platform's rules, and compares it with its golden
// file. Run `go test ./bot/render -run TestGolden -update` after an
// intended change and review the diff.
func TestGolden(t *testing.T) {
	for _, f := range fixtures() {
		t.Run(f.name, func(t *testing.T) {
			d, err := DiscordArticle(f.article, f.opts)
			if err != nil {
				t.Fatalf("DiscordArticle: %v", err)
			}
			checkDiscord(t, d, f.opts)
			golden(t, f.name+".discord.json", marshal(t, d))

			m, err := MatrixArticle(f.article, f.opts)
			if err != nil {
				t.Fatalf("MatrixArticle: %v", err)
			}
			checkMatrix(t, m, f.opts)
			golden(t, f.name+".matrix.json", marshal(t, m))

			w, err := WebArticle(f.article)
			if err != nil {
				t.Fatalf("WebArticle: %v", err)
			}
			if err := richtexttest.CheckHTML(string(w), richtexttest.WebTags); err != nil {
				t.Error(err)
			}
			if !strings.Contains(string(w), `dir="auto"`) {
				t.Errorf("web card has no dir=auto: %s", w)
			}
			golden(t, f.name+".web.html", []byte(string(w)+"\n"))
		})
	}
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n got %s\nwant %s", name, got, want)
	}
}

// checkDiscord asserts Discord's documented limits and that nothing can
// ping except the configured role.
func checkDiscord(t *testing.T, m *discordgo.MessageSend, o Options) {
	t.Helper()
	if m.AllowedMentions == nil || m.AllowedMentions.Parse == nil || len(m.AllowedMentions.Parse) != 0 {
		t.Errorf("allowed_mentions = %+v, want an empty parse list", m.AllowedMentions)
	}
	if o.MentionRole == "" && len(m.AllowedMentions.Roles) > 0 {
		t.Errorf("roles allowed without mention_role: %v", m.AllowedMentions.Roles)
	}
	if n := richtext.Runes(m.Content); n > DiscordContent {
		t.Errorf("content has %d characters", n)
	}
	strs := []string{m.Content}
	total := 0
	for _, e := range m.Embeds {
		checkLen(t, "title", e.Title, DiscordTitle)
		checkLen(t, "description", e.Description, DiscordDescription)
		total += richtext.Runes(e.Title) + richtext.Runes(e.Description)
		strs = append(strs, e.Title, e.Description, e.URL)
		if e.Footer != nil {
			checkLen(t, "footer", e.Footer.Text, DiscordFooter)
			total += richtext.Runes(e.Footer.Text)
			strs = append(strs, e.Footer.Text)
		}
		if e.Author != nil {
			checkLen(t, "author", e.Author.Name, DiscordAuthor)
			total += richtext.Runes(e.Author.Name)
			strs = append(strs, e.Author.Name)
		}
		for _, u := range []string{e.URL, imageURL(e)} {
			if u != "" && !richtext.SafeURL(u) {
				t.Errorf("unsafe URL %q in embed", u)
			}
		}
	}
	if total > DiscordEmbedsTotal {
		t.Errorf("embeds total %d characters", total)
	}
	for _, s := range strs {
		if live := richtexttest.LiveMassMention(s); strings.EqualFold(live, "@everyone") || strings.EqualFold(live, "@here") {
			t.Errorf("live %s in %q", live, s)
		}
	}
}

func imageURL(e *discordgo.MessageEmbed) string {
	if e.Image == nil {
		return ""
	}
	return e.Image.URL
}

func checkLen(t *testing.T, what, s string, limit int) {
	t.Helper()
	if n := richtext.Runes(s); n > limit {
		t.Errorf("%s has %d characters, limit %d", what, n, limit)
	}
}

func checkMatrix(t *testing.T, c *event.MessageEventContent, o Options) {
	t.Helper()
	want := event.MsgNotice
	if o.MatrixText {
		want = event.MsgText
	}
	if c.MsgType != want {
		t.Errorf("msgtype %q, want %q", c.MsgType, want)
	}
	if c.Mentions == nil || c.Mentions.Room || len(c.Mentions.UserIDs) > 0 {
		t.Errorf("m.mentions = %+v, want empty", c.Mentions)
	}
	if live := richtexttest.LiveMassMention(c.Body); strings.EqualFold(live, "@room") {
		t.Errorf("live @room in body %q", c.Body)
	}
	if err := richtexttest.CheckHTML(c.FormattedBody, richtexttest.MatrixTags); err != nil {
		t.Error(err)
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > MatrixArticleBytes+1024 {
		t.Errorf("event content is %d bytes", len(b))
	}
}
