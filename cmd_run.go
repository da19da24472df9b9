package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/heraldchat/herald/config"
)

// runFlags are the run command's flags.
type runFlags struct {
	configPath string
	listen     string
	dataDir    string
	logLevel   string
}

// runCommand runs the daemon until ctx ends (SIGINT or SIGTERM).
func runCommand(ctx context.Context, args []string, _, stderr io.Writer) error {
	fs := newFlagSet("run", "run [-config FILE] [-listen ADDR] [-data DIR] [-log-level LEVEL]", stderr)
	var f runFlags
	fs.StringVar(&f.configPath, "config", "", "config `FILE` (default: herald.yaml when it exists, else built-in defaults with the bundled example feed)")
	fs.StringVar(&f.listen, "listen", "", "HTTP `ADDR`ess, overrides web.listen (default 127.0.0.1:8080)")
	fs.StringVar(&f.dataDir, "data", "data", "data `DIR`: the SQLite database and the example feed")
	fs.StringVar(&f.logLevel, "log-level", "", "debug, info, warn or error; overrides log.level")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg, err := loadRunConfig(f.configPath)
	if err != nil {
		return err
	}
	if f.listen != "" {
		cfg.Web.Listen = f.listen
	}
	if f.logLevel != "" {
		cfg.Log.Level = f.logLevel
	}
	log, err := newLogger(stderr, cfg.Log.Level)
	if err != nil {
		return err
	}
	for _, w := range cfg.Warnings {
		log.Warn("config", slog.String("warning", w.String()))
	}
	return runApp(ctx, cfg, f.dataDir, log)
}

// loadRunConfig reads the config the daemon runs on. With no -config it
// uses herald.yaml when present, else the embedded defaults (cfg.File is
// empty then, which tells the app to add the bundled example feed).
func loadRunConfig(path string) (*config.Config, error) {
	if path == "" {
		if _, err := os.Stat("herald.yaml"); errors.Is(err, fs.ErrNotExist) {
			return config.Default(), nil
		}
		path = "herald.yaml"
	}
	cfg, err := config.Load(path)
	if err != nil {
		var problems config.Problems
		if errors.As(err, &problems) {
			return nil, fmt.Errorf("%s has %d problem(s); run 'herald check -config %s':\n%w", path, len(problems), path, err)
		}
		return nil, err
	}
	return cfg, nil
}

// newLogger logs text on a terminal and JSON otherwise.
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(strings.TrimSpace(level))); err != nil && level != "" {
		return nil, fmt.Errorf("log level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if isTerminal(w) {
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return slog.New(slog.NewJSONHandler(w, opts)), nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
