package config

import "testing"

func TestParsePlace(t *testing.T) {
	cases := []struct {
		in                string
		platform, channel string
		err               string
	}{
		{"discord:1081234567890123456", "discord", "1081234567890123456", ""},
		{" discord:42 ", "discord", "42", ""},
		{"matrix:!abc:example.org", "matrix", "!abc:example.org", ""},
		{"matrix:!abc:example.org:8448", "matrix", "!abc:example.org:8448", ""},
		{"matrix:!abcDEF123", "matrix", "!abcDEF123", ""}, // room version 12 ids have no server part
		{"matrix:#news:example.org", "matrix", "#news:example.org", ""},
		{"matrix:#news:[::1]:8448", "matrix", "#news:[::1]:8448", ""},
		{"discord:0", "", "", `"discord:0": channel id "0" is not a Discord snowflake (a number such as 1081234567890123456; turn on Developer Mode and use Copy ID)`},
		{"discord:99999999999999999999", "", "", `"discord:99999999999999999999": channel id "99999999999999999999" is not a Discord snowflake (a number such as 1081234567890123456; turn on Developer Mode and use Copy ID)`},
		{"discord:", "", "", `"discord:": channel id is empty`},
		{"matrix:!:example.org", "", "", `"matrix:!:example.org": "!:example.org" is not a Matrix room id (want !id:server)`},
		{"matrix:#news", "", "", `"matrix:#news": "#news" is not a Matrix room alias (want #name:server)`},
		{"matrix:#news:exa mple.org", "", "", `"matrix:#news:exa mple.org": room alias "#news:exa mple.org": server name "exa mple.org" has the character ' '`},
		{"matrix:#news:example.org:0", "", "", `"matrix:#news:example.org:0": room alias "#news:example.org:0": port "0" is not 1-65535`},
		{"1081234567890123456", "", "", `"1081234567890123456" is not a place: write discord:<channel id> or matrix:<room id>`},
		{"Discord:1", "", "", `"Discord:1": unknown platform "Discord" (use discord or matrix)`},
		{"", "", "", `"" is not a place: write discord:<channel id> or matrix:<room id>`},
	}
	for _, tc := range cases {
		platform, channel, err := ParsePlace(tc.in)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if platform != tc.platform || channel != tc.channel || gotErr != tc.err {
			t.Errorf("ParsePlace(%q) = %q, %q, %q\nwant %q, %q, %q", tc.in, platform, channel, gotErr, tc.platform, tc.channel, tc.err)
		}
	}
}
