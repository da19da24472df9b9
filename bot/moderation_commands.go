package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// modCommands are the `mod …` commands of the command tree. They are
// admin-only and answer privately (on Matrix, where nothing is private, in
// the room or thread the command came from).
func modCommands() []command {
	comment := Param{Name: "comment", Help: "comment id from the web page, a Discord message link or id, or a Matrix event id or matrix.to link", Kind: ParamText, Required: true}
	author := Param{Name: "author", Help: "platform:id, a mention, or a name seen in comments", Kind: ParamText, Required: true}
	held := Param{Name: "id", Help: "the held comment's number from mod queue", Kind: ParamText, Required: true}
	reason := Param{Name: "reason", Help: "why, for the moderation log", Kind: ParamRest}
	return []command{
		{CommandSpec{Path: []string{"mod", "delete"}, Summary: "Delete a comment on every platform and hide it on the web", Admin: true,
			Params: []Param{comment, reason}}, (*Commands).modDelete},
		{CommandSpec{Path: []string{"mod", "ban"}, Summary: "Stop relaying an author (and remove their new messages where allowed)", Admin: true,
			Params: []Param{author,
				{Name: "duration", Help: "how long: 30m, 12h, 7d, 2w; default until unbanned", Kind: ParamText},
				reason,
				{Name: "purge", Help: "yes also deletes their existing comments everywhere", Kind: ParamText},
			}}, (*Commands).modBan},
		{CommandSpec{Path: []string{"mod", "unban"}, Summary: "Lift an author's ban", Admin: true,
			Params: []Param{author, reason}}, (*Commands).modUnban},
		{CommandSpec{Path: []string{"mod", "log"}, Summary: "Who did what, when and why (latest first)", Admin: true,
			Params: []Param{{Name: "n", Help: "how many entries, 1-100; default 20", Kind: ParamText}}}, (*Commands).modLog},
		{CommandSpec{Path: []string{"mod", "queue"}, Summary: "Comments held for review", Admin: true}, (*Commands).modQueue},
		{CommandSpec{Path: []string{"mod", "approve"}, Summary: "Release a held comment to every platform", Admin: true,
			Params: []Param{held, reason}}, (*Commands).modApprove},
		{CommandSpec{Path: []string{"mod", "reject"}, Summary: "Reject a held comment and remove the original", Admin: true,
			Params: []Param{held, reason}}, (*Commands).modReject},
	}
}

// moderation returns the moderators' actions over the tree's store, or nil
// when the store keeps no moderation state.
func (c *Commands) moderation() *Moderation {
	st, ok := c.opt.Store.(ModActionsStore)
	if !ok {
		return nil
	}
	return NewModeration(st, ModerationOptions{Notify: c.opt.Notify, Now: c.opt.Now, Logger: c.opt.Logger})
}

// actor is who runs a command, for the moderation log.
func actor(req Request) Author {
	a := req.User
	if a.Platform == "" {
		a.Platform = req.Place.Platform
	}
	return a
}

// modFailure turns a moderation error into a reply.
func modFailure(what string, err error) Reply {
	if errors.Is(err, ErrAlreadyDone) {
		return private("Nothing to do: %v.", trimSentinel(err, ErrAlreadyDone))
	}
	return failure("%s failed: %v.", what, trimSentinel(err, ErrNotFound))
}

// trimSentinel drops a sentinel's own words from the end of a message.
func trimSentinel(err, sentinel error) string {
	return strings.TrimSuffix(err.Error(), ": "+sentinel.Error())
}

func noModeration() Reply {
	return failure("Moderation is not available: the store keeps no moderation state.")
}

func (c *Commands) modDelete(ctx context.Context, k *call) Reply {
	m := c.moderation()
	if m == nil {
		return noModeration()
	}
	cm, err := m.Delete(ctx, actor(k.req), k.arg("comment"), k.arg("reason"))
	if err != nil {
		return modFailure("mod delete", err)
	}
	return private("Comment %d by %s is deleted: its copies on every platform are being removed, and the web page shows \"comment removed\".",
		cm.ID, AuthorRef(cm.Author))
}

func (c *Commands) modBan(ctx context.Context, k *call) Reply {
	m := c.moderation()
	if m == nil {
		return noModeration()
	}
	d, reason, err := banTerms(k.arg("duration"), k.arg("reason"))
	if err != nil {
		return failure("mod ban: %v", err)
	}
	purge, err := yesNo(k.arg("purge"))
	if err != nil {
		return failure("mod ban: purge %v", err)
	}
	b, n, err := m.Ban(ctx, actor(k.req), k.arg("author"), d, reason, purge)
	if err != nil {
		return modFailure("mod ban", err)
	}
	until := "until unbanned"
	if !b.Expires.IsZero() {
		until = "until " + b.Expires.In(c.opt.Location).Format("2006-01-02 15:04 MST")
	}
	msg := fmt.Sprintf("%s is banned %s: their new messages are not relayed and are removed where Herald may.", AuthorRef(b.Author), until)
	if purge {
		msg += fmt.Sprintf(" %d of their comments are being deleted everywhere.", n)
	}
	return private("%s", msg)
}

