package render

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/richtext/richtexttest"
)

func comment(platform bot.Platform, name string, body richtext.Text) bot.Comment {
	return bot.Comment{ID: 7, Author: bot.Author{Platform: platform, ID: "u1", Name: name}, Body: body}
}

func TestDiscordComment(t *testing.T) {
	parent := comment(bot.Matrix, "Alice", richtext.FromPlain("The original point, which is long enough that the quote of it must be cut somewhere near here and not later"))
	tests := []struct {
		name    string
		c       bot.Comment
		parent  *bot.Comment
		webhook bool
		want    []string
	}{
		{"bot form", comment(bot.Matrix, "Bob", richtext.FromPlain("hello *there*")), nil, false, []string{`**Bob** (Matrix): hello \*there\*`}},
		{"bot form name escaped", comment(bot.Matrix, "**@everyone**", richtext.FromPlain("hi")), nil, false, []string{"**\\*\\*@\u200beveryone\\*\\*** (Matrix): hi"}},
		{"bot form before a block", comment(bot.Web, "Carol", richtext.Doc(richtext.Q(richtext.Para(richtext.Str("q"))))), nil, false, []string{"**Carol** (Web):\n\n> q"}},
		{"webhook plain", comment(bot.Matrix, "Bob", richtext.FromPlain("just text")), nil, true, []string{"just text"}},
		{"webhook reply quotes parent", comment(bot.Matrix, "Bob", richtext.FromPlain("I disagree")), &parent, true,
			[]string{"> **Alice**: The original point, which is long enough that the quote of it must be cut somewhere near here and…\n\nI disagree"}},
		{"bot form reply has no quote", comment(bot.Matrix, "Bob", richtext.FromPlain("I disagree")), &parent, false, []string{"**Bob** (Matrix): I disagree"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DiscordComment(tt.c, tt.parent, tt.webhook)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DiscordComment\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestDiscordCommentParts(t *testing.T) {
	body := richtext.FromPlain(strings.Repeat("مرحبا بالعالم 👩‍👩‍👧‍👦 word ", 150) + "\n\n" + strings.Repeat("second paragraph ", 100))
	parts, err := DiscordComment(comment(bot.Matrix, "Bob", body), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) < 2 {
		t.Fatalf("%d parts", len(parts))
	}
	if !strings.HasPrefix(parts[0], "**Bob** (Matrix): ") {
		t.Errorf("first part %q lacks the author", parts[0][:40])
	}
	for i, p := range parts {
		if n := richtext.Runes(p); n > DiscordContent {
			t.Errorf("part %d has %d characters", i, n)
		}
	}
	huge := richtext.FromPlain(strings.Repeat("x ", 20000))
	parts, err = DiscordComment(comment(bot.Matrix, "Bob", huge), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) > MaxCommentParts || !strings.HasSuffix(parts[len(parts)-1], richtext.Ellipsis) {
		t.Errorf("huge comment: %d parts, last ends %q", len(parts), parts[len(parts)-1][len(parts[len(parts)-1])-10:])
	}
}

func TestEmptyComment(t *testing.T) {
	c := comment(bot.Matrix, "Bob", richtext.FromPlain("  "))
	if _, err := DiscordComment(c, nil, false); !errors.Is(err, ErrEmpty) {
		t.Errorf("DiscordComment error = %v, want ErrEmpty", err)
	}
	if _, err := MatrixComment(c, nil); !errors.Is(err, ErrEmpty) {
		t.Errorf("MatrixComment error = %v, want ErrEmpty", err)
	}
}

func TestMatrixComment(t *testing.T) {
	c := comment(bot.Discord, "Nelly <3 @room", richtext.Doc(richtext.Para(richtext.Str("hi "), richtext.B(richtext.Str("all")), richtext.Str(" @room"))))
	c.Author.ID = "80351110224678912"
	c.Author.AvatarURL = "https://cdn.discordapp.com/avatars/1/a.png"
	parts, err := MatrixComment(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 1 {
		t.Fatalf("%d parts", len(parts))
	}
	got, err := json.Marshal(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"msgtype":"m.text","body":"Nelly <3 @\u200broom (Discord): hi **all** @\u200broom","format":"org.matrix.custom.html",` +
		`"formatted_body":"<strong data-mx-profile-fallback>Nelly &lt;3 @\u200broom (Discord): </strong>hi <strong>all</strong> @room",` +
		`"m.mentions":{},"com.beeper.per_message_profile":{"id":"discord:80351110224678912","displayname":"Nelly <3 @\u200broom (Discord)","has_fallback":true}}`
	var gotMap, wantMap any
	_ = json.Unmarshal(got, &gotMap)
	if err := json.Unmarshal([]byte(want), &wantMap); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotMap, wantMap) {
		t.Errorf("MatrixComment\n got %s\nwant %s", got, want)
	}

	c.Author.AvatarURL = "mxc://example.org/abc"
	parts, _ = MatrixComment(c, nil)
	if a := parts[0].BeeperPerMessageProfile.AvatarURL; a == nil || *a != "mxc://example.org/abc" {
		t.Errorf("mxc avatar not kept: %v", a)
	}
}

func TestMatrixCommentParts(t *testing.T) {
	body := richtext.FromPlain(strings.Repeat("<b>مرحبا</b> & 👩‍👩‍👧‍👦 ", 4000))
	parts, err := MatrixComment(comment(bot.Discord, "Bob", body), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) < 2 || len(parts) > MaxCommentParts {
		t.Fatalf("%d parts", len(parts))
	}
	for i, p := range parts {
		b, _ := json.Marshal(p)
		if len(b) > MatrixCommentBytes+2048 {
			t.Errorf("part %d is %d bytes", i, len(b))
		}
		if p.Mentions == nil || p.BeeperPerMessageProfile == nil {
			t.Errorf("part %d lacks m.mentions or the profile", i)
		}
		if err := richtexttest.CheckHTML(p.FormattedBody, richtexttest.MatrixTags); err != nil {
			t.Error(err)
		}
	}
	if parts[0].MsgType != event.MsgText {
		t.Errorf("msgtype %q", parts[0].MsgType)
	}
}
