package bot

import (
	"testing"

	"github.com/heraldchat/herald/config"
	"github.com/heraldchat/herald/richtext"
)

func TestFilterKeep(t *testing.T) {
	a := Article{
		Title:      "Go 1.26 released",
		Summary:    richtext.FromHTML("<p>The <b>new</b> release brings generic methods.</p>"),
		Body:       richtext.FromHTML("<p>Full notes on <a href='https://go.dev'>go.dev</a>.</p>"),
		Author:     "Gopher Team",
		Categories: []string{"Releases", "Go"},
	}
	p := func(field, re string) config.Pattern { return config.Pattern{Field: field, Regex: re} }
	tests := []struct {
		name string
		f    config.Filters
		want bool
	}{
		{"no patterns keep all", config.Filters{}, true},
		{"include title", config.Filters{Include: []config.Pattern{p("title", `^Go 1\.\d+`)}}, true},
		{"include title misses", config.Filters{Include: []config.Pattern{p("title", `Rust`)}}, false},
		{"include body sees text, not markup", config.Filters{Include: []config.Pattern{p("body", `new release`)}}, true},
		{"body never sees tags", config.Filters{Include: []config.Pattern{p("body", `<b>`)}}, false},
		{"body covers the full body", config.Filters{Include: []config.Pattern{p("body", `Full notes`)}}, true},
		{"include author", config.Filters{Include: []config.Pattern{p("author", `(?i)gopher`)}}, true},
		{"patterns are case sensitive as written", config.Filters{Include: []config.Pattern{p("author", `gopher`)}}, false},
		{"include any category", config.Filters{Include: []config.Pattern{p("category", `^Go$`)}}, true},
		{"category does not see the title", config.Filters{Include: []config.Pattern{p("category", `released`)}}, false},
		{"field any sees title", config.Filters{Include: []config.Pattern{p("", `released`)}}, true},
		{"field any sees categories", config.Filters{Include: []config.Pattern{p("any", `Releases`)}}, true},
		{"match any: one of two", config.Filters{Include: []config.Pattern{p("title", `Rust`), p("author", `Gopher`)}}, true},
		{"match all: one of two", config.Filters{Match: "all", Include: []config.Pattern{p("title", `Rust`), p("author", `Gopher`)}}, false},
		{"match all: both", config.Filters{Match: "all", Include: []config.Pattern{p("title", `Go`), p("author", `Gopher`)}}, true},
		{"exclude wins over include", config.Filters{Include: []config.Pattern{p("title", `Go`)}, Exclude: []config.Pattern{p("category", `Releases`)}}, false},
		{"exclude alone drops a match", config.Filters{Exclude: []config.Pattern{p("body", `generic`)}}, false},
		{"exclude alone keeps a miss", config.Filters{Exclude: []config.Pattern{p("body", `sponsored`)}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := compileFilter(tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Keep(&a); got != tt.want {
				t.Errorf("Keep = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFilterErrorsSayWhere(t *testing.T) {
	tests := []struct {
		f    config.Filters
		want string
	}{
		{config.Filters{Include: []config.Pattern{{Field: "title", Regex: "("}}}, "filters.include[0].regex: error parsing regexp: missing closing ): `(`"},
		{config.Filters{Exclude: []config.Pattern{{Regex: "ok"}, {Field: "colour", Regex: "x"}}}, `filters.exclude[1].field: "colour" is not one of title, body, author, category, any`},
		{config.Filters{Match: "most"}, `filters.match: "most" is neither "any" nor "all"`},
	}
	for _, tt := range tests {
		_, err := compileFilter(tt.f)
		if err == nil || err.Error() != tt.want {
			t.Errorf("compileFilter(%+v) error = %v, want %q", tt.f, err, tt.want)
		}
	}
}
