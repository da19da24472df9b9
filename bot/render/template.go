package render

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"text/template"
	"text/template/parse"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/richtext/discordmd"
)

// A route's template is Go text/template over TemplateData. Its output is
// Markdown (Discord's dialect, which also covers the common subset) and is
// read back into rich text, so one template serves Discord, Matrix and the
// web alike. The data's text fields are already escaped Markdown, so a
// title cannot inject formatting, links or mentions.
//
// It replaces the embed description (or the whole content with
// plain_text, or the Matrix body): title, link, image and footer stay.

// TemplateData is what a template sees.
type TemplateData struct {
	Title      string // escaped for Markdown
	URL        string
	Summary    string // Markdown of the summary
	Author     string // escaped for Markdown
	Feed       string // escaped for Markdown
	Image      string
	Categories []string // escaped for Markdown, at most maxCategories
	Published  time.Time
	Lang       string
}

// Limits on templates: output size, run time, loop nesting.
const (
	maxTemplateOutput = 16 << 10
	templateTimeout   = 200 * time.Millisecond
	maxCategories     = 20
	maxRangeNesting   = 2
)

var errTemplateTooLong = errors.New("template output is longer than 16 KiB")

// CheckTemplate parses a template and checks it against the limits, so a
// config check can report a bad template before anything is posted.
func CheckTemplate(src string) error {
	_, err := parseTemplate(src)
	return err
}

func parseTemplate(src string) (*template.Template, error) {
	t, err := template.New("article").Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	if t.Tree == nil {
		return t, nil
	}
	if err := checkRanges(t.Tree.Root, 0); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	return t, nil
}

// checkRanges allows range only over fields (.Categories), at most two
// deep: ranging over a number ({{range 1000000000}}) could keep a poller
// busy for minutes, and text/template cannot be interrupted.
func checkRanges(n parse.Node, depth int) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := checkRanges(c, depth); err != nil {
				return err
			}
		}
	case *parse.RangeNode:
		if depth+1 > maxRangeNesting {
			return fmt.Errorf("line %d: range nested more than %d deep", n.Line, maxRangeNesting)
		}
		if !rangesOverField(n.Pipe) {
			return fmt.Errorf("line %d: range may only go over a field such as .Categories", n.Line)
		}
		if err := checkRanges(n.List, depth+1); err != nil {
			return err
		}
		if n.ElseList != nil {
			return checkRanges(n.ElseList, depth+1)
		}
	case *parse.IfNode:
		if err := checkRanges(n.List, depth); err != nil {
			return err
		}
		if n.ElseList != nil {
			return checkRanges(n.ElseList, depth)
		}
	case *parse.WithNode:
		if err := checkRanges(n.List, depth); err != nil {
			return err
		}
		if n.ElseList != nil {
			return checkRanges(n.ElseList, depth)
		}
	case *parse.TemplateNode:
		return fmt.Errorf("line %d: {{template}} is not allowed", n.Line)
	}
	return nil
}

func rangesOverField(p *parse.PipeNode) bool {
	if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	switch p.Cmds[0].Args[0].(type) {
	case *parse.FieldNode, *parse.VariableNode, *parse.DotNode:
		return true
	}
	return false
}

// limitedBuffer fails writes past its size, which stops a template that
// would print too much.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, errTemplateTooLong
	}
	return b.Buffer.Write(p)
}

func templateData(a bot.Article, feed string) TemplateData {
	esc := func(s string) string { return discordmd.Render(richtext.Doc(richtext.Para(richtext.Str(oneLine(s))))) }
	d := TemplateData{
		Title:     esc(a.Title),
		Summary:   discordmd.Render(a.Summary),
		Author:    esc(a.Author),
		Feed:      esc(feed),
		Published: a.Published,
		Lang:      oneLine(a.Lang),
	}
	if richtext.SafeURL(a.URL) {
		d.URL = strings.TrimSpace(a.URL)
	}
	if richtext.SafeURL(a.Image) {
		d.Image = strings.TrimSpace(a.Image)
	}
	for i, c := range a.Categories {
		if i == maxCategories {
			break
		}
		d.Categories = append(d.Categories, esc(c))
	}
	return d
}

// articleBody runs the route's template, if it has one, and reads its
// Markdown output as rich text. It returns nil without a template.
func articleBody(a bot.Article, o Options) (*richtext.Text, error) {
	if strings.TrimSpace(o.Template) == "" {
		return nil, nil
	}
	t, err := parseTemplate(o.Template)
	if err != nil {
		return nil, err
	}
	out := &limitedBuffer{max: maxTemplateOutput}
	done := make(chan error, 1)
	data := templateData(a, o.FeedName)
	// text/template cannot be cancelled: the range check above keeps runs
	// short, and the timeout makes a surprise an error rather than a hang.
	go func() { done <- t.Execute(out, data) }()
	timer := time.NewTimer(templateTimeout)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil {
			return nil, fmt.Errorf("template: %w", err)
		}
	case <-timer.C:
		return nil, fmt.Errorf("template: ran longer than %v", templateTimeout)
	}
	text := discordmd.Parse(out.String())
	return &text, nil
}
