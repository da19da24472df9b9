package feeds

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func parseFixture(t *testing.T, name string) *Feed {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(body, "https://base.example/feeds/"+name, testNow)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return f
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestFixtures checks one item of each format fixture field by field.
func TestFixtures(t *testing.T) {
	tests := []struct {
		file      string
		feedTitle string
		feedLang  string
		items     int
		index     int // the item checked
		want      Item
	}{
		{"rss2.xml", "The Harbour & Town Gazette", "en-GB", 3, 1, Item{
			Key: "guid:gazette-1042", GUID: "gazette-1042",
			URL:   "https://gazette.example/2026/11/ferry-timetable?id=7",
			Title: "Ferry timetable changes — winter", Image: "https://cdn.gazette.example/ferry.jpg",
			Author: "Maren Olsen", Categories: []string{"Transport", "Harbour"},
			Published: date("2026-11-27T09:30:00Z"), Updated: date("2026-11-27T09:30:00Z"), Lang: "en-GB",
			CommentsFeed: "https://gazette.example/2026/11/ferry-timetable/feed", CommentCount: 12,
			CommentsURL: "https://gazette.example/2026/11/ferry-timetable#respond",
		}},
		{"rss2.xml", "The Harbour & Town Gazette", "en-GB", 3, 2, Item{
			Key: "guid:https://gazette.example/?p=1041", GUID: "https://gazette.example/?p=1041&utm_source=feed",
			URL: "https://gazette.example/2026/11/lighthouse", Title: "Lighthouse reopens",
			Image: "https://cdn.gazette.example/lighthouse.png", Author: "Ivo Berg",
			Published: date("2026-11-26T18:00:00Z"), Updated: date("2026-11-26T18:00:00Z"), Lang: "nb",
		}},
		{"rss091.xml", "Cafés du port", "fr", 1, 0, Item{
			Key: "url:http://cafes.example/creme", URL: "http://cafes.example/creme", Title: "Crème brûlée du jour",
			Published: testNow, Updated: testNow, Lang: "fr",
		}},
		{"atom10.xml", "Two Languages Blog", "en", 2, 0, Item{
			Key: "guid:tag:blog.example,2026:library", GUID: "tag:blog.example,2026:library",
			URL: "https://blog.example/posts/library", Title: "افتتاح المكتبة الجديدة", Author: "ليلى",
			Categories: []string{"ثقافة"},
			Published:  date("2026-11-27T08:00:00Z"), Updated: date("2026-11-27T09:00:00Z"), Lang: "ar",
			CommentsFeed: "https://blog.example/posts/library/comments.atom", CommentCount: 3,
		}},
		{"atom10.xml", "Two Languages Blog", "en", 2, 1, Item{
			Key: "guid:tag:blog.example,2026:updated", GUID: "tag:blog.example,2026:updated",
			URL: "https://blog.example/posts/updated", Title: "Only updated", Author: "Feed Author",
			Published: date("2026-11-26T08:00:00Z"), Updated: date("2026-11-26T08:00:00Z"), Lang: "en",
		}},
		{"atom03.xml", "Altes Atom", "de", 1, 0, Item{
			Key: "guid:tag:alt.example,2026:1", GUID: "tag:alt.example,2026:1", URL: "https://alt.example/eins",
			Title: "Erster Eintrag", Author: "Greta",
			Published: date("2026-11-20T09:00:00Z"), Updated: date("2026-11-20T10:00:00Z"), Lang: "de",
		}},
		{"rdf.xml", "RDF Weekly", "nl", 1, 0, Item{
			Key: "url:https://rdf.example/a", URL: "https://rdf.example/a", Title: "Fietsen in de regen",
			Author: "Joost", Categories: []string{"Verkeer"},
			Published: date("2026-11-25T06:15:00Z"), Updated: date("2026-11-25T06:15:00Z"), Lang: "nl",
		}},
		{"jsonfeed10.json", "Microblog One", "", 2, 1, Item{
			Key: "guid:1", GUID: "1", URL: "https://micro.example/1", Title: "Hello",
			Image: "https://micro.example/pics/hi.png", Author: "Sam", Categories: []string{"greeting", "meta"},
			Published: date("2026-11-23T16:00:00Z"), Updated: date("2026-11-23T16:00:00Z"),
		}},
		{"jsonfeed11.json", "Nouvelles", "fr-FR", 1, 0, Item{
			Key: "guid:https://nouvelles.example/a", GUID: "https://nouvelles.example/a",
			URL: "https://nouvelles.example/a", Title: "Marché de Noël",
			Image: "https://nouvelles.example/marche.jpg", Author: "Claire",
			Published: date("2026-11-26T08:00:00Z"), Updated: date("2026-11-26T09:00:00Z"), Lang: "fr-BE",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.want.Title, func(t *testing.T) {
			f := parseFixture(t, tt.file)
			if f.Title != tt.feedTitle || f.Lang != tt.feedLang {
				t.Errorf("feed title, lang = %q, %q; want %q, %q", f.Title, f.Lang, tt.feedTitle, tt.feedLang)
			}
			if len(f.Items) != tt.items {
				t.Fatalf("%d items, want %d", len(f.Items), tt.items)
			}
			got := f.Items[tt.index]
			// Compared elsewhere: HTML, hash.
			got.SummaryHTML, got.BodyHTML, got.Hash = "", "", ""
			if !got.Published.Equal(tt.want.Published) || !got.Updated.Equal(tt.want.Updated) {
				t.Errorf("dates = %v, %v; want %v, %v", got.Published, got.Updated, tt.want.Published, tt.want.Updated)
			}
			got.Published, got.Updated, tt.want.Published, tt.want.Updated = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if !itemsEqual(got, tt.want) {
				t.Errorf("item %d =\n%+v\nwant\n%+v", tt.index, got, tt.want)
			}
		})
	}
}

func itemsEqual(a, b Item) bool {
	return reflect.DeepEqual(a, b)
}

func TestSanitizedHTML(t *testing.T) {
	f := parseFixture(t, "rss2.xml")
	ferry := f.Items[1]
	for _, tt := range []struct {
		field, html string
		want        []string
		wantNot     []string
	}{
		{"summary", ferry.SummaryHTML,
			[]string{`<a href="https://gazette.example/winter"`, "Monday"},
			[]string{"onclick", "<script", "alert(1)", "fbclid"}},
		{"body", ferry.BodyHTML,
			[]string{"<em>drop</em>", `<img src="https://gazette.example/img/ferry-small.jpg">`, `href="https://tickets.example/buy?route=5"`},
			[]string{"style=", "onerror", "<iframe", "javascript:", "data:image", "utm_campaign"}},
	} {
		for _, w := range tt.want {
			if !strings.Contains(tt.html, w) {
				t.Errorf("%s = %q, want it to contain %q", tt.field, tt.html, w)
			}
		}
		for _, w := range tt.wantNot {
			if strings.Contains(tt.html, w) {
				t.Errorf("%s = %q, want no %q", tt.field, tt.html, w)
			}
		}
	}
	if f.TTL != 45*time.Minute {
		t.Errorf("TTL = %v, want 45m", f.TTL)
	}
	plain := parseFixture(t, "atom10.xml").Items[1].BodyHTML
	if want := "<p>Plain text with &lt;tags&gt; that are text.</p><p>Second paragraph.</p>"; plain != want {
		t.Errorf("Atom text content = %q, want %q", plain, want)
	}
}

func TestOrderAndFutureDates(t *testing.T) {
	f := parseFixture(t, "rss2.xml")
	var keys []string
	for _, it := range f.Items {
		keys = append(keys, it.Key)
	}
	// The item dated 2027 is clamped to now, which makes it the newest.
	want := []string{"guid:gazette-1043", "guid:gazette-1042", "guid:https://gazette.example/?p=1041"}
	if !slices.Equal(keys, want) {
		t.Errorf("order = %q, want %q", keys, want)
	}
	if !f.Items[0].Published.Equal(testNow) {
		t.Errorf("future item published %v, want clamped to %v", f.Items[0].Published, testNow)
	}
}

// TestTrackingOnlyChanges: two polls whose items differ only in tracking
// parameters give the same keys and hashes, so nothing is posted twice or
// flagged as edited.
func TestTrackingOnlyChanges(t *testing.T) {
	a, b := parseFixture(t, "tracking_a.xml"), parseFixture(t, "tracking_b.xml")
	if len(a.Items) != 2 || len(b.Items) != 2 {
		t.Fatalf("items %d and %d, want 2 each", len(a.Items), len(b.Items))
	}
	for i := range a.Items {
		if a.Items[i].Key != b.Items[i].Key {
			t.Errorf("item %d keys differ: %q vs %q", i, a.Items[i].Key, b.Items[i].Key)
		}
		if a.Items[i].Hash != b.Items[i].Hash {
			t.Errorf("item %d hashes differ:\n%+v\n%+v", i, a.Items[i], b.Items[i])
		}
	}
	if got, want := a.Items[0].URL, "https://tracked.example/one?page=2"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	if got, want := a.Items[1].Key, "guid:https://tracked.example/two"; got != want {
		t.Errorf("permalink guid key = %q, want %q", got, want)
	}
}

// TestEditedItem: the same guid with a changed title keeps its key and
// changes its hash.
func TestEditedItem(t *testing.T) {
	body, err := os.ReadFile("testdata/rss2.xml")
	if err != nil {
		t.Fatal(err)
	}
	before, err := Parse(body, "", testNow)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(body), "Lighthouse reopens", "Lighthouse reopens on Sunday", 1)
	after, err := Parse([]byte(edited), "", testNow.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if before.Items[2].Key != after.Items[2].Key {
		t.Errorf("key changed on edit: %q → %q", before.Items[2].Key, after.Items[2].Key)
	}
	if before.Items[2].Hash == after.Items[2].Hash {
		t.Errorf("hash unchanged after the title changed")
	}
	if before.Items[1].Hash != after.Items[1].Hash {
		t.Errorf("an untouched item's hash changed with the fetch time")
	}
}

func TestNoGUIDKeys(t *testing.T) {
	f := parseFixture(t, "noguid.xml")
	if got, want := f.Items[0].Key, "url:https://noguid.example/post"; got != want {
		t.Errorf("key = %q, want %q", got, want)
	}
	if k := f.Items[1].Key; !strings.HasPrefix(k, "hash:") || len(k) != len("hash:")+64 {
		t.Errorf("key = %q, want hash: and a sha256", k)
	}
	again := parseFixture(t, "noguid.xml")
	if f.Items[1].Key != again.Items[1].Key {
		t.Errorf("hash key not stable across parses")
	}
}

func TestNotAFeed(t *testing.T) {
	for _, tt := range []struct {
		name, body, want string
	}{
		{"html", "<!DOCTYPE html><html><body>hello</body></html>", "not a feed: got text/html"},
		{"empty", "  \n ", "not a feed: the document is empty"},
		{"other xml", `<?xml version="1.0"?><note><to>x</to></note>`, "not a feed: no RSS, Atom, RDF or JSON Feed document found"},
		{"json object", `{"hello": "world"}`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.body), "", testNow)
			var nf *NotFeedError
			if tt.want == "" {
				return // any outcome but a panic
			}
			if !errors.As(err, &nf) || err.Error() != tt.want {
				t.Errorf("error = %v, want *NotFeedError %q", err, tt.want)
			}
		})
	}
}

