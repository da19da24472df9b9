package dendritetest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// call makes one client-server API request and returns the status and body.
func call(t *testing.T, method, url, token string, body any) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}

func TestServer(t *testing.T) {
	s := Start(t, Config{})
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("URL = %q, want a 127.0.0.1 address", s.URL)
	}
	alice := s.User(t, "alice")

	t.Run("user can act", func(t *testing.T) {
		code, body := call(t, http.MethodGet, s.URL+"/_matrix/client/v3/account/whoami", alice.AccessToken, nil)
		if code != http.StatusOK || !strings.Contains(body, `"@alice:localhost"`) {
			t.Fatalf("whoami = %d %s, want 200 naming @alice:localhost", code, body)
		}
	})

	t.Run("doors are closed", func(t *testing.T) {
		for _, tc := range []struct {
			name, method, path string
			body               any
			want               int
		}{
			{"open registration", http.MethodPost, "/_matrix/client/v3/register",
				map[string]any{"username": "mallory", "password": "correct horse battery", "auth": map[string]string{"type": "m.login.dummy"}}, http.StatusForbidden},
			{"guest registration", http.MethodPost, "/_matrix/client/v3/register?kind=guest", map[string]any{}, http.StatusForbidden},
			{"federation api", http.MethodGet, "/_matrix/federation/v1/version", nil, http.StatusNotFound},
			{"server keys", http.MethodGet, "/_matrix/key/v2/server", nil, http.StatusNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				code, body := call(t, tc.method, s.URL+tc.path, "", tc.body)
				if code != tc.want {
					t.Errorf("%s %s = %d %s, want %d", tc.method, tc.path, code, body, tc.want)
				}
			})
		}
	})

	t.Run("listens on loopback only", func(t *testing.T) {
		s.mu.Lock()
		pid := s.cmd.Process.Pid
		s.mu.Unlock()
		if err := checkLoopbackOnly(pid); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("restart keeps users and tokens", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := s.Restart(ctx); err != nil {
			t.Fatal(err)
		}
		code, body := call(t, http.MethodGet, s.URL+"/_matrix/client/v3/account/whoami", alice.AccessToken, nil)
		if code != http.StatusOK {
			t.Fatalf("whoami after restart = %d %s, want 200", code, body)
		}
	})
}

func TestLoopbackHex(t *testing.T) {
	for _, tc := range []struct {
		local string
		want  bool
	}{
		{"0100007F:1F90", true},                          // 127.0.0.1:8080
		{"0101007F:1F90", true},                          // 127.0.1.1
		{"00000000:1F90", false},                         // 0.0.0.0
		{"0100000A:1F90", false},                         // 10.0.0.1
		{"00000000000000000000000001000000:1F90", true},  // ::1
		{"00000000000000000000000000000000:1F90", false}, // ::
		{"0000000000000000FFFF00000100007F:1F90", true},  // ::ffff:127.0.0.1
		{"0000000000000000FFFF00000100000A:1F90", false}, // ::ffff:10.0.0.1
		{"garbage", false},
	} {
		if got := loopbackHex(tc.local); got != tc.want {
			t.Errorf("loopbackHex(%q) = %v, want %v", tc.local, got, tc.want)
		}
	}
}
