package dendritetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"time"
)

// User is an account on the test server with one logged-in device.
type User struct {
	ID          string // @alice:localhost
	Localpart   string
	Password    string
	AccessToken string
	DeviceID    string
}

// CreateUser registers an account through create-account (which uses the
// shared-secret admin endpoint, the only way in) and logs it in once.
func (s *Server) CreateUser(ctx context.Context, localpart string) (User, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return User{}, fmt.Errorf("create user %s: %w", localpart, err)
	}
	password := hex.EncodeToString(b[:])
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, "create-account"),
		"-config", s.config, "-url", s.URL, "-username", localpart, "-passwordstdin")
	cmd.Stdin = bytes.NewReader([]byte(password))
	cmd.Dir = s.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return User{}, fmt.Errorf("create user %s: create-account: %w\n%s", localpart, err, out)
	}
	u := User{ID: "@" + localpart + ":" + s.ServerName, Localpart: localpart, Password: password}
	return s.Login(ctx, u)
}

// Login logs u in with its password as a new device and returns u with that
// device's token. A server started with rate limiting answers logins that
// come too fast with M_LIMIT_EXCEEDED; Login waits out retry_after_ms as a
// client would, until ctx ends.
func (s *Server) Login(ctx context.Context, u User) (User, error) {
	for {
		got, wait, err := s.login(ctx, u)
		if err == nil || wait == 0 {
			return got, err
		}
		select {
		case <-ctx.Done():
			return User{}, fmt.Errorf("%w (waiting to retry after %v: %w)", err, wait, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// login makes one login request; on a 429 it also returns how long to wait.
func (s *Server) login(ctx context.Context, u User) (User, time.Duration, error) {
	body, _ := json.Marshal(map[string]any{
		"type":       "m.login.password",
		"identifier": map[string]string{"type": "m.id.user", "user": u.Localpart},
		"password":   u.Password,
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/_matrix/client/v3/login", bytes.NewReader(body))
	if err != nil {
		return User{}, 0, fmt.Errorf("log in %s: %w", u.ID, err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return User{}, 0, fmt.Errorf("log in %s: %w", u.ID, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode == http.StatusTooManyRequests {
		var limited struct {
			RetryAfterMS int64 `json:"retry_after_ms"`
		}
		_ = json.Unmarshal(raw, &limited)
		wait := max(time.Duration(limited.RetryAfterMS)*time.Millisecond, 100*time.Millisecond)
		return User{}, wait, fmt.Errorf("log in %s: HTTP 429: %s", u.ID, raw)
	}
	if res.StatusCode != http.StatusOK {
		return User{}, 0, fmt.Errorf("log in %s: HTTP %d: %s", u.ID, res.StatusCode, raw)
	}
	var got struct {
		UserID      string `json:"user_id"`
		AccessToken string `json:"access_token"`
		DeviceID    string `json:"device_id"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		return User{}, 0, fmt.Errorf("log in %s: %w", u.ID, err)
	}
	u.ID, u.AccessToken, u.DeviceID = got.UserID, got.AccessToken, got.DeviceID
	return u, 0, nil
}
