package web

import (
	"fmt"
	"net/http"
	"strconv"
)

// Limits on paged answers.
const (
	defaultArticlePage = 20
	maxArticlePage     = 100
	defaultCommentPage = 50
	maxCommentPage     = 200
)

// badRequest is a problem with what the client sent, said so the client
// can fix it; it becomes a 400 (or 404 when notFound).
type badRequest struct {
	msg      string
	notFound bool
}

func (e *badRequest) Error() string { return e.msg }

func (e *badRequest) status() int {
	if e.notFound {
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

// pathID reads the {id} of the path: a positive integer.
func pathID(r *http.Request) (int64, *badRequest) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, &badRequest{msg: fmt.Sprintf("article id %q is not a positive whole number", raw)}
	}
	return id, nil
}

// pageParams reads ?limit= and ?after=: limit between 1 and max (def when
// absent), after a positive id or absent (0).
func pageParams(r *http.Request, def, maxLimit int) (limit int, after int64, bad *badRequest) {
	q := r.URL.Query()
	limit = def
	if raw, ok := q["limit"]; ok {
		n, err := strconv.Atoi(raw[0])
		if err != nil || n < 1 || n > maxLimit {
			return 0, 0, &badRequest{msg: fmt.Sprintf("limit %q must be a whole number from 1 to %d", raw[0], maxLimit)}
		}
		limit = n
	}
	if raw, ok := q["after"]; ok {
		n, err := strconv.ParseInt(raw[0], 10, 64)
		if err != nil || n <= 0 {
			return 0, 0, &badRequest{msg: fmt.Sprintf("after %q must be the positive id of the last item of the previous page", raw[0])}
		}
		after = n
	}
	return limit, after, nil
}
