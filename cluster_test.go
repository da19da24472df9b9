package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
	"github.com/heraldchat/herald/internal/dendritetest"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

// clusterWait bounds every wait in the cluster test; it guards against a
// hang on a busy machine and is no measure of speed.
const clusterWait = 3 * time.Minute

// newsServer serves numbered RSS feeds whose items the test adds to.
type newsServer struct {
	mu    sync.Mutex
	items map[int]int // feed → number of items
	srv   *httptest.Server
	start time.Time
}

func newNewsServer(t *testing.T, feeds int) *newsServer {
	n := &newsServer{items: map[int]int{}, start: time.Now().Add(-time.Hour)}
	for i := range feeds {
		n.items[i] = 1
	}
	n.srv = httptest.NewServer(http.HandlerFunc(n.serve))
	t.Cleanup(n.srv.Close)
	return n
}

// articleURL is where item k of feed i links; the test finds posts by it.
func articleURL(feed, item int) string {
	return fmt.Sprintf("https://news.example.org/a/%d-%d", feed, item)
}

var articleRE = regexp.MustCompile(`https://news\.example\.org/a/\d+-\d+`)

func (n *newsServer) serve(w http.ResponseWriter, r *http.Request) {
	var feed int
	if _, err := fmt.Sscanf(r.URL.Path, "/feed/%d.xml", &feed); err != nil {
		http.NotFound(w, r)
		return
	}
	n.mu.Lock()
	count, ok := n.items[feed]
	n.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	etag := fmt.Sprintf(`"%d-%d"`, feed, count)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>Feed %d</title><link>https://news.example.org/</link><description>test feed</description>`, feed)
	for k := count; k >= 1; k-- {
		fmt.Fprintf(&b, `<item><title>Story %d of feed %d</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate><description>Story %d.</description></item>`,
			k, feed, articleURL(feed, k), articleURL(feed, k), n.start.Add(time.Duration(k)*time.Minute).Format(time.RFC1123Z), k)
	}
	b.WriteString(`</channel></rss>`)
	w.Header().Set("Content-Type", "application/rss+xml")
	w.Header().Set("ETag", etag)
	io.WriteString(w, b.String())
}

// addItem gives every feed one more item.
func (n *newsServer) addItem() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for i := range n.items {
		n.items[i]++
	}
}

// clusterConfig is one instance's config file.
func clusterConfig(feeds int, news, discordURL, token, appID, channel, hs, botID, botToken string, room id.RoomID, dsn string, shard int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `database:
  driver: postgres
  dsn: %q
defaults:
  schedule: "@every 5s"
  min_interval: 1s
  first_post: 1
fetch:
  jitter: 0s
  allow: ["127.0.0.0/8"]
cluster:
  feed_lease: 10s
  outbox_lease: 10s
  leader_retry: 500ms
discord:
  token: %q
  application_id: %q
  api_base: %q
  shard_id: %d
  shard_count: 3
matrix:
  homeserver: %q
  user_id: %q
  access_token: %q
  rooms: [%q]
feeds:
`, dsn, token, appID, discordURL, shard, hs, botID, botToken, string(room))
	for i := range feeds {
		fmt.Fprintf(&b, "  - url: %s/feed/%d.xml\n    name: Feed %d\n    routes:\n      - to: discord:%s\n      - to: matrix:%s\n",
			news, i, i, channel, string(room))
	}
	return b.String()
}