// banTerms reads the optional duration; a first word that is not one is the
// start of the reason ("mod ban bob being rude").
func banTerms(duration, reason string) (time.Duration, string, error) {
	if duration == "" {
		return 0, reason, nil
	}
	d, err := parseBanDuration(duration)
	if err == nil {
		return d, reason, nil
	}
	if startsWithDigit(duration) {
		return 0, "", fmt.Errorf("%q is not a duration: use 30m, 12h, 7d or 2w (or leave it out to ban until unbanned)", duration)
	}
	return 0, strings.TrimSpace(duration + " " + reason), nil
}

func startsWithDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

// parseBanDuration reads Go durations plus days (d) and weeks (w);
// "forever" and "permanent" mean no end.
func parseBanDuration(s string) (time.Duration, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "forever", "permanent", "permanently":
		return 0, nil
	}
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.Atoi(n)
			if err != nil || v <= 0 || v > 3650 {
				return 0, fmt.Errorf("%q is not a duration", s)
			}
			return time.Duration(v) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a duration", s)
	}
	return d, nil
}

// yesNo reads a flag given as a value (purge=yes, --purge=true).
func yesNo(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "no", "false", "0", "off":
		return false, nil
	case "yes", "true", "1", "on", "y":
		return true, nil
	}
	return false, fmt.Errorf("takes yes or no, not %q", s)
}

func (c *Commands) modUnban(ctx context.Context, k *call) Reply {
	m := c.moderation()
	if m == nil {
		return noModeration()
	}
	a, err := m.Unban(ctx, actor(k.req), k.arg("author"), k.arg("reason"))
	if err != nil {
		return modFailure("mod unban", err)
	}
	return private("%s is no longer banned; their next messages are relayed again.", AuthorRef(a))
}

func (c *Commands) modLog(ctx context.Context, k *call) Reply {
	m := c.moderation()
	if m == nil {
		return noModeration()
	}
	n := 20
	if s := k.arg("n"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 || v > 100 {
			return failure("mod log: %q is not a number of entries from 1 to 100.", s)
		}
		n = v
	}
	entries, err := m.Log(ctx, n)
	if err != nil {
		return modFailure("mod log", err)
	}
	if len(entries) == 0 {
		return private("The moderation log is empty.")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Moderation log, latest %d:", len(entries))
	for _, e := range entries {
		fmt.Fprintf(&b, "\n%s · %s · %s %s", e.At.In(c.opt.Location).Format("2006-01-02 15:04"), AuthorRef(e.Actor), e.Action, e.Target)
		if e.Reason != "" {
			fmt.Fprintf(&b, " · %s", clipText(e.Reason, 200))
		}
	}
	return private("%s", b.String())
}

func (c *Commands) modQueue(ctx context.Context, _ *call) Reply {
	m := c.moderation()
	if m == nil {
		return noModeration()
	}
	const show = 20
	held, err := m.Queue(ctx, show+1)
	if err != nil {
		return modFailure("mod queue", err)
	}
	if len(held) == 0 {
		return private("No comment is waiting for review.")
	}
	var b strings.Builder
	b.WriteString("Held for review (mod approve <id> or mod reject <id>):")
	for i, h := range held {
		if i == show {
			b.WriteString("\n… and more; settle these first.")
			break
		}
		text := strings.Join(strings.Fields(h.Comment.Body.PlainText()), " ")
		fmt.Fprintf(&b, "\n%d · %s · article %d · %s · %q", h.ID, AuthorRef(h.Comment.Author), h.Comment.ArticleID,
			h.Reason, clipText(text, 120))
	}
	return private("%s", b.String())
}

func heldID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(s), "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%q is not a held comment's number; \"mod queue\" lists them", clipText(s, 40))
	}
	return id, nil
}

func (c *Commands) modApprove(ctx context.Context, k *call) Reply {
	m := c.moderation()
	if m == nil {
		return noModeration()
	}
	id, err := heldID(k.arg("id"))
	if err != nil {
		return failure("mod approve: %v.", err)
	}
	cm, err := m.Approve(ctx, actor(k.req), id, k.arg("reason"))
	if err != nil {
		return modFailure("mod approve", err)
	}
	return private("Held comment %d is approved as comment %d and is being mirrored.", id, cm.ID)
}

func (c *Commands) modReject(ctx context.Context, k *call) Reply {
	m := c.moderation()
	if m == nil {
		return noModeration()
	}
	id, err := heldID(k.arg("id"))
	if err != nil {
		return failure("mod reject: %v.", err)
	}
	h, err := m.Reject(ctx, actor(k.req), id, k.arg("reason"))
	if err != nil {
		return modFailure("mod reject", err)
	}
	return private("Held comment %d by %s is rejected: it is never mirrored, and the original is removed where Herald may.",
		id, AuthorRef(h.Comment.Author))
}
