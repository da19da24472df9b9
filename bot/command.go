package bot

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/heraldchat/herald/richtext"
)

// The command tree. Every surface (Discord slash commands, `!herald` in
// Matrix, later the web admin) resolves what a person typed into an
// Invocation and hands it to Commands.Run together with a Request that says
// who asked where, and whether the adapter found them to be an admin. The
// tree validates the arguments, checks the permission, acts and returns a
// Reply; the adapter shows the reply in the same place.

// Request is who runs a command, and where. Adapters establish Admin from
// their own permission facts (Discord: Manage Server or an admin role;
// Matrix: power level or the config's admin list).
type Request struct {
	Place  Place    // the channel or room the command was given in
	Thread RemoteID // the thread, when given in one
	User   Author
	Admin  bool
	// ID identifies this invocation on its platform (interaction id, event
	// id). A replayed event carries the same ID, so `post` does not queue
	// the article twice.
	ID string
}

// Reply is what a command answers.
type Reply struct {
	Text richtext.Text
	// Ephemeral asks the adapter to show the reply to the caller only
	// (Discord flags 64). Errors, refusals and admin-only output are.
	Ephemeral bool
	// Failed marks a refusal or an error: nothing changed.
	Failed bool
}

// String is the reply as plain text.
func (r Reply) String() string { return r.Text.PlainText() }

// ParamKind says what a parameter holds, for validation and autocomplete.
type ParamKind string

// Parameter kinds.
const (
	ParamText     ParamKind = "text"
	ParamFeed     ParamKind = "feed" // a feed id, name or URL; autocompleted
	ParamURL      ParamKind = "url"
	ParamSchedule ParamKind = "schedule"
	ParamPlace    ParamKind = "place"
	ParamRest     ParamKind = "rest" // every remaining word
)

// Param is one argument of a command.
type Param struct {
	Name     string
	Help     string
	Kind     ParamKind
	Required bool
}

// CommandSpec describes one command, for help and for registering it on a
// platform (Discord slash commands).
type CommandSpec struct {
	Path    []string // e.g. ["feed", "add"]
	Summary string
	Params  []Param
	Admin   bool // only admins may run it
	// Slow commands may fetch a URL: Discord defers their answer.
	Slow bool
}

// Name is the command's path joined by spaces.
func (s CommandSpec) Name() string { return strings.Join(s.Path, " ") }

// Usage is the command's syntax: required <a>, optional [b].
func (s CommandSpec) Usage() string {
	parts := []string{s.Name()}
	for _, p := range s.Params {
		name := p.Name
		if p.Kind == ParamRest {
			name += "…"
		}
		if p.Required {
			parts = append(parts, "<"+name+">")
		} else {
			parts = append(parts, "["+name+"]")
		}
	}
	return strings.Join(parts, " ")
}

// Invocation is a command as typed: its path and its arguments, given by
// position or by name.
type Invocation struct {
	Path       []string
	Positional []string
	Named      map[string]string
}

// AdapterStatus is one chat adapter as `status` reports it.
type AdapterStatus struct {
	Name  string
	State string
	Err   error
}

// CommandOptions are what the command tree works with.
type CommandOptions struct {
	Store CommandStore
	Fetch FeedFetcher      // feed add and feed test fetch through it, as the poller does
	Now   func() time.Time // nil = time.Now
	// Location and DefaultSchedule are the config's defaults.timezone and
	// defaults.schedule, for next checks and new feeds.
	Location        *time.Location
	DefaultSchedule string
	// FirstPost is defaults.first_post, for what `feed add` promises; nil = 1.
	FirstPost *int
	// Platforms are the chat platforms that are running; a place on any
	// other is refused. Empty allows discord and matrix.
	Platforms []Platform
	Notify    func()                                    // after outbox rows were queued (Deliverer.Kick)
	Adapters  func(ctx context.Context) []AdapterStatus // for status; may be nil
	Notices   func() []Notice                           // recent poller notices; may be nil
	Logger    *slog.Logger
}

// CommandConfig is what the tree must know of the config file; it changes
// when the config is reloaded.
type CommandConfig struct {
	File  string    // the config file's name, for "edit herald.yaml" messages
	Links [][]Place // mirror groups declared in the file
}

