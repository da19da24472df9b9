package reliability

import (
	"fmt"
	"testing"

	"maunium.net/go/mautrix/id"
)

// comment is one comment the test wrote: where, and in which article.
type comment struct {
	Token   string
	Article string // the article's token
	On      string // "discord" or "matrix": where it was written
}

// figures are one platform's exactly-once counts.
type figures struct {
	Platform   string
	Articles   int // expected
	Comments   int // expected
	Lost       int // expected but not there (or not in its thread)
	Duplicated int // there more than once
}

func (f figures) String() string {
	return fmt.Sprintf("%s: %d articles, %d comments: lost: %d, duplicated: %d",
		f.Platform, f.Articles, f.Comments, f.Lost, f.Duplicated)
}

// tally checks every article once at the top level of the channel and the
// room, and every comment once in its article's thread on each platform.
// Missing and misplaced copies count as lost; extra copies as duplicated.
func (p *platforms) tally(articles []string, comments []comment) ([]figures, []string, error) {
	tokens := append([]string(nil), articles...)
	for _, c := range comments {
		tokens = append(tokens, c.Token)
	}
	c, err := p.count(tokens)
	if err != nil {
		return nil, nil, err
	}
	d := figures{Platform: "discord", Articles: len(articles), Comments: len(comments)}
	m := figures{Platform: "matrix", Articles: len(articles), Comments: len(comments)}
	var problems []string
	judge := func(f *figures, what string, here, want int, why ...string) {
		switch {
		case here == 0 && want == 1:
			f.Lost++
			problems = append(problems, fmt.Sprintf("%s: %s missing", f.Platform, what))
		case want > 1 || here > 1:
			f.Duplicated++
			problems = append(problems, fmt.Sprintf("%s: %s %d times %v", f.Platform, what, max(want, here), why))
		}
	}
	for _, a := range articles {
		top, other := 0, 0
		for _, ch := range c.discord[a] {
			if ch == p.Channel {
				top++
			} else {
				other++
			}
		}
		judge(&d, "article "+a, top, top+other)
		top, other = 0, 0
		for _, th := range c.matrix[a] {
			if th == "" {
				top++
			} else {
				other++
			}
		}
		judge(&m, "article "+a, top, top+other, c.matrixWhy[a]...)
	}
	for _, cm := range comments {
		r := p.root(cm.Article)
		in, all := 0, len(c.discord[cm.Token])
		for _, ch := range c.discord[cm.Token] {
			if ch == r.Discord {
				in++
			}
		}
		judge(&d, "comment "+cm.Token+" (written on "+cm.On+")", in, all)
		in, all = 0, len(c.matrix[cm.Token])
		for _, th := range c.matrix[cm.Token] {
			if th == r.Matrix && r.Matrix != id.EventID("") {
				in++
			}
		}
		judge(&m, "comment "+cm.Token+" (written on "+cm.On+")", in, all, c.matrixWhy[cm.Token]...)
	}
	return []figures{d, m}, problems, nil
}

// complete reports whether every article and comment is on both platforms
// at least once (the run is over when it is and the outbox is empty).
func (p *platforms) complete(articles []string, comments []comment) bool {
	f, _, err := p.tally(articles, comments)
	if err != nil {
		return false
	}
	return f[0].Lost == 0 && f[1].Lost == 0
}

// report prints the figures and fails the test unless every one is zero.
func report(t testing.TB, name string, fs []figures, problems []string) {
	t.Helper()
	for _, f := range fs {
		t.Logf("%s: %s", name, f)
		fmt.Printf("RELIABILITY %s %s\n", name, f)
	}
	for i, pr := range problems {
		if i == 40 {
			t.Errorf("… and %d more", len(problems)-40)
			break
		}
		t.Error(pr)
	}
}
