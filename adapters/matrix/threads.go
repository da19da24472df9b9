package matrix

import (
	"container/list"
	"sync"

	"maunium.net/go/mautrix/id"
)

// threadCacheSize bounds the event→thread memory; at a few hundred bytes
// an entry it stays in the low megabytes.
const threadCacheSize = 20000

// threadCache is a small LRU from event id to what a later edit, reaction
// or redaction of that event needs to know: its thread, and for a reaction
// what it reacted to with which emoji.
type threadCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // front: most recent; values are id.EventID
	m     map[id.EventID]threadEntry
}

// eventInfo is what is remembered of one event.
type eventInfo struct {
	root    id.EventID // thread root; "" when in no thread
	reactTo id.EventID // for a reaction: the event reacted to
	emoji   string
}

type threadEntry struct {
	eventInfo
	el *list.Element
}

func newThreadCache(max int) *threadCache {
	return &threadCache{max: max, order: list.New(), m: map[id.EventID]threadEntry{}}
}

func (c *threadCache) put(ev, root id.EventID) { c.putInfo(ev, eventInfo{root: root}) }

func (c *threadCache) putReaction(ev, root, target id.EventID, emoji string) {
	c.putInfo(ev, eventInfo{root: root, reactTo: target, emoji: emoji})
}

func (c *threadCache) putInfo(ev id.EventID, info eventInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[ev]; ok {
		c.order.MoveToFront(e.el)
		c.m[ev] = threadEntry{eventInfo: info, el: e.el}
		return
	}
	c.m[ev] = threadEntry{eventInfo: info, el: c.order.PushFront(ev)}
	for c.order.Len() > c.max {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.m, old.Value.(id.EventID))
	}
}

func (c *threadCache) info(ev id.EventID) (eventInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[ev]
	if !ok {
		return eventInfo{}, false
	}
	c.order.MoveToFront(e.el)
	return e.eventInfo, true
}

// rememberThread notes the thread an event belongs to (a root is its own).
func (a *Adapter) rememberThread(ev, root id.EventID) { a.threads.put(ev, root) }
