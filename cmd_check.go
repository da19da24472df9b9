package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/heraldchat/herald/bot/render"
	"github.com/heraldchat/herald/config"
)

// checkCommand validates a config file: every problem is printed, one per
// line with file:line and key path, and the command fails; a good file
// gets a short summary of what Herald would run.
func checkCommand(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", "check [-config FILE]", stderr)
	path := fs.String("config", "herald.yaml", "the config `FILE` to check")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected argument %q (give the file with -config)", fs.Arg(0))
	}
	cfg, err := config.Load(*path)
	var problems config.Problems
	if err != nil && !errors.As(err, &problems) {
		return err // the file could not be read at all
	}
	if cfg != nil {
		for _, w := range cfg.Warnings {
			fmt.Fprintf(stdout, "warning: %s\n", w)
		}
	}
	if cfg != nil {
		problems = append(problems, templateProblems(cfg)...)
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stdout, p)
		}
		fmt.Fprintf(stdout, "%s: %d problem(s)\n", *path, len(problems))
		return fmt.Errorf("%s has problems: %w", *path, errReported)
	}
	fmt.Fprintf(stdout, "%s is valid\n%s\n", *path, cfg.Summary())
	return nil
}

// templateProblems checks every post template with the renderer's own
// rules (allowed actions, nesting), which are stricter than the syntax check
// config does alone; a template that passes here renders at run time.
func templateProblems(cfg *config.Config) config.Problems {
	var out config.Problems
	check := func(path, tmpl string) {
		if tmpl == "" {
			return
		}
		if err := render.CheckTemplate(tmpl); err != nil {
			out = append(out, cfg.ProblemAt(path, err.Error()))
		}
	}
	for i, f := range cfg.Feeds {
		check(fmt.Sprintf("feeds[%d].template", i), f.Template)
		for j, r := range f.Routes {
			check(fmt.Sprintf("feeds[%d].routes[%d].template", i, j), r.Template)
		}
	}
	return out
}
