package matrix

import (
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
)

// links lists the links of a text as "label -> url".
func links(nodes []richtext.Node) []string {
	var out []string
	for _, n := range nodes {
		if n.Kind == richtext.Link {
			out = append(out, richtext.InlineText(n.Children)+" -> "+n.URL)
			continue
		}
		out = append(out, links(n.Children)...)
	}
	return out
}

// TestMediaReachesTheComment sends pictures and files into an article's
// thread: the body of a file message is only its name, so without a link
// to the file the comment elsewhere would say "cat.png" and show nothing.
func TestMediaReachesTheComment(t *testing.T) {
	srv := homeserver.Server(t)
	alice := newPeer(t, srv, homeserver.NewUser(t, "alice"), "Alice")
	room := alice.room(t)
	a := New(botOptions(t, srv, homeserver.NewUser(t, "herald"), openState(t), room))
	in := newInbox()
	running(t, a, in)
	synced(t, a)
	ctx := testCtx(t)
	ref, err := a.PostArticle(ctx, bot.Place{Platform: bot.Matrix, Channel: bot.RemoteID(room)},
		bot.Article{ID: 1, Title: "Pictures", URL: "https://news.example/pictures"}, "a1")
	if err != nil {
		t.Fatal(err)
	}
	root := id.EventID(ref.Thread)
	download := srv.URL + "/_matrix/media/v3/download/example.org/"
	tests := []struct {
		name    string
		content *event.MessageEventContent
		text    string // the plain text, link labels included
		link    string
	}{
		{"picture", &event.MessageEventContent{MsgType: event.MsgImage, Body: "cat.png", URL: "mxc://example.org/cat"},
			"cat.png", "cat.png -> " + download + "cat"},
		{"file with a caption", &event.MessageEventContent{MsgType: event.MsgFile, Body: "the report, read it",
			FileName: "report.pdf", URL: "mxc://example.org/report"},
			"the report, read it\n\nreport.pdf", "report.pdf -> " + download + "report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.content.RelatesTo = inThread(root, root)
			resp, err := alice.SendMessageEvent(ctx, room, event.EventMessage, tt.content)
			if err != nil {
				t.Fatal(err)
			}
			got := in.await(t, tt.name, func(ev bot.Event) bool { return ev.Message == bot.RemoteID(resp.EventID) })
			if text := strings.TrimSpace(got.Body.PlainText()); text != tt.text {
				t.Errorf("got text %q, want %q", text, tt.text)
			}
			if l := links(got.Body.Blocks); len(l) != 1 || l[0] != tt.link {
				t.Errorf("got links %q, want [%q]", l, tt.link)
			}
			if got.Thread != ref.Thread {
				t.Errorf("got thread %q, want %q", got.Thread, ref.Thread)
			}
		})
	}
}
