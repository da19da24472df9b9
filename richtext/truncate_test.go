package richtext

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/rivo/uniseg"
)

// clusters splits a string into grapheme clusters.
func clusters(s string) []string {
	var out []string
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		out = append(out, g.Str())
	}
	return out
}

// isClusterPrefix says whether p is made of whole leading clusters of s.
func isClusterPrefix(p, s string) bool {
	if !strings.HasPrefix(s, p) {
		return false
	}
	n := 0
	for _, c := range clusters(s) {
		if n == len(p) {
			return true
		}
		n += len(c)
	}
	return n == len(p)
}

func TestTruncateStringKeepsClusters(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		m    Measure
		want string
	}{
		{"fits", "hello", 5, Runes, "hello"},
		{"ascii words", "hello wonderful world", 12, Runes, "hello…"},
		{"ascii no space", "abcdefghij", 5, Runes, "abcd…"},
		{"too small for ellipsis", "abcdef", 0, Runes, ""},
		{"combining mark", "cafe\u0301 cafe\u0301", 5, Runes, "caf…"},
		{"combining mark kept", "cafe\u0301 cafe\u0301", 6, Runes, "cafe\u0301…"},
		{"emoji zwj family", "👩‍👩‍👧‍👦👩‍👩‍👧‍👦", 8, Runes, "👩‍👩‍👧‍👦…"},
		{"emoji zwj family cut before", "👩‍👩‍👧‍👦👩‍👩‍👧‍👦", 7, Runes, "…"},
		{"flags", "🇸🇦🇫🇷🇩🇪", 5, Runes, "🇸🇦🇫🇷…"},
		{"arabic with harakat bytes", "مَرْحَبًا بِالعَالَمِ", 20, Bytes, "مَرْحَبً…"},
		{"bytes limit", "añb", 3, Bytes, "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TruncateString(tt.in, tt.max, tt.m)
			if got != tt.want {
				t.Errorf("TruncateString(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if tt.m(got) > tt.max {
				t.Errorf("length %d > max %d", tt.m(got), tt.max)
			}
			if p := strings.TrimSuffix(got, Ellipsis); !isClusterPrefix(p, tt.in) {
				t.Errorf("%q is not whole clusters of %q", p, tt.in)
			}
		})
	}
}

func TestTruncateTextDropsLinksWhole(t *testing.T) {
	doc := Doc(Para(Str("Read "), A("https://example.com/a-very-long-path", Str("the full story")), Str(" now")))
	tests := []struct {
		max  int
		want Text
	}{
		{100, doc},
		{10, Doc(Para(Str("Read"), Str(Ellipsis)))},
		{20, Doc(Para(Str("Read "), A("https://example.com/a-very-long-path", Str("the full story")), Str(Ellipsis)))},
	}
	for _, tt := range tests {
		got := Truncate(doc, tt.max, Runes)
		if !reflect.DeepEqual(Normalize(got), Normalize(tt.want)) {
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(tt.want)
			t.Errorf("Truncate(max=%d) = %s, want %s", tt.max, gj, wj)
		}
		if n := Runes(got.PlainText()); n > tt.max {
			t.Errorf("Truncate(max=%d) plain text has %d runes", tt.max, n)
		}
	}
}

func TestTruncateTextArabicAndEmoji(t *testing.T) {
	doc := Doc(
		Para(B(Str("عاجل: ")), Str("اجتماع وزراء الخارجية العرب في القاهرة 👩🏽‍💻 اليوم")),
		Para(Str("second paragraph")),
	)
	for max := 0; max <= Runes(doc.PlainText())+1; max++ {
		got := Truncate(doc, max, Runes)
		plain := got.PlainText()
		if n := Runes(plain); n > max {
			t.Fatalf("max %d: plain text %q has %d runes", max, plain, n)
		}
		// Whatever is kept is whole clusters of the original content.
		kept := strings.TrimSuffix(plain, Ellipsis)
		if !isClusterPrefix(strings.ReplaceAll(kept, "\n\n", ""), strings.ReplaceAll(doc.PlainText(), "\n\n", "")) {
			t.Fatalf("max %d: %q is not whole clusters of the original", max, kept)
		}
	}
}

