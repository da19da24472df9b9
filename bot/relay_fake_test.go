package bot_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/heraldchat/herald/bot"
)

// recConn is an in-process connector that records what the deliverer asks
// of it. Like Discord's enforced nonce or a Matrix transaction id, a second
// send with a key it has seen returns what the first created instead of
// posting again; sends counts every call, so a test can tell resends (fine)
// from duplicates (a bug). It implements Editor, Deleter and ReplyPoster.
type recConn struct {
	name bot.Platform

	mu      sync.Mutex
	next    int
	byKey   map[string][]bot.RemoteID       // idempotency: key → ids created
	thread  map[bot.RemoteID][]bot.RemoteID // thread → message ids in the order created
	msgs    map[bot.RemoteID]*recMsg        // every message by id
	sends   int                             // calls that create (article or comment)
	edits   int                             // calls to EditArticle / EditComment
	deletes int                             // calls to Delete
	notify  chan struct{}                   // a value after every recorded change
	fail    func(op, key string) error      // injects errors before anything is created
	after   func(ctx context.Context) error // runs after creating: may lose the answer
	split   int                             // comments take this many parts (default 1)
}

// recMsg is one message on the fake platform.
type recMsg struct {
	ID        bot.RemoteID
	Place     bot.Place
	Thread    bot.RemoteID
	Key       string
	ArticleID int64
	CommentID int64
	Text      string
	ReplyTo   []bot.RemoteID
	Edited    int
	Deleted   bool
}

func newRecConn(name bot.Platform) *recConn {
	return &recConn{
		name:   name,
		byKey:  map[string][]bot.RemoteID{},
		thread: map[bot.RemoteID][]bot.RemoteID{},
		msgs:   map[bot.RemoteID]*recMsg{},
		notify: make(chan struct{}, 1),
	}
}

func (f *recConn) Name() bot.Platform { return f.name }

func (f *recConn) Run(ctx context.Context, _ bot.Inbox) error {
	<-ctx.Done()
	return nil
}

func (f *recConn) changed() {
	select {
	case f.notify <- struct{}{}:
	default:
	}
}

func (f *recConn) check(op, key string) error {
	f.mu.Lock()
	fail := f.fail
	f.mu.Unlock()
	if fail != nil {
		return fail(op, key)
	}
	return nil
}

func (f *recConn) finish(ctx context.Context) error {
	f.mu.Lock()
	after := f.after
	f.mu.Unlock()
	f.changed()
	if after != nil {
		return after(ctx)
	}
	return nil
}

func (f *recConn) PostArticle(ctx context.Context, to bot.Place, a bot.Article, key string) (bot.PostRef, error) {
	if err := f.check("post_article", key); err != nil {
		return bot.PostRef{}, err
	}
	f.mu.Lock()
	f.sends++
	ids, seen := f.byKey[key]
	if !seen {
		f.next++
		id := bot.RemoteID(fmt.Sprintf("%s-%d", f.name, f.next))
		ids = []bot.RemoteID{id}
		f.byKey[key] = ids
		f.msgs[id] = &recMsg{ID: id, Place: to, Key: key, ArticleID: a.ID, Text: a.Title}
	}
	f.mu.Unlock()
	// Like a Discord thread started from a message, the thread has the
	// post's id.
	ref := bot.PostRef{Place: to, Message: ids[0], Thread: ids[0]}
	return ref, f.finish(ctx)
}

func (f *recConn) PostComment(ctx context.Context, in bot.PostRef, c bot.Comment, key string) ([]bot.RemoteID, error) {
	return f.post(ctx, in, c, nil, key)
}

func (f *recConn) PostReply(ctx context.Context, in bot.PostRef, c bot.Comment, p bot.Parent, key string) ([]bot.RemoteID, error) {
	return f.post(ctx, in, c, p.IDs, key)
}

func (f *recConn) post(ctx context.Context, in bot.PostRef, c bot.Comment, replyTo []bot.RemoteID, key string) ([]bot.RemoteID, error) {
	if err := f.check("post_comment", key); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.sends++
	ids, seen := f.byKey[key]
	if !seen {
		for range max(f.split, 1) {
			f.next++
			id := bot.RemoteID(fmt.Sprintf("%s-%d", f.name, f.next))
			ids = append(ids, id)
			f.msgs[id] = &recMsg{ID: id, Place: in.Place, Thread: in.Thread, Key: key, ArticleID: c.ArticleID,
				CommentID: c.ID, Text: c.Body.PlainText(), ReplyTo: replyTo}
			f.thread[in.Thread] = append(f.thread[in.Thread], id)
		}
		f.byKey[key] = ids
	}
	f.mu.Unlock()
	return ids, f.finish(ctx)
}

func (f *recConn) EditArticle(ctx context.Context, at bot.PostRef, a bot.Article) error {
	if err := f.check("edit_article", ""); err != nil {
		return err
	}
	f.mu.Lock()
	f.edits++
	m, ok := f.msgs[at.Message]
	if ok {
		m.Text, m.Edited = a.Title, m.Edited+1
	}
	f.mu.Unlock()
	if !ok {
		return fmt.Errorf("edit article: no message %s: %w", at.Message, bot.ErrPermanent)
	}
	return f.finish(ctx)
}

func (f *recConn) EditComment(ctx context.Context, at bot.Place, ids []bot.RemoteID, c bot.Comment) error {
	if err := f.check("edit_comment", ""); err != nil {
		return err
	}
	f.mu.Lock()
	f.edits++
	for _, id := range ids {
		if m, ok := f.msgs[id]; ok {
			m.Text, m.Edited = c.Body.PlainText(), m.Edited+1
		}
	}
	f.mu.Unlock()
	return f.finish(ctx)
}

func (f *recConn) Delete(ctx context.Context, at bot.Place, ids []bot.RemoteID) error {
	if err := f.check("delete", ""); err != nil {
		return err
	}
	f.mu.Lock()
	f.deletes++
	for _, id := range ids {
		if m, ok := f.msgs[id]; ok {
			m.Deleted = true
		}
	}
	f.mu.Unlock()
	return f.finish(ctx)
}

// threadTexts lists the texts of the messages in a thread, in order.
func (f *recConn) threadTexts(thread bot.RemoteID) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, id := range f.thread[thread] {
		out = append(out, f.msgs[id].Text)
	}
	return out
}

// threadMsgs copies the messages of a thread.
func (f *recConn) threadMsgs(thread bot.RemoteID) []recMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []recMsg
	for _, id := range f.thread[thread] {
		out = append(out, *f.msgs[id])
	}
	return out
}

// counts returns distinct keys created and send calls.
func (f *recConn) counts() (keys, sends int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.byKey), f.sends
}

func (f *recConn) setFail(fn func(op, key string) error) {
	f.mu.Lock()
	f.fail = fn
	f.mu.Unlock()
}

func (f *recConn) setAfter(fn func(ctx context.Context) error) {
	f.mu.Lock()
	f.after = fn
	f.mu.Unlock()
}
