package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/config"
)

// exportCommand prints the feeds Herald polls now (from the config file
// and added by command), their routes and the mirror links as a config
// file section an admin can keep: `herald check` accepts it as it is.
// With -format json it prints the shared discussion model instead (see
// exportJSON).
func exportCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", "export [-format yaml|json] [-article ID] [-config FILE] [-data DIR]", stderr)
	format := fs.String("format", "yaml", "output `FORMAT`: yaml (feeds, routes and links as config) or json (articles, posts, comments and mirrors)")
	article := fs.Int64("article", 0, "with -format json, export only article `ID`")
	path := fs.String("config", "", "config `FILE` naming the database (default: herald.yaml when it exists, else built-in defaults)")
	dataDir := fs.String("data", "data", "data `DIR` holding the SQLite database")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case *format != "yaml" && *format != "json":
		return fmt.Errorf("-format %q: yaml or json", *format)
	case *article < 0:
		return fmt.Errorf("-article %d: an article id is positive", *article)
	case *article != 0 && *format != "json":
		return errors.New("-article goes with -format json")
	}
	cfg, err := loadRunConfig(*path)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg, *dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	var out []byte
	if *format == "json" {
		out, err = exportJSON(ctx, db, *article, time.Now())
	} else {
		out, err = exportYAML(ctx, db, cfg, time.Now())
	}
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}

// exportStore is what export reads.
type exportStore interface {
	ListFeeds(ctx context.Context) ([]bot.Feed, error)
	Routes(ctx context.Context, feedID int64) ([]bot.Route, error)
	LinkGroups(ctx context.Context) ([][]bot.Place, error)
}

// exportDoc is the exported part of a config file. Options are kept as
// maps read from the stored JSON, whose keys are the config's keys (see
// config/options.go), so only what was set is written.
type exportDoc struct {
	Feeds []exportFeed  `yaml:"feeds"`
	Links []config.Link `yaml:"links,omitempty"`
}

type exportFeed struct {
	URL      string         `yaml:"url"`
	Name     string         `yaml:"name,omitempty"`
	Schedule string         `yaml:"schedule"`
	Routes   []exportRoute  `yaml:"routes,omitempty"`
	Options  map[string]any `yaml:",inline"`
}

type exportRoute struct {
	To      string         `yaml:"to"`
	Options map[string]any `yaml:",inline"`
}

func exportYAML(ctx context.Context, db exportStore, cfg *config.Config, now time.Time) ([]byte, error) {
	list, err := db.ListFeeds(ctx)
	if err != nil {
		return nil, err
	}
	var doc exportDoc
	var notes []string
	for _, f := range list {
		ef := exportFeed{URL: f.URL, Name: f.Name, Schedule: f.Schedule}
		if ef.Schedule == "" {
			// A command feed on the default schedule: write it out, so the
			// file means the same under another defaults section.
			ef.Schedule = cfg.Defaults.Schedule
		}
		if ef.Options, err = optionMap(f.Options); err != nil {
			return nil, fmt.Errorf("feed %d (%s) options: %w", f.ID, f.URL, err)
		}
		routes, err := db.Routes(ctx, f.ID)
		if err != nil {
			return nil, err
		}
		for _, r := range routes {
			opts, err := optionMap(r.Options)
			if err != nil {
				return nil, fmt.Errorf("feed %d (%s) route to %s options: %w", f.ID, f.URL, r.Place, err)
			}
			ef.Routes = append(ef.Routes, exportRoute{To: r.Place.String(), Options: opts})
		}
		if f.Paused {
			notes = append(notes, fmt.Sprintf("feed %s is paused (%s); a config file cannot say so", f.URL, f.PausedReason))
		}
		doc.Feeds = append(doc.Feeds, ef)
	}
	doc.Links = append(doc.Links, cfg.Links...)
	groups, err := db.LinkGroups(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		l, ok := configLink(g)
		switch {
		case !ok:
			notes = append(notes, fmt.Sprintf("the mirror group %v is not one Discord channel and one Matrix room; a config file cannot hold it", g))
		case !slices.Contains(doc.Links, l):
			doc.Links = append(doc.Links, l)
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Herald's feeds, routes and links, exported %s.\n", now.UTC().Format(time.RFC3339))
	b.WriteString("# Feeds added by command are included: keeping this file makes them config feeds.\n")
	b.WriteString("# Merge it into your config file; the other sections (discord, matrix, database…) are not exported.\n")
	for _, n := range notes {
		b.WriteString("# Note: " + n + "\n")
	}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode the export: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode the export: %w", err)
	}
	return b.Bytes(), nil
}

// configLink turns a mirror group into the config's link form.
func configLink(g []bot.Place) (config.Link, bool) {
	var l config.Link
	if len(g) != 2 {
		return l, false
	}
	for _, p := range g {
		switch {
		case p.Platform == bot.Discord && l.Discord == "":
			l.Discord = string(p.Channel)
		case p.Platform == bot.Matrix && l.Matrix == "":
			l.Matrix = string(p.Channel)
		default:
			return l, false
		}
	}
	return l, true
}

// optionMap reads stored option JSON into a map without the empty values
// json's omitempty leaves in (nested structs such as "filters": {}).
func optionMap(raw []byte) (map[string]any, error) {
	if len(strings.TrimSpace(string(raw))) == 0 {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	prune(m)
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

func prune(m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case map[string]any:
			prune(x)
			if len(x) == 0 {
				delete(m, k)
			}
		case []any:
			if len(x) == 0 {
				delete(m, k)
			}
		case nil:
			delete(m, k)
		}
	}
}
