package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

type commentsPage struct {
	ArticleID int64 `json:"article_id"`
	Comments  []struct {
		ID       int64        `json:"id"`
		ParentID int64        `json:"parent_id"`
		Platform bot.Platform `json:"platform"`
		Author   *struct {
			Name string `json:"name"`
		} `json:"author"`
		Deleted bool       `json:"deleted"`
		Text    string     `json:"text"`
		HTML    string     `json:"html"`
		Edited  *time.Time `json:"edited"`
	} `json:"comments"`
	Next string `json:"next"`
}

func decode(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
}

func TestAPICommentsArePagedInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := newFixture(t, db, SiteOptions{})
		a := fx.article("Paged", "https://news.test/paged", t0)
		var want []string
		for i := range 7 {
			text := fmt.Sprintf("comment %d", i)
			fx.say(a, placeD, fmt.Sprint("d", i), "", "user", richtext.FromPlain(text), t0.Add(time.Duration(i)*time.Minute))
			want = append(want, text)
		}
		var got []string
		next := fmt.Sprintf("/api/articles/%d/comments?limit=3", a)
		pages := 0
		for next != "" {
			resp, body := fx.get(next)
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s: %d %s", next, resp.StatusCode, body)
			}
			var p commentsPage
			decode(t, body, &p)
			for _, c := range p.Comments {
				got = append(got, c.Text)
			}
			next = p.Next
			if pages++; pages > 5 {
				t.Fatal("paging does not end")
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || pages != 3 {
			t.Errorf("paged comments %q in %d pages, want %q in 3", got, pages, want)
		}
	})
}

func TestAPIArticles(t *testing.T) {
	fx := newFixture(t, storetest.Open(t), SiteOptions{})
	a, _ := discussion(t, fx)
	b := fx.article("Later", "https://news.test/later", t0.Add(time.Hour))
	c := fx.article("Latest", "https://news.test/latest", t0.Add(2*time.Hour))

	var list struct {
		Articles []struct {
			ID       int64 `json:"id"`
			Title    string
			Comments int `json:"comment_count"`
			Posts    []struct {
				Platform bot.Platform `json:"platform"`
				Channel  string       `json:"channel"`
			} `json:"posts"`
		} `json:"articles"`
		Next string `json:"next"`
	}
	var ids []int64
	next := "/api/articles?limit=2"
	for next != "" {
		resp, body := fx.get(next)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", next, resp.StatusCode, body)
		}
		list.Next = ""
		decode(t, body, &list)
		for _, x := range list.Articles {
			ids = append(ids, x.ID)
			if x.ID == a && (x.Comments != 4 || len(x.Posts) != 2) {
				t.Errorf("article %d: %d comments and %d posts, want 4 and 2", a, x.Comments, len(x.Posts))
			}
		}
		next = list.Next
	}
	if fmt.Sprint(ids) != fmt.Sprint([]int64{c, b, a}) {
		t.Errorf("articles %v, want newest first %v", ids, []int64{c, b, a})
	}

	// One article, with its delivery status: a parked row shows its error.
	if err := fx.db.Enqueue(t.Context(), bot.OutboxRow{Kind: bot.PostArticle, Target: bot.Place{Platform: bot.Discord, Channel: "2002"},
		ArticleID: a, Key: "parked-one"}); err != nil {
		t.Fatal(err)
	}
	rows, err := fx.db.OutboxRows(t.Context(), bot.OutboxPending, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Key == "parked-one" {
			if err := fx.db.ParkOutbox(t.Context(), r.ID, "attempt 5: discord: 50013 Missing Permissions"); err != nil {
				t.Fatal(err)
			}
		}
	}
	resp, body := fx.get(fmt.Sprintf("/api/articles/%d", a))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var one struct {
		Title    string `json:"title"`
		Delivery struct {
			Parked []struct {
				Channel string `json:"channel"`
				Error   string `json:"error"`
			} `json:"parked"`
		} `json:"delivery"`
	}
	decode(t, body, &one)
	if one.Title != "Budget passes" || len(one.Delivery.Parked) != 1 || one.Delivery.Parked[0].Channel != "2002" ||
		!strings.Contains(one.Delivery.Parked[0].Error, "Missing Permissions") {
		t.Errorf("article answer %s: want title and the parked delivery to 2002 with its error", body)
	}
	_, page := fx.get(fmt.Sprintf("/articles/%d", a))
	if !strings.Contains(page, "50013 Missing Permissions") {
		t.Error("the article page does not show the parked error")
	}
}

func TestAPIErrorsSayWhatWasWrong(t *testing.T) {
	fx := newFixture(t, storetest.Open(t), SiteOptions{})
	a := fx.article("One", "https://news.test/one", t0)
	fx.say(a, placeD, "d1", "", "u", richtext.FromPlain("hi"), t0)
	other := fx.article("Two", "https://news.test/two", t0)
	fx.say(other, placeD, "d2", "", "u", richtext.FromPlain("elsewhere"), t0)
	c2, _ := fx.db.CommentByOrigin(t.Context(), bot.Discord, "d2")
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/api/articles/x", 400, `article id \"x\" is not a positive whole number`},
		{"/api/articles/-3", 400, "positive whole number"},
		{"/api/articles/12345", 404, "there is no article 12345"},
		{"/api/articles/12345/comments", 404, "there is no article 12345"},
		{"/api/articles?limit=0", 400, "limit \\\"0\\\" must be a whole number from 1 to 100"},
		{"/api/articles?limit=101", 400, "from 1 to 100"},
		{"/api/articles?after=zz", 400, "after \\\"zz\\\" must be the positive id"},
		{"/api/articles?after=777", 400, "no article 777"},
		{fmt.Sprintf("/api/articles/%d/comments?limit=500", a), 400, "from 1 to 200"},
		{fmt.Sprintf("/api/articles/%d/comments?after=%d", a, c2.ID), 400, fmt.Sprintf("article %d has no comment %d", a, c2.ID)},
		{"/api/counts", 400, "must be the article's absolute http(s) URL"},
		{"/api/counts?url=javascript:alert(1)", 400, "absolute http(s) URL"},
		{"/api/counts?url=https%3A%2F%2Fnews.test%2Fmissing", 404, "no article has the URL"},
		{"/api/nothing", 404, "no API endpoint"},
		{"/articles/12345/comments.atom", 404, "there is no article 12345"},
	} {
		resp, body := fx.get(tc.path)
		var e struct {
			Error string `json:"error"`
		}
		if resp.StatusCode != tc.status || json.Unmarshal([]byte(body), &e) != nil || e.Error == "" || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: %d %s, want %d with a JSON error containing %q", tc.path, resp.StatusCode, body, tc.status, tc.want)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("GET %s: Content-Type %q, want JSON", tc.path, ct)
		}
	}
}

func TestAPICountsForANewsSite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := newFixture(t, db, SiteOptions{})
		a, _ := discussion(t, fx)
		_ = a
		resp, body := fx.get("/api/counts?url="+url.QueryEscape("https://News.test/budget?utm_source=x&fbclid=y#comments"), "Origin", "https://news.test")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("Access-Control-Allow-Origin = %q, want *", got)
		}
		var c struct {
			URL      string `json:"url"`
			Comments int    `json:"comments"`
		}
		decode(t, body, &c)
		if c.Comments != 4 || c.URL != "https://news.test/budget" {
			t.Errorf("counts answer %+v, want 4 visible comments for https://news.test/budget", c)
		}
	})
}
