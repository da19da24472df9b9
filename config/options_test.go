package config

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		out  string // MarshalText
		ok   bool
	}{
		{"90s", 90 * time.Second, "1m30s", true},
		{"10m", 10 * time.Minute, "10m0s", true},
		{"3d", 72 * time.Hour, "3d", true},
		{"0.5d", 12 * time.Hour, "12h0m0s", true},
		{"72h", 72 * time.Hour, "3d", true},
		{" 2h ", 2 * time.Hour, "2h0m0s", true},
		{"0", 0, "0s", true},
		{"-1m", 0, "", false},
		{"-1d", 0, "", false},
		{"soon", 0, "", false},
		{"d", 0, "", false},
	}
	for _, tc := range cases {
		got, err := ParseDuration(tc.in)
		if (err == nil) != tc.ok || got.Std() != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok %v", tc.in, got.Std(), err, tc.want, tc.ok)
			continue
		}
		if !tc.ok {
			continue
		}
		text, _ := got.MarshalText()
		if string(text) != tc.out {
			t.Errorf("MarshalText(%v) = %q, want %q", tc.want, text, tc.out)
		}
		back, err := ParseDuration(string(text))
		if err != nil || back != got {
			t.Errorf("round trip %q → %v, %v; want %v", text, back.Std(), err, tc.want)
		}
	}
}

// The store keeps options as JSON; what it writes it must read back.
func TestOptionsJSONRoundTrip(t *testing.T) {
	n := 3
	yes := true
	in := FeedOptions{MaxAge: Duration(48 * time.Hour), FirstPost: &n, MinInterval: Duration(90 * time.Second),
		Filters: Filters{Include: []Pattern{{Field: "title", Regex: "^Go"}}, Match: "all"}}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out FeedOptions
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("unmarshal %s: %v", data, err)
	}
	if out.MaxAge != in.MaxAge || *out.FirstPost != 3 || out.MinInterval != in.MinInterval || out.Filters.Match != "all" || out.Filters.Include[0].Regex != "^Go" {
		t.Errorf("round trip: got %+v from %s", out, data)
	}
	ro := RouteOptions{QuietHours: &QuietHours{Start: "22:00", End: "07:00"}, MirrorComments: &yes, Digest: &Digest{Schedule: "@daily"}}
	data, _ = json.Marshal(ro)
	var rout RouteOptions
	if err := json.Unmarshal(data, &rout); err != nil || rout.QuietHours.End != "07:00" || !*rout.MirrorComments || rout.Digest.Schedule != "@daily" {
		t.Errorf("route round trip: got %+v, %v from %s", rout, err, data)
	}
}
