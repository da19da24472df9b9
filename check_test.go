package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCheck runs `herald check` through the real dispatcher.
func runCheck(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = dispatch(context.Background(), append([]string{"check"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCheckCommand(t *testing.T) {
	// Keep the example's ${VAR}s unset whatever the machine has.
	for _, v := range []string{"DISCORD_TOKEN", "MATRIX_TOKEN", "MATRIX_PASSWORD", "DATABASE_URL"} {
		t.Setenv(v, "")
	}
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	literal := write("literal.yaml", "discord:\n  token: abc.def.ghi\n")
	cases := []struct {
		name       string
		args       []string
		wantCode   int
		wantOut    []string // lines or fragments stdout must contain
		wantErr    string   // fragment stderr must contain
		inTempDir  bool     // run in an empty directory
		exactLines int      // when > 0, stdout has exactly this many lines
	}{
		{
			name:     "five mistakes",
			args:     []string{"-config", "config/testdata/five_mistakes.yaml"},
			wantCode: 1,
			wantOut: []string{
				"config/testdata/five_mistakes.yaml:3: feeds[0].url: ",
				"config/testdata/five_mistakes.yaml:8: feeds[1].schedule: \"*/61 * * * *\" is not a valid cron spec (minute must be 0-59)\n",
				"config/testdata/five_mistakes.yaml:10: feeds[2].shedule: unknown key \"shedule\" (did you mean \"schedule\"?)\n",
				"config/testdata/five_mistakes.yaml:12: discord.token: must be text",
				"config/testdata/five_mistakes.yaml:14: database.driver: \"mysql\" is not a supported driver",
				"5 problem(s)",
			},
			exactLines: 6,
		},
		{
			name:     "example config",
			args:     []string{"-config", "herald.example.yaml"},
			wantCode: 0,
			wantOut:  []string{"herald.example.yaml is valid", "1 feed, 2 routes, 1 link", "discord: off (no token)", "matrix: off (no access token or password)", "database: sqlite"},
		},
		{
			name:     "literal secret warns but passes",
			args:     []string{"-config", literal},
			wantCode: 0,
			wantOut:  []string{"warning: " + literal + ":2: discord.token: a secret is written in the file", "discord: on (global commands)"},
		},
		{
			name:     "missing file",
			args:     []string{"-config", filepath.Join(dir, "absent.yaml")},
			wantCode: 1,
			wantErr:  "absent.yaml does not exist",
		},
		{
			name:      "default file name",
			args:      nil,
			inTempDir: true,
			wantCode:  1,
			wantErr:   "herald.yaml does not exist",
		},
		{
			name:     "help",
			args:     []string{"-h"},
			wantCode: 0,
			wantErr:  "Usage: herald check [-config FILE]",
		},
		{
			name:     "stray argument",
			args:     []string{"herald.yaml"},
			wantCode: 1,
			wantErr:  `unexpected argument "herald.yaml"`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.inTempDir {
				t.Chdir(dir)
			}
			code, out, errOut := runCheck(t, tc.args...)
			if code != tc.wantCode {
				t.Errorf("exit code: got %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.wantCode, out, errOut)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if tc.exactLines > 0 {
				if got := strings.Count(out, "\n"); got != tc.exactLines {
					t.Errorf("stdout: got %d lines, want %d:\n%s", got, tc.exactLines, out)
				}
			}
			if tc.wantErr != "" && !strings.Contains(errOut, tc.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tc.wantErr, errOut)
			}
		})
	}
}

func TestCheckAppliesTheRenderersTemplateRules(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.yaml")
	cfg := "feeds:\n" +
		"  - url: https://example.org/feed.xml\n" +
		"    template: \"{{template \\\"x\\\"}}\"\n" +
		"    routes:\n" +
		"      - to: discord:1081234567890123456\n" +
		"        template: \"{{range .Categories}}{{range .}}{{range .}}x{{end}}{{end}}{{end}}\"\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	if code := dispatch(context.Background(), []string{"check", "-config", path}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit code: got %d, want 1\n%s%s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{
		path + ":3: feeds[0].template: template: line 1: {{template}} is not allowed",
		path + ":6: feeds[0].routes[0].template: template: line 1: range nested more than 2 deep",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
}
