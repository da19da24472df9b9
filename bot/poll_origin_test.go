package bot_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/feeds"
	"github.com/heraldchat/herald/store/storetest"
)

// A feed a chat admin added may not read the server's files; the same path
// in the operator's config may.
func TestCommandFeedsCannotReadLocalFiles(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	path := filepath.Join(t.TempDir(), "feed.xml")
	if err := os.WriteFile(path, []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><guid>1</guid><title>One</title><link>https://example.org/1</link></item></channel></rss>`), 0o600); err != nil {
		t.Fatal(err)
	}
	open, err := feeds.NewFetcher(feeds.Options{})
	if err != nil {
		t.Fatal(err)
	}
	closed, err := feeds.NewFetcher(feeds.Options{DenyFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err := bot.NewPoller(db, open, nil, nil, bot.PollerOptions{CommandFetch: closed})
	if err != nil {
		t.Fatal(err)
	}

	fromConfig, err := db.AddFeed(ctx, bot.FeedSpec{URL: path}, bot.FromConfig)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.PollOnce(ctx, fromConfig); err != nil {
		t.Errorf("config feed on a local file: %v, want it polled", err)
	}

	if err := db.RemoveFeed(ctx, fromConfig.ID); err != nil {
		t.Fatal(err)
	}
	fromCommand, err := db.AddFeed(ctx, bot.FeedSpec{URL: path}, bot.FromCommand)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.PollOnce(ctx, fromCommand); !errors.Is(err, feeds.ErrFilesDenied) {
		t.Errorf("command feed on a local file: got %v, want ErrFilesDenied", err)
	}
}
