package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
)

func TestPlatformPayload(t *testing.T) {
	a := bot.Article{
		Title: "Hello @everyone", URL: "https://news.example/a", Summary: richtext.FromHTML("<p>Body <b>bold</b></p>"),
		Published: time.Date(2026, 11, 3, 14, 30, 0, 0, time.UTC),
	}
	tests := []struct {
		platform string
		want     []string // fragments of the JSON payload
	}{
		{"discord", []string{`"allowed_mentions":{"parse":[]`, "\"title\":\"Hello @\u200beveryone\"", `"description":"Body **bold**"`, `"footer":{"text":"Feed"}`}},
		{"matrix", []string{`"msgtype":"m.notice"`, `"m.mentions":{}`, `"formatted_body":"\u003cp\u003e\u003cstrong\u003e\u003ca href=\"https://news.example/a\"\u003eHello @everyone`}},
		{"web", []string{`{"html":"\u003carticle class=\"card\" dir=\"auto\"\u003e`}},
	}
	for _, tt := range tests {
		p, err := platformPayload(tt.platform, a, "Feed")
		if err != nil {
			t.Fatalf("%s: %v", tt.platform, err)
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s payload %s\nlacks %s", tt.platform, b, w)
			}
		}
	}
	if _, err := platformPayload("irc", a, "Feed"); err == nil || !strings.Contains(err.Error(), `"irc"`) {
		t.Errorf("unknown platform error = %v", err)
	}
}
