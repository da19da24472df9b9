package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/heraldchat/herald/adapters/web"
	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/config"
	"github.com/heraldchat/herald/feeds"
	"github.com/heraldchat/herald/internal/datadir"
	"github.com/heraldchat/herald/internal/metrics"
	"github.com/heraldchat/herald/store"
)

// exampleFeed is the bundled example feed. Without a config file Herald
// writes it into the data dir and polls it, so a first run works offline.
//
//go:embed examples/feed.xml
var exampleFeed []byte

// shutdownGrace bounds how long the parts get to stop after a signal; the
// whole process must be gone well within 5 s.
const shutdownGrace = 3 * time.Second

// runApp assembles Herald from cfg and runs it until ctx ends.
func runApp(ctx context.Context, cfg *config.Config, dataDir string, log *slog.Logger) error {
	if cfg.Database.Driver == config.SQLite {
		// One process per SQLite database: a second one would fight over
		// leases it cannot coordinate.
		lock, err := datadir.Acquire(dataDir)
		if err != nil {
			return err
		}
		defer lock.Release()
		// Another data dir may name the same file (database.path).
		dbLock, err := datadir.AcquireDatabase(cfg.Database.SQLitePath(dataDir))
		if err != nil {
			return err
		}
		defer dbLock.Release()
	}
	db, err := openStore(ctx, cfg, dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.Database.Driver == config.SQLite {
		// We hold the database's only lock, so any lease in it belongs to a
		// process that died: take its work over now, not minutes later.
		feeds, rows, err := db.ExpireLeases(ctx)
		if err != nil {
			return err
		}
		if feeds+rows > 0 {
			log.Info("took over the leases of a process that stopped without releasing them",
				slog.Int64("feeds", feeds), slog.Int64("outbox_rows", rows))
		}
	}

	specs, err := feedSpecs(cfg, dataDir)
	if err != nil {
		return err
	}
	if err := db.SyncConfigFeeds(ctx, specs); err != nil {
		return fmt.Errorf("apply the config's feeds: %w", err)
	}
	d, err := assemble(cfg, dataDir, db, log)
	if err != nil {
		return err
	}
	// SIGHUP reloads the config; caught from here on, so it never kills us.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	return d.run(ctx, hup, len(specs))
}

// herald is the running daemon: its parts, built by assemble and started by run.
type herald struct {
	cfg        *config.Config
	log        *slog.Logger
	owner      string
	server     *web.Server
	poller     *bot.Poller
	digester   *bot.Digester
	deliverer  *bot.Deliverer
	importer   *bot.Importer
	relay      *bot.Relay
	tree       *bot.Commands
	reload     *reloader
	connectors map[bot.Platform]bot.Connector
	meter      *metrics.Metrics
	db         *store.DB
}

// assemble builds every part from the config; nothing runs yet.
func assemble(cfg *config.Config, dataDir string, db *store.DB, log *slog.Logger) (*herald, error) {
	d := &herald{cfg: cfg, log: log, owner: instanceID(), db: db, connectors: map[bot.Platform]bot.Connector{}}
	loc, err := time.LoadLocation(cfg.Defaults.Timezone)
	if err != nil {
		return nil, fmt.Errorf("defaults.timezone: %w", err)
	}
	webLoc, err := time.LoadLocation(cfg.Web.Timezone)
	if err != nil {
		return nil, fmt.Errorf("web.timezone: %w", err)
	}
	fetcher, commandFetcher, err := newFetchers(cfg)
	if err != nil {
		return nil, err
	}
	part := func(name string) *slog.Logger { return log.With(slog.String("part", name)) }

	d.meter = metrics.New()
	d.meter.WatchOutbox(outboxDepths(db), time.Now)
	health := web.NewHealth()
	health.Add("store", func(ctx context.Context) (string, error) {
		if err := db.Ping(ctx); err != nil {
			return "unreachable", err
		}
		return "ok", nil
	})
	routes := newRouteTable(cfg)
	adapters, err := chatAdapters(cfg, db, log, routes, d.meter)
	if err != nil {
		return nil, err
	}
	for _, a := range adapters {
		health.Add(a.name, a.probe)
		if a.conn != nil {
			d.connectors[a.conn.Name()] = a.conn
		} else {
			log.Info(a.name+" is off", slog.String("reason", a.offReason))
		}
	}

	d.deliverer = bot.NewDeliverer(db, d.connectors, bot.DeliverOptions{
		Owner:    d.owner,
		Lease:    cfg.Cluster.OutboxLease.Std(),
		Observer: d.meter,
		Logger:   part("deliverer"),
	})
	firstPost := cfg.Defaults.FirstPost
	d.poller, err = bot.NewPoller(db, fetcher, time.Now, part("poller"), bot.PollerOptions{
		Owner:           d.owner,
		DefaultSchedule: cfg.Defaults.Schedule,
		Location:        loc,
		PerHost:         cfg.Fetch.PerHost,
		Jitter:          cfg.Fetch.Jitter.Std(),
		MinInterval:     cfg.Defaults.MinInterval.Std(),
		MaxAge:          cfg.Defaults.MaxAge.Std(),
		FirstPost:       &firstPost,
		MaxFailures:     cfg.Fetch.MaxFailures,
		Notify:          d.deliverer.Kick,
		CommandFetch:    commandFetcher,
		Lease:           cfg.Cluster.FeedLease.Std(),
		Observer:        d.meter,
	})
	if err != nil {
		return nil, err
	}
	d.digester = bot.NewDigester(db, time.Now, part("digests"), loc, 0)
	d.digester.Notify = d.deliverer.Kick
	rules, err := bot.NewRules(db, cfg.Moderation, bot.RulesOptions{Notify: d.deliverer.Kick, Logger: part("moderation")})
	if err != nil {
		return nil, fmt.Errorf("moderation: %w", err)
	}
	d.relay = bot.NewRelay(db, bot.RelayOptions{Moderator: rules, Logger: part("relay"), Notify: d.deliverer.Kick})

	d.server = web.NewServer(health, part("web"))
	site, err := web.NewSite(db, web.SiteOptions{Title: cfg.Web.Title, BaseURL: cfg.Web.BaseURL, Location: webLoc, Logger: part("web")})
	if err != nil {
		return nil, err
	}
	site.Mount(d.server)
	d.server.Handle("GET /metrics", d.meter.Handler(part("metrics")))
	// The news sites' own comments, for feeds with import_comments; the
	// importer reads only http(s) comment feeds, never local files.
	d.importer = bot.NewImporter(db, fetcher, d.relay, bot.ImporterOptions{Logger: part("comment_import")})
	d.tree = commandTree(cfg, db, commandFetcher, loc, d.deliverer.Kick, adapters, routes, part("commands"))
	d.reload = &reloader{path: cfg.File, dataDir: dataDir, store: db, routes: routes, tree: d.tree, rules: rules, log: part("reload")}
	return d, nil
}

// fetchRedirects turns fetch.max_redirects into feeds.Options.MaxRedirects:
// the config's 0 means follow none, which the fetcher spells as a negative
// number (its 0 means the default).
func fetchRedirects(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// newFetchers makes the fetcher for the config's feeds and the one for
// feeds added by chat command, which must not read the server's files.
func newFetchers(cfg *config.Config) (fromConfig, fromCommand *feeds.Fetcher, err error) {
	opts := feeds.Options{
		Version:       version,
		UserAgent:     cfg.Fetch.UserAgent,
		MaxBody:       int64(cfg.Fetch.MaxBody),
		Timeout:       cfg.Fetch.Timeout.Std(),
		HeaderTimeout: cfg.Fetch.HeaderTimeout.Std(),
		MaxRedirects:  fetchRedirects(cfg.Fetch.MaxRedirects),
		Allow:         cfg.Fetch.Allow,
	}
	if fromConfig, err = feeds.NewFetcher(opts); err != nil {
		return nil, nil, fmt.Errorf("fetch.allow: %w", err)
	}
	opts.DenyFiles = true
	if fromCommand, err = feeds.NewFetcher(opts); err != nil {
		return nil, nil, fmt.Errorf("fetch.allow: %w", err)
	}
	return fromConfig, fromCommand, nil
}

// run starts every part and waits until ctx ends or one part fails, then
// gives the parts shutdownGrace to stop.
func (d *herald) run(ctx context.Context, hup <-chan os.Signal, feedCount int) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	start := func(name string, run func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx); err != nil && ctx.Err() == nil {
				cancel(fmt.Errorf("%s: %w", name, err))
			}
		}()
	}
	log := d.log
	start("web", func(ctx context.Context) error {
		return d.server.Serve(ctx, d.cfg.Web.Listen, func(addr net.Addr) {
			log.Info("serving http", slog.String("addr", "http://"+addr.String()))
		})
	})
	start("poller", d.poller.Run)
	start("digests", d.digester.Run)
	start("deliverer", d.deliverer.Run)
	start("comment_import", d.importer.Run)
	start("commands", func(ctx context.Context) error {
		return serveCommands(ctx, d.tree, d.connectors, d.reload, hup, log.With(slog.String("part", "commands")))
	})
	for _, c := range d.connectors {
		clog := log.With(slog.String("part", string(c.Name())))
		run, in := clusterParts(c, d.db, d.relay, d.meter, d.cfg.Cluster.LeaderRetry.Std(), clog)
		start(string(c.Name()), func(ctx context.Context) error {
			return superviseConnector(ctx, run, in, clog)
		})
	}
	log.Info("herald running", slog.String("version", version), slog.String("instance", d.owner),
		slog.Int("feeds", feedCount), slog.String("database", d.cfg.Database.Driver))

	<-ctx.Done()
	stopped := make(chan struct{})
	go func() { wg.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(shutdownGrace):
		log.Warn("some parts did not stop in time; their leases expire and the work is redone", slog.Duration("waited", shutdownGrace))
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	log.Info("herald stopped")
	return nil
}