// metricSum adds up the samples of a metric whose labels include all of
// want, from a Prometheus text exposition.
func metricSum(exposition, name string, want map[string]string) float64 {
	sum := 0.0
	sc := bufio.NewScanner(strings.NewReader(exposition))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		labels := ""
		if strings.HasPrefix(rest, "{") {
			end := strings.Index(rest, "}")
			labels, rest = rest[1:end], rest[end+1:]
		} else if !strings.HasPrefix(rest, " ") {
			continue // a longer name
		}
		ok := true
		for k, v := range want {
			if !strings.Contains(","+labels+",", fmt.Sprintf(",%s=%q,", k, v)) {
				ok = false
			}
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64); ok && err == nil {
			sum += v
		}
	}
	return sum
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(clusterWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %s waiting for %s", clusterWait, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// postedOnDiscord counts, per article URL, the channel's messages that link it.
func postedOnDiscord(fake *discordtest.Server, channel string) map[string]int {
	got := map[string]int{}
	for _, m := range fake.Messages(channel) {
		if m.Deleted {
			continue
		}
		raw, _ := json.Marshal(m.Message)
		for _, u := range uniq(articleRE.FindAllString(string(raw), -1)) {
			got[u]++
		}
	}
	return got
}

// postedOnMatrix counts, per article URL, the room's messages that link
// it, read by another user through /messages.
func postedOnMatrix(ctx context.Context, t *testing.T, cli *mautrix.Client, room id.RoomID) map[string]int {
	t.Helper()
	got := map[string]int{}
	from := ""
	for {
		resp, err := cli.Messages(ctx, room, from, "", mautrix.DirectionBackward, nil, 1000)
		if err != nil {
			t.Fatalf("read the Matrix room: %v", err)
		}
		for _, ev := range resp.Chunk {
			if ev.Type != event.EventMessage {
				continue
			}
			for _, u := range uniq(articleRE.FindAllString(string(ev.Content.VeryRaw), -1)) {
				got[u]++
			}
		}
		if resp.End == "" || len(resp.Chunk) == 0 {
			return got
		}
		from = resp.End
	}
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// checkOnce compares what a place shows with the articles expected there.
func checkOnce(t *testing.T, place string, got map[string]int, want []string) {
	t.Helper()
	wantSet := map[string]bool{}
	for _, u := range want {
		wantSet[u] = true
		if got[u] != 1 {
			t.Errorf("%s: article %s posted %d times, want once", place, u, got[u])
		}
	}
	for u, n := range got {
		if !wantSet[u] {
			t.Errorf("%s: unexpected article %s posted %d times", place, u, n)
		}
	}
}

func complete(got map[string]int, want []string) bool {
	for _, u := range want {
		if got[u] == 0 {
			return false
		}
	}
	return true
}

// TestClusterThreeInstances is the scale-out acceptance test: three
// `herald run` processes on one PostgreSQL schema, 300 feeds, the fake
// Discord (reached through discord.api_base, one gateway shard per
// instance) and a real Dendrite. Every article must reach the Discord
// channel and the Matrix room exactly once; the instance leading the
// Matrix /sync loop is SIGKILLed while it holds delivery leases, and once
// they expire the others deliver the rest and one of them takes over /sync;
// the instances' /metrics add up to what was delivered. The victim then
// comes back as a standby, and a reply written on each platform reaches
// the other exactly once.
func TestClusterThreeInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Dendrite and three herald processes")
	}
	const feeds = 300
	dsn := storetest.PostgresDSN(t)
	hs := dendritetest.Start(t, dendritetest.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	botUser := hs.User(t, "herald")
	reader := hs.User(t, "reader")
	readerCli, err := mautrix.NewClient(hs.URL, id.UserID(reader.ID), reader.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	created, err := readerCli.CreateRoom(ctx, &mautrix.ReqCreateRoom{Preset: "public_chat", Name: "news"})
	if err != nil {
		t.Fatalf("create the Matrix room: %v", err)
	}
	room := created.RoomID
	// The bot joins once for the account; every instance posts as it.
	botCli, err := mautrix.NewClient(hs.URL, id.UserID(botUser.ID), botUser.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := botCli.JoinRoomByID(ctx, room); err != nil {
		t.Fatalf("the bot joins the room: %v", err)
	}

	fake := discordtest.New(discordtest.Config{NoRateLimits: true})
	t.Cleanup(fake.Close)
	channel := fake.AddTextChannel("news")
	news := newNewsServer(t, feeds)

	dir := t.TempDir()
	var daemons []*daemon
	var bases []string
	for i := range 3 {
		cfgPath := filepath.Join(dir, fmt.Sprintf("herald-%d.yaml", i))
		cfg := clusterConfig(feeds, news.srv.URL, fake.URL(), fake.Token(), fake.ApplicationID(), channel,
			hs.URL, botUser.ID, botUser.AccessToken, room, dsn, i)
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		d := startDaemon(t, dir, "-config", cfgPath, "-data", filepath.Join(dir, fmt.Sprint("data-", i)))
		daemons = append(daemons, d)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for i, d := range daemons {
				t.Logf("instance %d log (tail):\n%s", i, tailString(d.log(), 6000))
			}
		}
	})
	for i, d := range daemons {
		select {
		case addr := <-d.addr:
			bases = append(bases, addr)
		case err := <-d.done:
			t.Fatalf("instance %d exited early: %v\n%s", i, err, d.log())
		case <-time.After(clusterWait):
			t.Fatalf("instance %d logged no HTTP address:\n%s", i, d.log())
		}
	}
	for i, base := range bases {
		waitUntil(t, fmt.Sprintf("instance %d /readyz", i), func() bool {
			code, _ := httpGet(t, base+"/readyz")
			return code == http.StatusOK
		})
	}
	// Each instance opened the gateway for its own shard.
	shards := map[int]bool{}
	for _, id := range fake.Identifies() {
		if id.Shard != nil {
			shards[id.Shard[0]] = id.Shard[1] == 3
		}
	}
	for s := range 3 {
		if !shards[s] {
			t.Errorf("no gateway IDENTIFY for shard [%d, 3]; got %v", s, fake.Identifies())
		}
	}

	db, err := store.Open(ctx, store.Postgres, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw, err := sql.Open("pgx", dsn) // registered by storetest
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	drained := func() bool {
		ds, err := db.OutboxDepths(ctx)
		return err == nil && len(ds) == 0
	}
	var want []string
	for i := range feeds {
		want = append(want, articleURL(i, 1))
	}

	// Phase 1: every feed's first story, with all three instances up.
	phase1 := time.Now()
	waitUntil(t, "phase 1 delivered", func() bool {
		return complete(postedOnDiscord(fake, channel), want) && complete(postedOnMatrix(ctx, t, readerCli, room), want) && drained()
	})
	t.Logf("phase 1: %d articles to 2 places in %s", feeds, time.Since(phase1).Round(time.Second))
	checkOnce(t, "discord", postedOnDiscord(fake, channel), want)
	checkOnce(t, "matrix", postedOnMatrix(ctx, t, readerCli, room), want)
	scrapes := make([]string, len(bases))
	doneSum := func(scrapes []string, platform string) float64 {
		s := 0.0
		for _, m := range scrapes {
			s += metricSum(m, "herald_deliveries_total", map[string]string{"platform": platform, "kind": "post_article", "outcome": "done"})
		}
		return s
	}
	leader := -1
	newArticles := 0.0
	for i, base := range bases {
		_, scrapes[i] = httpGet(t, base+"/metrics")
		newArticles += metricSum(scrapes[i], "herald_articles_total", map[string]string{"change": "new"})
		if metricSum(scrapes[i], "herald_leader", map[string]string{"role": "matrix_sync"}) == 1 {
			if leader >= 0 {
				t.Errorf("instances %d and %d both lead the Matrix /sync loop", leader, i)
			}
			leader = i
		}
	}
	for _, p := range []string{"discord", "matrix"} {
		if got := doneSum(scrapes, p); got != feeds {
			t.Errorf("phase 1: /metrics deliveries done to %s summed over instances: got %v, want %d", p, got, feeds)
		}
	}
	if newArticles != feeds {
		t.Errorf("phase 1: /metrics new articles summed over instances: got %v, want %d", newArticles, feeds)
	}
	if leader < 0 {
		t.Fatal("no instance leads the Matrix /sync loop")
	}

	// Phase 2: a second story everywhere; the /sync leader is killed while
	// it holds delivery leases.
	news.addItem()
	phase2 := time.Now()
	for i := range feeds {
		want = append(want, articleURL(i, 2))
	}
	victim := daemons[leader]
	owner := fmt.Sprintf("%%-%d-%%", victim.cmd.Process.Pid)
	var held int
	waitUntil(t, "the victim to hold delivery leases", func() bool {
		err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND lease_owner LIKE $1`, owner).Scan(&held)
		return err == nil && held > 0
	})
	_, before := httpGet(t, bases[leader]+"/metrics")
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-victim.done
	t.Logf("killed instance %d (pid %d) holding %d delivery leases", leader, victim.cmd.Process.Pid, held)

	waitUntil(t, "phase 2 delivered by the survivors", func() bool {
		return complete(postedOnDiscord(fake, channel), want) && complete(postedOnMatrix(ctx, t, readerCli, room), want) && drained()
	})
	t.Logf("phase 2: %d more articles to 2 places, one instance killed, in %s", feeds, time.Since(phase2).Round(time.Second))
	checkOnce(t, "discord", postedOnDiscord(fake, channel), want)
	checkOnce(t, "matrix", postedOnMatrix(ctx, t, readerCli, room), want)

	var survivors []string
	waitUntil(t, "a survivor to take over the Matrix /sync loop", func() bool {
		leaders := 0
		survivors = survivors[:0]
		for i, base := range bases {
			if i == leader {
				continue
			}
			_, m := httpGet(t, base+"/metrics")
			survivors = append(survivors, m)
			leaders += int(metricSum(m, "herald_leader", map[string]string{"role": "matrix_sync"}))
		}
		return leaders == 1
	})
	polls := 0.0
	for _, m := range survivors {
		polls += metricSum(m, "herald_feed_polls_total", nil)
	}
	t.Logf("the two survivors polled %v times in %s (300 feeds @every 5s)", polls, time.Since(phase1).Round(time.Second))
	// The survivors' counts plus what the victim had counted before it
	// died cannot exceed what was delivered: nothing was delivered twice.
	// (They may fall short by what the victim delivered after its last
	// scrape; those counts died with it. Phase 1 checked the exact sum.)
	for _, p := range []string{"discord", "matrix"} {
		got := doneSum(survivors, p) + metricSum(before, "herald_deliveries_total", map[string]string{"platform": p, "kind": "post_article", "outcome": "done"})
		if got > 2*feeds {
			t.Errorf("phase 2: /metrics deliveries done to %s (survivors + victim's last scrape): got %v, more than the %d delivered", p, got, 2*feeds)
		}
		for _, m := range survivors {
			if n := metricSum(m, "herald_outbox_pending", map[string]string{"platform": p}); n != 0 {
				t.Errorf("/metrics outbox pending for %s after draining: got %v, want 0", p, n)
			}
		}
	}

	// The victim comes back (its Discord shard has no failover) and stays
	// a standby; comments then cross both ways through the new /sync
	// leader and whichever instance holds the guild's shard, once each.
	restarted := startDaemon(t, dir, "-config", filepath.Join(dir, fmt.Sprintf("herald-%d.yaml", leader)),
		"-data", filepath.Join(dir, fmt.Sprint("data-", leader)))
	daemons[leader] = restarted
	bases[leader] = waitAddr(t, restarted)
	waitUntil(t, "the restarted instance's /readyz", func() bool {
		code, _ := httpGet(t, bases[leader]+"/readyz")
		return code == http.StatusOK
	})
	story := articleURL(7, 2)
	thread := discordStarter(fake, channel, story)
	root := matrixRoot(ctx, t, readerCli, room, story)
	if thread == "" || root == "" {
		t.Fatalf("article %s: Discord starter %q, Matrix root %q; want both", story, thread, root)
	}
	fromMatrix, fromDiscord := "a reply written in Matrix", "a reply written on Discord"
	if _, err := readerCli.SendMessageEvent(ctx, room, event.EventMessage, &event.MessageEventContent{
		MsgType: event.MsgText, Body: fromMatrix, RelatesTo: (&event.RelatesTo{}).SetThread(root, root)}); err != nil {
		t.Fatalf("reply in the Matrix thread: %v", err)
	}
	if _, err := fake.Say(thread, fake.Owner(), fromDiscord, ""); err != nil {
		t.Fatalf("reply in the Discord thread: %v", err)
	}
	onDiscord := func() int {
		n := 0
		for _, m := range fake.Messages(thread) {
			if strings.Contains(m.Content, fromMatrix) {
				n++
			}
		}
		return n
	}
	onMatrix := func() int {
		n := 0
		for _, ev := range matrixMessages(ctx, t, readerCli, room) {
			if strings.Contains(string(ev.Content.VeryRaw), fromDiscord) {
				n++
			}
		}
		return n
	}
	waitUntil(t, "both replies mirrored", func() bool { return onDiscord() > 0 && onMatrix() > 0 && drained() })
	if n := onDiscord(); n != 1 {
		t.Errorf("the Matrix reply is in the Discord thread %d times, want once", n)
	}
	if n := onMatrix(); n != 1 {
		t.Errorf("the Discord reply is in the Matrix room %d times, want once", n)
	}
	leaders, latencies := 0.0, 0.0
	for _, base := range bases {
		_, m := httpGet(t, base+"/metrics")
		leaders += metricSum(m, "herald_leader", map[string]string{"role": "matrix_sync"})
		latencies += metricSum(m, "herald_relay_latency_seconds_count", nil)
	}
	if leaders != 1 {
		t.Errorf("instances leading the Matrix /sync loop after the restart: got %v, want 1", leaders)
	}
	if latencies != 2 {
		t.Errorf("relay latency observations summed over instances: got %v, want 2 (one per mirrored reply)", latencies)
	}
}

// discordStarter is the id of the channel message that links url; its
// thread has the same id.
func discordStarter(fake *discordtest.Server, channel, url string) string {
	for _, m := range fake.Messages(channel) {
		raw, _ := json.Marshal(m.Message)
		if strings.Contains(string(raw), url) {
			return m.ID
		}
	}
	return ""
}

// matrixMessages lists the room's m.room.message events, newest first.
func matrixMessages(ctx context.Context, t *testing.T, cli *mautrix.Client, room id.RoomID) []*event.Event {
	t.Helper()
	var out []*event.Event
	from := ""
	for {
		resp, err := cli.Messages(ctx, room, from, "", mautrix.DirectionBackward, nil, 1000)
		if err != nil {
			t.Fatalf("read the Matrix room: %v", err)
		}
		for _, ev := range resp.Chunk {
			if ev.Type == event.EventMessage {
				out = append(out, ev)
			}
		}
		if resp.End == "" || len(resp.Chunk) == 0 {
			return out
		}
		from = resp.End
	}
}

// matrixRoot is the event that posted url in the room.
func matrixRoot(ctx context.Context, t *testing.T, cli *mautrix.Client, room id.RoomID, url string) id.EventID {
	for _, ev := range matrixMessages(ctx, t, cli, room) {
		if strings.Contains(string(ev.Content.VeryRaw), url) {
			return ev.ID
		}
	}
	return ""
}

func tailString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
