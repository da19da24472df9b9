package render

import (
	"strings"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
)

// fixture is one article and the options it is rendered with.
type fixture struct {
	name    string
	article bot.Article
	opts    Options
}

var published = time.Date(2026, 11, 3, 14, 30, 0, 0, time.UTC)

func article(title, url, summaryHTML string) bot.Article {
	return bot.Article{
		GUID: url, URL: url, Title: title, Summary: richtext.FromHTML(summaryHTML),
		Author: "Newsroom", Published: published, Image: "https://img.example/lead.jpg",
	}
}

func fixtures() []fixture {
	long := strings.Repeat("<p>السلام عليكم — a long paragraph about the news of the day, with 👩‍👩‍👧‍👦 and <a href=\"https://example.com/more\">a link</a> in it. ", 60) + "</p>"
	hostile := article("@everyone look <@&1> <@123> @here", "https://news.example/hostile",
		`<p>Hi @everyone and @here, also <@&123456> and <@!42> and <#99>.</p><p>@everyone</p>`)
	hostile.Author = "@everyone"
	xss := article(`<script>alert(1)</script> "quoted"`, "javascript:alert(1)",
		`<p onclick="alert(1)">Safe text<script>alert(2)</script><img src="x" onerror="alert(3)"><img src="javascript:alert(4)" alt="js image">`+
			`<a href="javascript:alert(5)">js link</a> <a href="data:text/html,<script>alert(6)</script>">data link</a>`+
			`<iframe src="https://evil.example"></iframe><style>body{display:none}</style></p>`)
	xss.Image = "javascript:alert(7)"
	noTitle := article("", "https://news.example/untitled", "")
	noTitle.Author = ""
	noTitle.Published = time.Time{}
	templated := article("Templated *title*", "https://news.example/t", "<p>The <b>summary</b>.</p>")
	templated.Categories = []string{"world", "_politics_"}

	return []fixture{
		{"plain-english", article("Council approves new bike lanes", "https://news.example/bikes",
			`<p>The city council voted <b>7-2</b> on Tuesday to approve <em>12 km</em> of protected bike lanes.</p>`), Options{FeedName: "City News", Colour: 0x2b6cb0}},
		{"arabic", article("اجتماع وزراء الخارجية العرب في القاهرة", "https://news.example/ar/1",
			`<p>عقد وزراء الخارجية العرب <strong>اجتماعاً طارئاً</strong> اليوم في القاهرة لبحث المستجدات.</p><p>وقال المتحدث: «نَأْمُلُ في التَّوَصُّلِ إلى اتِّفاق».</p>`), Options{FeedName: "أخبار العالم"}},
		{"arabic-plain", article("اجتماع وزراء الخارجية العرب في القاهرة", "https://news.example/ar/1",
			`<p>عقد وزراء الخارجية العرب اجتماعاً طارئاً اليوم.</p>`), Options{FeedName: "أخبار العالم", PlainText: true}},
		{"mixed-rtl-ltr", article("Apple تطلق iPhone 17 في 2026", "https://news.example/mixed",
			`<p>أعلنت شركة <b>Apple</b> اليوم عن iPhone 17 بسعر 999 دولار (USD).</p>`), Options{FeedName: "Tech"}},
		{"emoji-zwj", article("👩‍👩‍👧‍👦 Families 🇸🇦🇫🇷 celebrate 🏳️‍🌈 pride 👨🏽‍💻", "https://news.example/emoji",
			`<p>Emoji test: 👩‍👩‍👧‍👦 👨🏽‍💻 🏳️‍🌈 🇸🇦 e&#x301; ✊🏿</p>`), Options{FeedName: "Emoji Daily"}},
		{"very-long", article("A very long article", "https://news.example/long", long), Options{FeedName: "Long Reads"}},
		{"very-long-plain", article("A very long article", "https://news.example/long", long), Options{FeedName: "Long Reads", PlainText: true}},
		{"long-title", article(strings.Repeat("عنوان طويل جداً 👩‍👩‍👧‍👦 ", 30), "https://news.example/lt", "<p>x</p>"), Options{FeedName: strings.Repeat("Feed ", 500)}},
		{"combining-marks", article("Z̷̢̛a̸̧͝l̵̨̛g̷̢̛o̸̧͝ "+strings.Repeat("Tiếng Việt có dấu ", 20), "https://news.example/vi",
			`<p>Tiếng Việt: Đây là một bài báo.</p>`), Options{FeedName: "Tin tức"}},
		{"html-heavy", article("HTML heavy", "https://news.example/html",
			`<h2>Section</h2><p>Intro with <b>bold <i>and italic</i></b>, <u>under</u>, <del>gone</del>, <code>x := 1</code>.</p>`+
				`<ul><li>one</li><li>two <a href="https://example.com/2">link</a></li></ul><ol><li>first</li><li>second</li></ol>`+
				`<blockquote><p>A quote.</p></blockquote>`+"<pre><code class=\"language-go\">func main() {\n\tfmt.Println(\"hi\")\n}</code></pre>"+
				`<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table><p><img src="https://img.example/inline.png" alt="A chart"></p>`), Options{FeedName: "HTML"}},
		{"hostile-mentions", hostile, Options{FeedName: "@here feed"}},
		{"masked-link-tricks", article("[https://bank.example](https://evil.example)", "https://news.example/masked",
			`<p><a href="https://evil.example/login">https://bank.example/login</a> and <a href="https://evil.example">bank.com</a> and `+
				`<a href="https://news.example/ok">a fair label</a>; text: [https://bank.example](https://evil.example) and [click](https://evil.example)</p>`), Options{FeedName: "Links"}},
		{"script-xss", xss, Options{FeedName: "XSS"}},
		{"markdown-breakout", article("**bold** __u__ ~~s~~ ||spoiler|| `code` # head > quote", "https://news.example/md",
			"<p>Try to close: ** __ ~~ || ``` and open: <code>``` ` ``</code></p><pre><code>```\n@everyone\n```</code></pre><p>- not a list\n# not a heading\n> not a quote</p>"), Options{FeedName: "MD"}},
		{"no-title-no-summary", noTitle, Options{FeedName: "Bare"}},
		{"role-mention", article("Breaking: election results", "https://news.example/elect", "<p>Results are in.</p>"), Options{FeedName: "Politics", MentionRole: "123456789012345678"}},
		{"template", templated, Options{FeedName: "Tpl", Template: "**{{.Title}}** by {{.Author}}\n{{range .Categories}}#{{.}} {{end}}\n{{.Summary}}"}},
		{"matrix-text", article("Room notice test @room", "https://news.example/room", "<p>Hello @room, <b>read</b> this.</p>"), Options{FeedName: "Rooms", MatrixText: true}},
	}
}