// openStore opens (and migrates) the configured database.
func openStore(ctx context.Context, cfg *config.Config, dataDir string) (*store.DB, error) {
	dsn := cfg.Database.DSN
	if cfg.Database.Driver == config.SQLite {
		dsn = cfg.Database.SQLitePath(dataDir)
		if err := os.MkdirAll(filepath.Dir(dsn), 0o750); err != nil {
			return nil, fmt.Errorf("create the database directory: %w", err)
		}
	}
	db, err := store.Open(ctx, cfg.Database.Driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("open the %s database: %w", cfg.Database.Driver, err)
	}
	return db, nil
}

// feedSpecs turns the config's feeds into the store's specs. Without a
// config file it is the bundled example feed, written into the data dir.
func feedSpecs(cfg *config.Config, dataDir string) ([]bot.FeedSpec, error) {
	if cfg.File == "" {
		path, err := filepath.Abs(filepath.Join(dataDir, "example-feed.xml"))
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, exampleFeed, 0o640); err != nil {
			return nil, fmt.Errorf("write the example feed: %w", err)
		}
		return []bot.FeedSpec{{URL: path, Name: "Herald example feed", Schedule: cfg.Defaults.Schedule}}, nil
	}
	specs := make([]bot.FeedSpec, 0, len(cfg.Feeds))
	for i, f := range cfg.Feeds {
		opts, err := json.Marshal(f.FeedOptions)
		if err != nil {
			return nil, fmt.Errorf("feeds[%d]: %w", i, err)
		}
		spec := bot.FeedSpec{URL: f.URL, Name: f.Name, Schedule: f.Schedule, Options: opts}
		for j, r := range f.Routes {
			platform, channel, err := r.Place()
			if err != nil {
				return nil, fmt.Errorf("feeds[%d].routes[%d].to: %w", i, j, err)
			}
			ropts, err := json.Marshal(r.RouteOptions)
			if err != nil {
				return nil, fmt.Errorf("feeds[%d].routes[%d]: %w", i, j, err)
			}
			spec.Routes = append(spec.Routes, bot.RouteSpec{
				Place:   bot.Place{Platform: bot.Platform(platform), Channel: bot.RemoteID(channel)},
				Options: ropts,
			})
		}
		specs = append(specs, spec)
	}
	return specs, nil
}

// instanceID names this process in leases: host, pid and start time.
func instanceID() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d-%d", host, os.Getpid(), time.Now().UnixMilli()%100000)
}

// superviseConnector runs a chat connector and restarts it with backoff when
// it fails: a platform that is down or refuses us must not stop the rest of
// Herald (feeds keep being polled, the web keeps serving, the outbox keeps
// the posts until the platform is back).
func superviseConnector(ctx context.Context, c bot.Connector, in bot.Inbox, log *slog.Logger) error {
	const maxWait = time.Minute
	wait := time.Second
	for {
		started := time.Now()
		err := c.Run(ctx, in)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(started) > maxWait {
			wait = time.Second // it ran for a while: start the backoff over
		}
		log.Error("connector stopped; restarting", slog.Any("error", err), slog.Duration("retry_in", wait))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, maxWait)
	}
}
