package discordtest

import (
	"github.com/bwmarrin/discordgo"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// apiError is a Discord JSON error: {"code": …, "message": …, "errors": …}.
type apiError struct {
	status  int
	Code    int            `json:"code"`
	Message string         `json:"message"`
	Errors  map[string]any `json:"errors,omitempty"`
}

// The error bodies the fake returns, as documented in the opcodes and status
// codes topic of discord-api-docs.
var (
	errUnauthorized        = &apiError{status: 401, Code: 0, Message: "401: Unauthorized"}
	errUnknownChannel      = &apiError{status: 404, Code: 10003, Message: "Unknown Channel"}
	errUnknownGuild        = &apiError{status: 404, Code: 10004, Message: "Unknown Guild"}
	errUnknownMember       = &apiError{status: 404, Code: 10007, Message: "Unknown Member"}
	errUnknownMessage      = &apiError{status: 404, Code: 10008, Message: "Unknown Message"}
	errUnknownWebhook      = &apiError{status: 404, Code: 10015, Message: "Unknown Webhook"}
	errUnknownInteraction  = &apiError{status: 404, Code: 10062, Message: "Unknown interaction"}
	errUnknownApplication  = &apiError{status: 404, Code: 10002, Message: "Unknown Application"}
	errMissingAccess       = &apiError{status: 403, Code: 50001, Message: "Missing Access"}
	errOtherAuthor         = &apiError{status: 403, Code: 50005, Message: "Cannot edit a message authored by another user"}
	errEmptyMessage        = &apiError{status: 400, Code: 50006, Message: "Cannot send an empty message"}
	errNonText             = &apiError{status: 400, Code: 50008, Message: "Cannot send messages in a non-text channel"}
	errMissingPermissions  = &apiError{status: 403, Code: 50013, Message: "Missing Permissions"}
	errInvalidWebhookToken = &apiError{status: 401, Code: 50027, Message: "Invalid Webhook Token"}
	errBadJSON             = &apiError{status: 400, Code: 50109, Message: "The request body contains invalid JSON."}
	errAlreadyAcked        = &apiError{status: 400, Code: 40060, Message: "Interaction has already been acknowledged."}
	errThreadExists        = &apiError{status: 400, Code: 160004, Message: "A thread has already been created for this message"}
	errArchivedThread      = &apiError{status: 400, Code: 50083, Message: "Thread is archived"}
	errNotFound            = &apiError{status: 404, Code: 0, Message: "404: Not Found"}
)

// fieldErr is one entry of an `_errors` list.
type fieldErr struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// formErrors collects 50035 errors by dotted path ("embeds.0.title").
type formErrors map[string][]fieldErr

func (f formErrors) add(path, code, msg string) { f[path] = append(f[path], fieldErr{code, msg}) }

func (f formErrors) maxLen(path string, got, max int) {
	if got > max {
		f.add(path, "BASE_TYPE_MAX_LENGTH", "Must be "+strconv.Itoa(max)+" or fewer in length.")
	}
}

// err turns the collected entries into Discord's nested `errors` tree, or
// nil when there are none.
func (f formErrors) err() *apiError {
	if len(f) == 0 {
		return nil
	}
	tree := map[string]any{}
	paths := make([]string, 0, len(f))
	for p := range f {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		node := tree
		for _, part := range strings.Split(p, ".") {
			next, ok := node[part].(map[string]any)
			if !ok {
				next = map[string]any{}
				node[part] = next
			}
			node = next
		}
		node["_errors"] = f[p]
	}
	return &apiError{status: http.StatusBadRequest, Code: 50035, Message: "Invalid Form Body", Errors: tree}
}

// archived refuses a change to a message in an archived thread, as Discord
// does (50083) until someone unarchives the thread.
func archived(ch *discordgo.Channel) *apiError {
	if ch != nil && ch.ThreadMetadata != nil && ch.ThreadMetadata.Archived {
		return errArchivedThread
	}
	return nil
}
