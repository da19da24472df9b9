package bot

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/heraldchat/herald/config"
)

// filterField is the part of an article a pattern looks at.
type filterField string

const (
	fieldAny      filterField = "any"
	fieldTitle    filterField = "title"
	fieldBody     filterField = "body" // summary and body text
	fieldAuthor   filterField = "author"
	fieldCategory filterField = "category" // matches when any one category does
)

type fieldRegex struct {
	field filterField
	re    *regexp.Regexp
}

// filter keeps or drops articles. An article is dropped when any exclude
// pattern matches; otherwise, when there are include patterns, it is kept
// if any of them matches (match: any, the default) or all of them do
// (match: all). No patterns keep everything.
type filter struct {
	include, exclude []fieldRegex
	all              bool
}

// compileFilter checks and compiles filters; the error names the pattern.
// Patterns are Go regular expressions (RE2) matched as written; write (?i)
// for a case-insensitive match.
func compileFilter(f config.Filters) (*filter, error) {
	out := &filter{}
	switch strings.ToLower(f.Match) {
	case "", "any":
	case "all":
		out.all = true
	default:
		return nil, fmt.Errorf("filters.match: %q is neither \"any\" nor \"all\"", f.Match)
	}
	var err error
	if out.include, err = compilePatterns("include", f.Include); err != nil {
		return nil, err
	}
	if out.exclude, err = compilePatterns("exclude", f.Exclude); err != nil {
		return nil, err
	}
	return out, nil
}

func compilePatterns(what string, ps []config.Pattern) ([]fieldRegex, error) {
	out := make([]fieldRegex, 0, len(ps))
	for i, p := range ps {
		field := filterField(strings.ToLower(p.Field))
		switch field {
		case "":
			field = fieldAny
		case fieldAny, fieldTitle, fieldBody, fieldAuthor, fieldCategory:
		default:
			return nil, fmt.Errorf("filters.%s[%d].field: %q is not one of title, body, author, category, any", what, i, p.Field)
		}
		re, err := regexp.Compile(p.Regex)
		if err != nil {
			return nil, fmt.Errorf("filters.%s[%d].regex: %w", what, i, err)
		}
		out = append(out, fieldRegex{field: field, re: re})
	}
	return out, nil
}

// Keep says whether the article passes; a nil filter keeps everything.
func (f *filter) Keep(a *Article) bool {
	if f == nil {
		return true
	}
	var fields filterFields
	for _, p := range f.exclude {
		if fields.match(a, p) {
			return false
		}
	}
	if len(f.include) == 0 {
		return true
	}
	for _, p := range f.include {
		ok := fields.match(a, p)
		if ok && !f.all {
			return true
		}
		if !ok && f.all {
			return false
		}
	}
	return f.all
}

// filterFields computes an article's body text once, on first use.
type filterFields struct {
	body  string
	ready bool
}

func (ff *filterFields) match(a *Article, p fieldRegex) bool {
	switch p.field {
	case fieldTitle:
		return p.re.MatchString(a.Title)
	case fieldAuthor:
		return p.re.MatchString(a.Author)
	case fieldBody:
		return p.re.MatchString(ff.text(a))
	case fieldCategory:
		for _, c := range a.Categories {
			if p.re.MatchString(c) {
				return true
			}
		}
		return false
	}
	if p.re.MatchString(a.Title) || p.re.MatchString(a.Author) || p.re.MatchString(ff.text(a)) {
		return true
	}
	for _, c := range a.Categories {
		if p.re.MatchString(c) {
			return true
		}
	}
	return false
}

func (ff *filterFields) text(a *Article) string {
	if !ff.ready {
		// Patterns match the text a reader sees, never markup.
		ff.body, ff.ready = a.Summary.PlainText()+"\n"+a.Body.PlainText(), true
	}
	return ff.body
}