// Commands is the command tree.
type Commands struct {
	opt   CommandOptions
	specs []command

	mu  sync.Mutex
	cfg CommandConfig
}

// command is a spec and its handler.
type command struct {
	CommandSpec
	run func(c *Commands, ctx context.Context, k *call) Reply
}

// call is one validated invocation being run.
type call struct {
	req  Request
	spec CommandSpec
	args map[string]string
}

func (k *call) arg(name string) string { return k.args[name] }

// NewCommands builds the command tree.
func NewCommands(o CommandOptions) *Commands {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.DefaultSchedule == "" {
		o.DefaultSchedule = "*/10 * * * *"
	}
	if len(o.Platforms) == 0 {
		o.Platforms = []Platform{Discord, Matrix}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Commands{opt: o, specs: commandTable()}
}

func (c *Commands) firstPost() int {
	if c.opt.FirstPost == nil {
		return defaultFirstPost
	}
	return *c.opt.FirstPost
}

// SetConfig replaces what the tree knows of the config file (on reload).
func (c *Commands) SetConfig(cfg CommandConfig) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cfg = cfg
}

// Config is what the tree knows of the config file now.
func (c *Commands) Config() CommandConfig { return c.config() }

func (c *Commands) config() CommandConfig {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cfg
}

// Specs lists every command, in help order.
func (c *Commands) Specs() []CommandSpec {
	out := make([]CommandSpec, len(c.specs))
	for i, s := range c.specs {
		out[i] = s.CommandSpec
		out[i].Params = slices.Clone(s.Params)
	}
	return out
}

// Spec finds a command by its path.
func (c *Commands) Spec(path ...string) (CommandSpec, bool) {
	for _, s := range c.specs {
		if slices.Equal(s.Path, path) {
			return s.CommandSpec, true
		}
	}
	return CommandSpec{}, false
}

// RunText parses a command line (what follows `!herald`) and runs it.
func (c *Commands) RunText(ctx context.Context, req Request, line string) Reply {
	inv, err := c.Parse(line)
	if err != nil {
		return failure("%v", err)
	}
	return c.Run(ctx, req, inv)
}

// Run validates an invocation, checks the permission and runs it. It never
// panics on bad input: every problem becomes a Failed reply saying what
// was wrong.
func (c *Commands) Run(ctx context.Context, req Request, inv Invocation) (reply Reply) {
	spec, args, err := c.bind(inv)
	if err != nil {
		return failure("%v", err)
	}
	if spec.Admin && !req.Admin {
		return failure("Sorry, %s is for Herald's admins only, and nothing was changed. %s",
			quoteCmd(spec.Name()), adminHint(req.Place.Platform))
	}
	defer func() {
		if r := recover(); r != nil {
			c.opt.Logger.Error("command panicked", slog.String("command", spec.Name()), slog.Any("panic", r))
			reply = failure("%s failed unexpectedly; the error is in Herald's log.", quoteCmd(spec.Name()))
		}
	}()
	log := c.opt.Logger.With(slog.String("command", spec.Name()), slog.String("place", req.Place.String()),
		slog.String("user", string(req.User.ID)))
	reply = spec.run(c, ctx, &call{req: req, spec: spec.CommandSpec, args: args})
	if spec.Admin {
		log.Info("admin command", slog.Bool("failed", reply.Failed))
	}
	return reply
}

// adminHint says who counts as an admin on a platform.
func adminHint(p Platform) string {
	switch p {
	case Discord:
		return "Admins have the Manage Server permission or one of the admin roles in Herald's config."
	case Matrix:
		return "Admins have a high enough power level in this room or are listed in Herald's config."
	}
	return ""
}

// failure is a Failed, ephemeral reply.
func failure(format string, args ...any) Reply {
	return Reply{Text: richtext.FromPlain(fmt.Sprintf(format, args...)), Ephemeral: true, Failed: true}
}

// private is an ephemeral reply.
func private(format string, args ...any) Reply {
	return Reply{Text: richtext.FromPlain(fmt.Sprintf(format, args...)), Ephemeral: true}
}

// public is a reply everyone in the place may see.
func public(format string, args ...any) Reply {
	return Reply{Text: richtext.FromPlain(fmt.Sprintf(format, args...))}
}

func quoteCmd(name string) string { return `"` + name + `"` }
