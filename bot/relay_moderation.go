package bot

import "context"

// Action is what moderation decides to do with a new comment.
type Action string

// Moderation actions. A third, Hold (moderation.go), keeps a comment in the
// review queue; to the relay it is, like Drop, a comment it must not save.
const (
	Allow Action = "allow"
	Drop  Action = "drop"
)

// Decision is a moderator's answer about one comment.
type Decision struct {
	Action Action
	// Comment is the comment to store when allowed; a moderator may change
	// it (mask words, say). The relay ignores changes to its origin and id.
	Comment Comment
	Reason  string // for the log: which rule, which ban
}

// Moderator sees every new comment before it is stored and mirrored. The
// moderation issue plugs bans, word lists, rate limits, duplicate
// suppression and the review queue in here; the relay only obeys.
type Moderator interface {
	Check(ctx context.Context, ev Event, c Comment) (Decision, error)
}

// AllowAll is the moderator used until one is configured: it allows
// everything unchanged.
type AllowAll struct{}

// Check allows c as it is.
func (AllowAll) Check(_ context.Context, _ Event, c Comment) (Decision, error) {
	return Decision{Action: Allow, Comment: c}, nil
}
