package render

import (
	"strings"
	"testing"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
)

func TestTemplateErrors(t *testing.T) {
	a := bot.Article{Title: "T", URL: "https://news.example/t", Summary: richtext.FromPlain("s")}
	tests := []struct {
		tpl  string
		want string // in the error
	}{
		{"{{.Title", "template: article:1: unclosed action"},
		{"{{.Nope}}", "can't evaluate field Nope"},
		{"{{range 1000000000}}x{{end}}", "line 1: range may only go over a field"},
		{"{{range .Categories}}{{range .}}{{range .}}{{end}}{{end}}{{end}}", "range nested more than 2 deep"},
		{`{{define "x"}}a{{end}}{{template "x"}}`, "{{template}} is not allowed"},
		{"{{range .Categories}}{{end}}" + strings.Repeat("{{.URL}}", 1000), "longer than 16 KiB"},
	}
	for _, tt := range tests {
		_, err := DiscordArticle(a, Options{Template: tt.tpl})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("template %.40q: error %v, want it to say %q", tt.tpl, err, tt.want)
		}
		if _, err := MatrixArticle(a, Options{Template: tt.tpl}); err == nil {
			t.Errorf("MatrixArticle accepted template %.40q", tt.tpl)
		}
	}
	if err := CheckTemplate("{{.Title}} {{range .Categories}}{{.}}{{end}}"); err != nil {
		t.Errorf("CheckTemplate rejected a good template: %v", err)
	}
}

func TestTemplateCannotInject(t *testing.T) {
	a := bot.Article{Title: "[https://bank.example](https://evil.example) @everyone", URL: "https://news.example/t",
		Summary: richtext.FromPlain("# not a heading"), Author: "<@&1>"}
	m, err := DiscordArticle(a, Options{Template: "{{.Title}} {{.Author}}\n{{.Summary}}"})
	if err != nil {
		t.Fatal(err)
	}
	want := "\\[<https://bank.example>\\](<https://evil.example>) @\u200beveryone \\<@&1\\>\n\\# not a heading"
	if got := m.Embeds[0].Description; got != want {
		t.Errorf("description\n got %q\nwant %q", got, want)
	}
}

func TestMentionRoleMustBeAnID(t *testing.T) {
	a := bot.Article{Title: "T"}
	if _, err := DiscordArticle(a, Options{MentionRole: "@everyone"}); err == nil || !strings.Contains(err.Error(), "is not a Discord role id") {
		t.Errorf("error = %v", err)
	}
	m, err := DiscordArticle(a, Options{MentionRole: "42", PlainText: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.Content, "<@&42>\n") || len(m.AllowedMentions.Roles) != 1 || m.AllowedMentions.Roles[0] != "42" {
		t.Errorf("content %q, allowed %+v", m.Content, m.AllowedMentions)
	}
}
