package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/store/storetest"
)

// A transport error names the URL it failed on, and a Discord webhook's
// URL carries the webhook's token in its path. A delivery parked on such an
// error must not publish the token on the public page or API.
func TestParkedErrorHidesURLPaths(t *testing.T) {
	fx := newFixture(t, storetest.Open(t), SiteOptions{})
	a := fx.article("Budget passes", "https://news.test/budget", t0)
	if err := fx.db.Enqueue(t.Context(), bot.OutboxRow{Kind: bot.PostArticle, Target: bot.Place{Platform: bot.Discord, Channel: "2002"},
		ArticleID: a, Key: "parked-token"}); err != nil {
		t.Fatal(err)
	}
	rows, err := fx.db.OutboxRows(t.Context(), bot.OutboxPending, 0)
	if err != nil {
		t.Fatal(err)
	}
	const secret = "Zq9sEcReTwEbHoOkToKeN"
	for _, r := range rows {
		if r.Key == "parked-token" {
			msg := `attempt 8: discord: execute webhook: Post "https://discord.com/api/v9/webhooks/1234/` + secret + `?wait=true": dial tcp: i/o timeout`
			if err := fx.db.ParkOutbox(t.Context(), r.ID, msg); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, path := range []string{fmt.Sprintf("/api/articles/%d", a), fmt.Sprintf("/articles/%d", a)} {
		resp, body := fx.get(path)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: status %d", path, resp.StatusCode)
		}
		if strings.Contains(body, secret) {
			t.Errorf("GET %s shows the webhook token:\n%s", path, body)
		}
		for _, want := range []string{"discord.com", "i/o timeout"} {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s does not say %q any more; the error must stay useful", path, want)
			}
		}
	}
}

func TestPublicError(t *testing.T) {
	tests := []struct{ in, want string }{
		{"attempt 5: discord: 50013 Missing Permissions", "attempt 5: discord: 50013 Missing Permissions"},
		{`Post "https://discord.com/api/v9/webhooks/1/tok?wait=true": EOF`, `Post "https://discord.com/…": EOF`},
		{"GET https://u:pw@matrix.example.org/_matrix/x?access_token=abc failed", "GET https://matrix.example.org/… failed"},
		{"see https://example.org", "see https://example.org"},
	}
	for _, tt := range tests {
		if got := publicError(tt.in); got != tt.want {
			t.Errorf("publicError(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
