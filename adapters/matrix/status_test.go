package matrix

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// TestStatusAnswersWhileTheHomeserverIsDown: while Run keeps retrying its
// login against a homeserver nobody answers for, a probe must still come
// back (within its own context) with an error, not wait for the login.
func TestStatusAnswersWhileTheHomeserverIsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	a := New(Options{Homeserver: down, UserID: "@herald:localhost", AccessToken: "token", State: openState(t),
		Logger: testLogger(t), MaxBackoff: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- a.Run(ctx, newInbox()) }()
	defer func() { cancel(); <-ran }()
	time.Sleep(500 * time.Millisecond) // let Run start retrying its login

	for i := range 3 {
		got := make(chan error, 1)
		go func() {
			probeCtx, stop := context.WithTimeout(context.Background(), time.Second)
			defer stop()
			state, err := a.Status(probeCtx)
			if err == nil {
				t.Errorf("probe %d: Status = %q with no error, want an error while the homeserver is down", i, state)
			}
			got <- err
		}()
		select {
		case err := <-got:
			if err != nil && !strings.Contains(err.Error(), down) {
				t.Errorf("probe %d: error %q does not name the homeserver %s", i, err, down)
			}
		case <-time.After(30 * time.Second): // a hang guard, not a timing check
			t.Fatalf("probe %d: Status did not return while the homeserver is down", i)
		}
	}
}