func TestSplitPrefersParagraphsThenLinesThenWords(t *testing.T) {
	render := func(t Text) string { return t.PlainText() }
	tests := []struct {
		name  string
		in    Text
		limit int
		want  []string
	}{
		{"paragraphs", Doc(Para(Str("aaaa bbbb")), Para(Str("cccc dddd"))), 12, []string{"aaaa bbbb", "cccc dddd"}},
		{"lines", Doc(Para(Str("aaaa"), Br(), Str("bbbb cccc"), Br(), Str("dd"))), 12, []string{"aaaa", "bbbb cccc\ndd"}},
		{"words", Doc(Para(Str("aaaa bbbb cccc dddd"))), 10, []string{"aaaa bbbb", "cccc dddd"}},
		{"graphemes", Doc(Para(Str("👩‍👩‍👧‍👦👩‍👩‍👧‍👦👩‍👩‍👧‍👦"))), 8, []string{"👩‍👩‍👧‍👦", "👩‍👩‍👧‍👦", "👩‍👩‍👧‍👦"}},
		{"link kept whole", Doc(Para(Str("see "), A("https://x.example", Str("this link")), Str(" ok"))), 10, []string{"see", "this link", "ok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.in, tt.limit, Runes, render)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Split = %q, want %q", got, tt.want)
			}
			for _, p := range got {
				if Runes(p) > tt.limit {
					t.Errorf("part %q longer than %d", p, tt.limit)
				}
			}
		})
	}
}

func TestSplitKeepsFormattingAcrossParts(t *testing.T) {
	doc := Doc(Para(B(Str("bold words here"))))
	parts := SplitText(doc, 10, Runes, func(t Text) string { return t.PlainText() })
	want := []Text{Doc(Para(B(Str("bold words")))), Doc(Para(B(Str("here"))))}
	if !reflect.DeepEqual(parts, want) {
		gj, _ := json.Marshal(parts)
		t.Errorf("SplitText = %s", gj)
	}
}

func TestTextJSONRoundTrip(t *testing.T) {
	doc := Doc(H(2, Str("T")), Para(B(I(Str("x"))), Br(), C("c"), A("https://a.example", Str("l")), Img("https://i.example/p.png", "alt"), At("1", "n"), Sp(U(S(Str("s"))))),
		Pre("go", "x\n"), Q(Para(Str("q"))), OL(Li(Para(Str("1")))), UL(Li(Para(Str("b")))))
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var back Text
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, doc) {
		t.Errorf("round trip changed the text:\n got %+v\nwant %+v", back, doc)
	}
}

func TestIsEmptyAndPlainText(t *testing.T) {
	tests := []struct {
		in    Text
		empty bool
		plain string
	}{
		{Text{}, true, ""},
		{Doc(Para(Str("  "), Br())), true, "  \n"},
		{Doc(Para(Str("a"), Br(), B(Str("b"))), UL(Li(Para(Str("x"))), Li(Para(Str("y"))))), false, "a\nb\n\n• x\n• y"},
		{Doc(Para(At("1", "bob"), Str(" "), Img("https://i.example/a.png", ""))), false, "@bob https://i.example/a.png"},
	}
	for _, tt := range tests {
		if got := tt.in.IsEmpty(); got != tt.empty {
			t.Errorf("IsEmpty(%+v) = %v, want %v", tt.in, got, tt.empty)
		}
		if got := tt.in.PlainText(); got != tt.plain {
			t.Errorf("PlainText = %q, want %q", got, tt.plain)
		}
	}
}

func TestTruncateFuncMatchesTruncate(t *testing.T) {
	doc := Doc(Para(Str("one two three "), B(Str("four five")), Str(" six")), Para(A("https://x.example", Str("seven eight"))))
	for max := 0; max <= Runes(doc.PlainText())+1; max++ {
		want := Truncate(doc, max, Runes)
		got := TruncateFunc(doc, func(x Text) bool { return Runes(x.PlainText()) <= max })
		if !reflect.DeepEqual(Normalize(got), Normalize(want)) {
			t.Errorf("max %d: TruncateFunc %q, Truncate %q", max, got.PlainText(), want.PlainText())
		}
	}
	if got := TruncateFunc(doc, func(Text) bool { return false }); len(got.Blocks) != 0 {
		t.Errorf("nothing fits, got %q", got.PlainText())
	}
}
