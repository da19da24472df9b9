package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/heraldchat/herald/bot"
)

// Discord JSON error codes the adapter branches on.
const (
	codeUnknownChannel      = 10003
	codeUnknownMessage      = 10008
	codeUnknownWebhook      = 10015
	codeMissingAccess       = 50001
	codeMissingPermissions  = 50013
	codeInvalidWebhookToken = 50027
	codeInvalidFormBody     = 50035
	codeThreadExists        = 160004
)

// PermissionError says Discord refused the bot in a channel (403). It is
// permanent (errors.Is(err, bot.ErrPermanent)): the core parks the row and
// tells admins, who read Missing to know what to grant.
type PermissionError struct {
	Op      string   // what the adapter was doing
	Channel string   // the channel or thread
	Code    int      // 50001 Missing Access or 50013 Missing Permissions
	Missing []string // permission names the bot lacks there, when it could tell
	Err     error    // discordgo's error
}

func (e *PermissionError) Error() string {
	what := "missing permissions"
	if e.Code == codeMissingAccess {
		what = "missing access"
	}
	if len(e.Missing) > 0 {
		what += ": grant the bot " + strings.Join(e.Missing, ", ")
	}
	return fmt.Sprintf("discord: %s in channel %s: %d %s", e.Op, e.Channel, e.Code, what)
}

func (e *PermissionError) Unwrap() error { return e.Err }

// Is makes a PermissionError permanent for the deliverer.
func (e *PermissionError) Is(target error) bool { return target == bot.ErrPermanent }

// restCode returns the HTTP status and Discord's JSON code of a REST error.
func restCode(err error) (status, code int) {
	var re *discordgo.RESTError
	if errors.As(err, &re) {
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		if re.Message != nil {
			code = re.Message.Code
		}
	}
	return status, code
}

// classify wraps a failed request: 403 becomes a PermissionError (after
// working out which permission of need is missing, and remembering the
// channel so retries do not hit Discord again for a while); 401, 404 and
// invalid bodies are permanent; everything else (5xx, network, rate limits
// that ran out of retries) is left retryable.
func (a *Adapter) classify(ctx context.Context, op, channel string, need int64, err error) error {
	if err == nil {
		return nil
	}
	status, code := restCode(err)
	switch {
	case status == 403 || code == codeMissingAccess || code == codeMissingPermissions:
		pe := &PermissionError{Op: op, Channel: channel, Code: code, Err: err}
		if pe.Code == 0 {
			pe.Code = codeMissingPermissions
		}
		if pe.Code == codeMissingAccess {
			// The bot cannot see the channel (or is not in its guild):
			// asking for its permissions there would be refused as well.
			pe.Missing = []string{"View Channel"}
		} else {
			pe.Missing = a.missing(ctx, channel, need)
		}
		a.mu.Lock()
		a.denied[channel] = deniedEntry{at: time.Now(), err: pe}
		a.mu.Unlock()
		a.log.Warn("discord refused the bot", slog.String("op", op), slog.String("channel", channel),
			slog.Int("code", pe.Code), slog.String("missing", strings.Join(pe.Missing, ", ")))
		return pe
	case status == 401:
		return bot.Permanent(fmt.Errorf("discord: %s in %s: the bot token was refused (401): %w", op, channel, err))
	case status == 404 || status == 400:
		return bot.Permanent(fmt.Errorf("discord: %s in %s: %w", op, channel, err))
	}
	return fmt.Errorf("discord: %s in %s: %w", op, channel, err)
}

// refused returns the remembered 403 of a channel while it is fresh, so a
// retry loop in the core cannot hammer Discord with doomed requests.
func (a *Adapter) refused(channel string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	d, ok := a.denied[channel]
	if !ok {
		return nil
	}
	if time.Since(d.at) > a.opt.DeniedFor {
		delete(a.denied, channel)
		return nil
	}
	return d.err
}

// missing works out which permissions of need the bot lacks in channel
// (for a thread, its parent's overwrites apply), from the channel, guild,
// member and roles as Discord reports them. nil when it cannot tell.
func (a *Adapter) missing(ctx context.Context, channel string, need int64) []string {
	if need == 0 {
		return nil
	}
	me, err := a.botID(ctx)
	if err != nil {
		return nil
	}
	target := channel
	// Only cached facts here: a REST lookup could fail with 403 and
	// classify again.
	a.mu.Lock()
	ch := a.channels[channel]
	a.mu.Unlock()
	if ch == nil {
		ch = a.stateChannel(channel)
	}
	if ch != nil && ch.IsThread() && ch.ParentID != "" {
		target = ch.ParentID
	}
	have, err := a.sess.UserChannelPermissions(me, target, discordgo.WithContext(ctx))
	if err != nil {
		a.log.Info("cannot work out the missing permission", slog.String("channel", channel), slog.String("error", err.Error()))
		return nil
	}
	if have&discordgo.PermissionViewChannel == 0 {
		return []string{"View Channel"}
	}
	var out []string
	for _, p := range permissionNames {
		if need&p.bit != 0 && have&p.bit == 0 {
			out = append(out, p.name)
		}
	}
	return out
}

// permissionNames are the permissions the adapter ever needs, with the
// names Discord's UI shows.
var permissionNames = []struct {
	bit  int64
	name string
}{
	{discordgo.PermissionViewChannel, "View Channel"},
	{discordgo.PermissionSendMessages, "Send Messages"},
	{discordgo.PermissionSendMessagesInThreads, "Send Messages in Threads"},
	{discordgo.PermissionCreatePublicThreads, "Create Public Threads"},
	{discordgo.PermissionEmbedLinks, "Embed Links"},
	{discordgo.PermissionReadMessageHistory, "Read Message History"},
	{discordgo.PermissionManageWebhooks, "Manage Webhooks"},
	{discordgo.PermissionManageMessages, "Manage Messages"},
	{discordgo.PermissionManageThreads, "Manage Threads"},
}
