package main

import (
	"errors"

	"github.com/heraldchat/herald/bot"
)

// platformPayload is the exact payload an article becomes on a platform
// ("discord", "matrix" or "web"), for `herald preview -platform`.
func platformPayload(platform string, a bot.Article, feedName string) (any, error) {
	return nil, errors.New("not built yet")
}
