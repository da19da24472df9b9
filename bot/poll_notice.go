package bot

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Notice is something an admin should see: a feed paused after failing
// again and again. The pause itself is stored with the feed; notices are
// how it is announced.
type Notice struct {
	Time    time.Time
	FeedID  int64
	URL     string
	Message string
}

// NoticeSink takes admin notices, e.g. to post them to an admin channel.
// Notice must not block for long: it runs on the polling goroutine.
type NoticeSink interface {
	Notice(ctx context.Context, n Notice)
}

// maxNotices is how many recent notices a poller keeps for the commands.
const maxNotices = 100

// noticeLog keeps the latest notices in memory.
type noticeLog struct {
	mu   sync.Mutex
	list []Notice
}

func (l *noticeLog) add(n Notice) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, n)
	if len(l.list) > maxNotices {
		l.list = slices.Delete(l.list, 0, len(l.list)-maxNotices)
	}
}

// Notices lists the notices this poller raised since it started, oldest
// first. Paused feeds are also found with ListFeeds (Feed.Paused).
func (p *Poller) Notices() []Notice {
	p.notices.mu.Lock()
	defer p.notices.mu.Unlock()
	return slices.Clone(p.notices.list)
}

func (p *Poller) raise(ctx context.Context, n Notice) {
	p.log.Warn("feed paused", slog.Int64("feed_id", n.FeedID), slog.String("url", n.URL), slog.String("reason", n.Message))
	p.notices.add(n)
	if p.opt.Notices != nil {
		p.opt.Notices.Notice(ctx, n)
	}
}
