package render

import (
	"html/template"
	"strings"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/richtext/webhtml"
)

// WebSummaryRunes caps a card's summary; the page links to the article.
const WebSummaryRunes = 2000

// WebArticle is the article card for the web page: the title as a link,
// author and date, the image, and the summary, every text marked
// dir="auto" so right-to-left articles read correctly.
func WebArticle(a bot.Article) (template.HTML, error) {
	var b strings.Builder
	b.WriteString(`<article class="card" dir="auto">`)
	title := webhtml.Attr(oneLine(a.Title))
	if title == "" {
		title = webhtml.Attr(a.URL)
	}
	b.WriteString(`<h2 class="card-title" dir="auto">`)
	if richtext.SafeURL(a.URL) {
		b.WriteString(`<a href="` + webhtml.Attr(strings.TrimSpace(a.URL)) + `" rel="` + webhtml.LinkRel + `">` + title + `</a>`)
	} else {
		b.WriteString(title)
	}
	b.WriteString(`</h2>`)
	var meta []string
	if author := oneLine(a.Author); author != "" {
		meta = append(meta, `<span class="author" dir="auto">`+webhtml.Attr(author)+`</span>`)
	}
	if !a.Published.IsZero() {
		meta = append(meta, `<time datetime="`+a.Published.UTC().Format("2006-01-02T15:04:05Z")+`">`+
			a.Published.UTC().Format("2 Jan 2006 15:04 UTC")+`</time>`)
	}
	if len(meta) > 0 {
		b.WriteString(`<p class="meta">` + strings.Join(meta, " · ") + `</p>`)
	}
	if richtext.SafeURL(a.Image) {
		// The article's own image: no referrer, loaded lazily.
		b.WriteString(`<img class="card-image" src="` + webhtml.Attr(strings.TrimSpace(a.Image)) +
			`" alt="" loading="lazy" referrerpolicy="no-referrer">`)
	}
	summary := richtext.Truncate(a.Summary, WebSummaryRunes, richtext.Runes)
	b.WriteString(`<div class="summary" dir="auto">` + string(webhtml.HTML(summary)) + `</div>`)
	b.WriteString(`</article>`)
	return template.HTML(b.String()), nil //nolint:gosec // built from escaped pieces only
}
