package config

import "testing"

func TestExpandEnv(t *testing.T) {
	env := envOf(map[string]string{"TOKEN": "abc", "EMPTY": "", "PORT": "5432"})
	cases := []struct {
		in, want, err string
	}{
		{"plain", "plain", ""},
		{"${TOKEN}", "abc", ""},
		{"Bearer ${TOKEN}!", "Bearer abc!", ""},
		{"${UNSET}", "", ""},
		{"${UNSET:-fallback}", "fallback", ""},
		{"${EMPTY:-fallback}", "fallback", ""},
		{"${TOKEN:-fallback}", "abc", ""},
		{"${UNSET:-}", "", ""},
		{"host:${PORT}/${TOKEN}", "host:5432/abc", ""},
		{"^breaking$", "^breaking$", ""}, // bare $ is not a reference
		{"$TOKEN", "$TOKEN", ""},
		{"$${TOKEN}", "${TOKEN}", ""},
		{"${TOKEN", "", `"${TOKEN" has an unclosed ${ (write ${NAME}, or $${ for a literal ${)`},
		{"${}", "", `${} is not a variable reference: a name is letters, digits and _ (use ${NAME} or ${NAME:-default})`},
		{"${1A}", "", `${1A} is not a variable reference: a name is letters, digits and _ (use ${NAME} or ${NAME:-default})`},
		{"${A B}", "", `${A B} is not a variable reference: a name is letters, digits and _ (use ${NAME} or ${NAME:-default})`},
	}
	for _, tc := range cases {
		got, err := expandEnv(tc.in, env)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != tc.want || gotErr != tc.err {
			t.Errorf("expandEnv(%q) = %q, %q; want %q, %q", tc.in, got, gotErr, tc.want, tc.err)
		}
	}
}

func TestEnvInTypedValues(t *testing.T) {
	c, err := parseWith("herald.yaml", []byte(
		"fetch:\n  per_host: ${HOSTS}\n  timeout: ${TIMEOUT:-45s}\n  max_body: ${BODY}\ndiscord:\n  enabled: ${ON}\n"),
		envOf(map[string]string{"HOSTS": "7", "BODY": "2MiB", "ON": "false"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Fetch.PerHost != 7 || c.Fetch.Timeout.Std().Seconds() != 45 || c.Fetch.MaxBody != 2<<20 || c.Discord.Enabled == nil || *c.Discord.Enabled {
		t.Errorf("got per_host %d timeout %v max_body %d enabled %v", c.Fetch.PerHost, c.Fetch.Timeout.Std(), c.Fetch.MaxBody, c.Discord.Enabled)
	}
}

func TestClosestKey(t *testing.T) {
	known := []string{"url", "name", "schedule", "routes", "max_age", "first_post", "min_interval"}
	cases := map[string]string{
		"shedule":     "schedule",
		"schedul":     "schedule",
		"Schedule":    "schedule",
		"first-post":  "first_post",
		"maxAge":      "max_age",
		"rout":        "routes",
		"colour_code": "",
		"x":           "",
	}
	for in, want := range cases {
		if got := closest(in, known); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
}
