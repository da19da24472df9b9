package bot

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Patterns for what moderators paste: Discord message links (any of its
// hosts), mentions, and matrix.to permalinks.
var (
	discordLink    = regexp.MustCompile(`^https?://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/channels/(?:\d+|@me)/(\d+)/(\d+)/?$`)
	discordMention = regexp.MustCompile(`^<@!?(\d+)>$`)
	snowflake      = regexp.MustCompile(`^\d{16,20}$`)
)

// FindComment resolves what a moderator wrote to a comment:
//   - a comment id as the web page shows it: 42 or #42;
//   - a Discord message link or id (the comment's own message or any of
//     its mirrors);
//   - a Matrix event id ($…) or a matrix.to link to it;
//   - platform:message, e.g. discord:1234… or matrix:$abc.
func (m *Moderation) FindComment(ctx context.Context, ref string) (Comment, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Comment{}, errors.New("say which comment: its id from the web page (42), a Discord message link or a Matrix event id")
	}
	platform, msg, err := commentRef(ref)
	if err != nil {
		return Comment{}, err
	}
	if platform == "" {
		id, _ := strconv.ParseInt(msg, 10, 64)
		c, err := m.store.Comment(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return Comment{}, fmt.Errorf("there is no comment %d: %w", id, ErrNotFound)
		}
		return c, err
	}
	c, err := m.store.CommentByOrigin(ctx, platform, RemoteID(msg))
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Comment{}, err
	}
	owner, err := m.store.MirrorOwner(ctx, platform, RemoteID(msg))
	switch {
	case err == nil && owner == 0:
		return Comment{}, fmt.Errorf("%s message %s is Herald's article post, not a comment", platform, msg)
	case err == nil:
		return m.store.Comment(ctx, owner)
	case !errors.Is(err, ErrNotFound):
		return Comment{}, err
	}
	if h, err := m.store.HeldByOrigin(ctx, platform, RemoteID(msg)); err == nil && h.State == HeldPending {
		return Comment{}, fmt.Errorf("%s message %s is waiting for review as held comment %d; use \"mod reject %d\": %w",
			platform, msg, h.ID, h.ID, ErrNotFound)
	}
	return Comment{}, fmt.Errorf("%s message %s is not a comment Herald knows: %w", platform, msg, ErrNotFound)
}

// commentRef splits a comment reference into a platform and a message id;
// the platform is empty for a comment id.
func commentRef(ref string) (Platform, string, error) {
	if id, ok := strings.CutPrefix(ref, "#"); ok || isCommentID(ref) {
		if !isCommentID(id) {
			return "", "", fmt.Errorf("%q is not a comment id: use the number the web page shows, like 42", ref)
		}
		return "", id, nil
	}
	if m := discordLink.FindStringSubmatch(ref); m != nil {
		return Discord, m[2], nil
	}
	if snowflake.MatchString(ref) {
		return Discord, ref, nil
	}
	if strings.HasPrefix(ref, "https://matrix.to/") || strings.HasPrefix(ref, "http://matrix.to/") {
		ev, err := matrixToEvent(ref)
		return Matrix, ev, err
	}
	if strings.HasPrefix(ref, "$") {
		return Matrix, ref, nil
	}
	if p, msg, ok := strings.Cut(ref, ":"); ok && knownPlatform(Platform(p)) && msg != "" {
		return Platform(p), msg, nil
	}
	return "", "", fmt.Errorf("%q is not a comment: give its id from the web page (42), a Discord message link or id, "+
		"or a Matrix event id ($…) or matrix.to link", clipText(ref, 60))
}

// isCommentID reports whether s is a database id: digits, shorter than a
// Discord snowflake, so the two cannot be confused.
func isCommentID(s string) bool {
	if s == "" || len(s) > 15 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != "0"
}

func knownPlatform(p Platform) bool {
	switch p {
	case Discord, Matrix, Web, Source:
		return true
	}
	return false
}

// matrixToEvent reads the event id out of https://matrix.to/#/!room:server/$event?via=….
func matrixToEvent(link string) (string, error) {
	_, frag, ok := strings.Cut(link, "#/")
	if ok {
		frag, _, _ = strings.Cut(frag, "?")
		parts := strings.Split(frag, "/")
		if len(parts) == 2 {
			ev, err := url.PathUnescape(parts[1])
			if err == nil && strings.HasPrefix(ev, "$") {
				return ev, nil
			}
		}
	}
	return "", fmt.Errorf("%q is not a matrix.to link to an event (https://matrix.to/#/!room:server/$event)", clipText(link, 80))
}

// FindAuthor resolves what a moderator wrote to an author:
//   - platform:id, e.g. discord:1234… or matrix:@bob:example.org;
//   - a Discord mention <@1234…> or a bare Discord user id;
//   - a Matrix user id @bob:example.org or a matrix.to link to it;
//   - a display name seen in comments (quote it when it has spaces).
func (m *Moderation) FindAuthor(ctx context.Context, ref string) (Author, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Author{}, errors.New("say whom: platform:id (discord:1234…, matrix:@bob:example.org), a mention, or a name seen in comments")
	}
	if a, ok := authorRef(ref); ok {
		// The name is only for replies and the log; the id is what counts.
		if cs, err := m.store.CommentsBy(ctx, a.Platform, a.ID); err == nil && len(cs) > 0 {
			a.Name = cs[len(cs)-1].Author.Name
		}
		return a, nil
	}
	found, err := m.store.AuthorsNamed(ctx, ref)
	if err != nil {
		return Author{}, err
	}
	switch len(found) {
	case 0:
		return Author{}, fmt.Errorf("no comment author is named %q; give platform:id instead (discord:1234…, matrix:@bob:example.org): %w",
			clipText(ref, 60), ErrNotFound)
	case 1:
		return found[0], nil
	}
	var who []string
	for _, a := range found {
		who = append(who, string(a.Platform)+":"+string(a.ID))
	}
	return Author{}, fmt.Errorf("%d authors are named %q: %s; give platform:id instead", len(found), clipText(ref, 60), strings.Join(who, ", "))
}

// authorRef reads an author given by id.
func authorRef(ref string) (Author, bool) {
	if m := discordMention.FindStringSubmatch(ref); m != nil {
		return Author{Platform: Discord, ID: RemoteID(m[1])}, true
	}
	if snowflake.MatchString(ref) {
		return Author{Platform: Discord, ID: RemoteID(ref)}, true
	}
	if rest, ok := strings.CutPrefix(ref, "https://matrix.to/#/"); ok {
		rest, _, _ = strings.Cut(rest, "?")
		if u, err := url.PathUnescape(rest); err == nil && isMatrixUser(u) {
			return Author{Platform: Matrix, ID: RemoteID(u)}, true
		}
	}
	if isMatrixUser(ref) {
		return Author{Platform: Matrix, ID: RemoteID(ref)}, true
	}
	if p, id, ok := strings.Cut(ref, ":"); ok && knownPlatform(Platform(p)) && id != "" {
		return Author{Platform: Platform(p), ID: RemoteID(id)}, true
	}
	return Author{}, false
}

// isMatrixUser reports whether s looks like @localpart:server.
func isMatrixUser(s string) bool {
	local, server, ok := strings.Cut(strings.TrimPrefix(s, "@"), ":")
	return strings.HasPrefix(s, "@") && ok && local != "" && server != "" && !strings.ContainsAny(s, " /")
}
