package dendritetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config chooses how the test homeserver behaves.
type Config struct {
	// RateLimit turns on Dendrite's client rate limiting (off by default so
	// tests are quick), to test how clients honour M_LIMIT_EXCEEDED.
	RateLimit bool
	// RateThreshold is how many limited requests a device may make per
	// RateCooloff; Dendrite's defaults (5 per 500ms) when zero.
	RateThreshold int
	RateCooloff   time.Duration
}

// writeConfig writes dendrite.yaml and the signing key into dir. It starts
// from `generate-config -ci` (SQLite files in dir) and then closes every door
// a test server must not have: no federation, no open registration (only the
// shared secret), no phone-home, no presence traffic.
func writeConfig(ctx context.Context, bin, dir string, c Config) (path, secret string, err error) {
	gen := exec.CommandContext(ctx, filepath.Join(bin, "generate-config"), "-ci", "-dir", dir)
	raw, err := gen.Output()
	if err != nil {
		return "", "", fmt.Errorf("generate-config: %w%s", err, stderrOf(err))
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		return "", "", fmt.Errorf("parse generated dendrite config: %w", err)
	}

	key := filepath.Join(dir, "matrix_key.pem")
	keys := exec.CommandContext(ctx, filepath.Join(bin, "generate-keys"), "-private-key", key)
	if out, err := keys.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("generate-keys: %w\n%s", err, out)
	}

	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("make a registration secret: %w", err)
	}
	secret = hex.EncodeToString(b[:])

	threshold, cooloff := c.RateThreshold, c.RateCooloff
	if threshold <= 0 {
		threshold = 5
	}
	if cooloff <= 0 {
		cooloff = 500 * time.Millisecond
	}
	edits := []struct {
		path  []string
		value any
	}{
		{[]string{"global", "server_name"}, "localhost"},
		{[]string{"global", "private_key"}, key},
		{[]string{"global", "disable_federation"}, true},
		{[]string{"global", "presence", "enable_inbound"}, false},
		{[]string{"global", "presence", "enable_outbound"}, false},
		{[]string{"global", "trusted_third_party_id_servers"}, []string{}},
		{[]string{"global", "report_stats", "enabled"}, false},
		{[]string{"global", "sentry", "enabled"}, false},
		{[]string{"global", "metrics", "enabled"}, false},
		{[]string{"global", "server_notices", "enabled"}, false},
		// On disk, so queued work survives a Restart like a real deployment.
		{[]string{"global", "jetstream", "in_memory"}, false},
		{[]string{"global", "jetstream", "storage_path"}, dir},
		{[]string{"federation_api", "key_perspectives"}, []any{}},
		{[]string{"client_api", "registration_disabled"}, true},
		{[]string{"client_api", "guests_disabled"}, true},
		{[]string{"client_api", "registration_shared_secret"}, secret},
		{[]string{"client_api", "rate_limiting", "enabled"}, c.RateLimit},
		{[]string{"client_api", "rate_limiting", "threshold"}, threshold},
		{[]string{"client_api", "rate_limiting", "cooloff_ms"}, cooloff.Milliseconds()},
		{[]string{"sync_api", "search", "enabled"}, false},
		{[]string{"mscs", "mscs"}, []string{}},
		{[]string{"logging"}, []any{map[string]any{"type": "std", "level": "info"}}},
	}
	for _, e := range edits {
		if err := set(cfg, e.path, e.value); err != nil {
			return "", "", err
		}
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		return "", "", fmt.Errorf("write dendrite config: %w", err)
	}
	path = filepath.Join(dir, "dendrite.yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		return "", "", fmt.Errorf("write dendrite config: %w", err)
	}
	return path, secret, nil
}

// set puts value at path in a decoded YAML document. Every map on the way
// must exist already: a missing one means Dendrite's config changed shape,
// and the harness would rather say so than write a key Dendrite ignores.
func set(doc map[string]any, path []string, value any) error {
	m := doc
	for i, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			return fmt.Errorf("dendrite config has no map at %v", path[:i+1])
		}
		m = next
	}
	last := path[len(path)-1]
	if _, ok := m[last]; !ok {
		return fmt.Errorf("dendrite config has no key %v", path)
	}
	m[last] = value
	return nil
}

// stderrOf returns what a failed command printed on stderr, for error messages.
func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
		return "\n" + string(ee.Stderr)
	}
	return ""
}