func TestEncodings(t *testing.T) {
	utf16 := []byte{0xFF, 0xFE}
	for _, r := range `<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><title>Ünï</title></channel></rss>` {
		utf16 = append(utf16, byte(r), byte(r>>8))
	}
	for _, tt := range []struct {
		name string
		body []byte
		want string
	}{
		{"windows-1251", append([]byte(`<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel><title>`), append([]byte{0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2}, []byte(`</title></channel></rss>`)...)...), "Привет"},
		{"utf-16 with BOM", utf16, "Ünï"},
		{"utf-8 BOM", append([]byte{0xEF, 0xBB, 0xBF}, []byte(`<rss version="2.0"><channel><title>bom</title></channel></rss>`)...), "bom"},
		{"utf-8 labelled utf-16", []byte(`<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><title>Grüße</title></channel></rss>`), "Grüße"},
		{"unknown label", []byte(`<?xml version="1.0" encoding="x-klingon"?><rss version="2.0"><channel><title>qapla</title></channel></rss>`), "qapla"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.body, "", testNow)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if f.Title != tt.want {
				t.Errorf("title = %q, want %q", f.Title, tt.want)
			}
		})
	}
}

func TestCanonicalURL(t *testing.T) {
	base := mustURL("https://site.example/blog/")
	for _, tt := range []struct{ in, want string }{
		{"post?utm_source=a&utm_medium=b&id=3#frag", "https://site.example/blog/post?id=3"},
		{"/x?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&ref_src=5", "https://site.example/x"},
		{"HTTPS://Site.EXAMPLE/A?b=1&UTM_Term=z&c=2", "https://site.example/A?b=1&c=2"},
		{"javascript:alert(1)", ""},
		{"mailto:a@b.example", ""},
		{"  ", ""},
		{"https://user:pw@site.example/p", "https://site.example/p"},
	} {
		if got := canonicalURL(tt.in, base, true); got != tt.want {
			t.Errorf("canonicalURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEligible(t *testing.T) {
	for _, tt := range []struct {
		age        time.Duration
		maxAge     time.Duration
		want       bool
		wantReason string
	}{
		{time.Hour, 72 * time.Hour, true, ""},
		{73 * time.Hour, 72 * time.Hour, false, "older than 3 days"},
		{3 * time.Hour, 2 * time.Hour, false, "older than 2 hours"},
		{1000 * time.Hour, 0, true, ""},
	} {
		got, reason := Eligible(Item{Published: testNow.Add(-tt.age)}, testNow, tt.maxAge)
		if got != tt.want || reason != tt.wantReason {
			t.Errorf("Eligible(age %v, max %v) = %v, %q; want %v, %q", tt.age, tt.maxAge, got, reason, tt.want, tt.wantReason)
		}
	}
}

func TestPlainText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"<p>One</p><p>Two &amp; three</p>", "One Two & three"},
		{"a <script>x()</script>b", "a b"},
		{"AT&T\n\t rocks", "AT&T rocks"},
		{"1 < 2", "1 < 2"},
	} {
		if got := PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseErrorsAreClear(t *testing.T) {
	for _, tt := range []struct{ name, body, want string }{
		{"json type", `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","tags":"one"}]}`,
			`parse feed: JSON Feed field "items.tags" is a string, not the []string the format wants`},
		{"xml syntax", `<rss version="2.0"><channel><title>x</title><item><title>]]></title></item></channel></rss>`,
			"parse feed: XML syntax error on line 1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.body), "", testNow)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestSanitizeHostileHTML(t *testing.T) {
	n := newNormalizer(mustURL("https://site.example/blog/post"), testNow, "", "")
	for _, tt := range []struct{ in, want string }{
		{`<a href="JaVaScRiPt:alert(1)">x</a>`, "x"},
		{`<a href=" javascript:alert(1)">x</a>`, "x"},
		{`<img src="data:image/svg+xml;base64,PHN2Zz4=">`, ""},
		{`<svg onload="alert(1)"><circle/></svg>ok`, "ok"},
		{`<object data="x.swf"></object><embed src="y"><form action="/f"><input></form>ok`, "ok"},
		{`<style>body{}</style><script>x</script><iframe src="https://e.example/"></iframe>ok`, "ok"},
		{`<p style="position:fixed" class="x" onmouseover="y">t</p>`, "<p>t</p>"},
		{`<a href="../other?utm_source=a&amp;x=1#sec">o</a>`, `<a href="https://site.example/other?x=1#sec" rel="nofollow">o</a>`},
		{`<img src="//cdn.example/i.png" alt="i">`, `<img src="https://cdn.example/i.png" alt="i">`},
		{`<a href="mailto:ed@site.example">mail</a>`, `<a href="mailto:ed@site.example" rel="nofollow">mail</a>`},
	} {
		got, _ := n.sanitize(tt.in, false)
		if got != tt.want {
			t.Errorf("sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
