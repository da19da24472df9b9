package main

import (
	"fmt"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/bot/render"
)

// platformPayload is the exact payload an article becomes on a platform
// ("discord", "matrix" or "web"), for `herald preview -platform`: the REST
// message body discordgo sends, the Matrix event content, or {"html": …}.
// It uses the default formatting; a route's own options are not applied.
func platformPayload(platform string, a bot.Article, feedName string) (any, error) {
	o := render.Options{FeedName: feedName}
	switch platform {
	case "discord":
		return render.DiscordArticle(a, o)
	case "matrix":
		return render.MatrixArticle(a, o)
	case "web":
		h, err := render.WebArticle(a)
		if err != nil {
			return nil, err
		}
		return map[string]string{"html": string(h)}, nil
	}
	return nil, fmt.Errorf("platform %q is not one of discord, matrix, web", platform)
}
