package config

import (
	"fmt"
	"strconv"
	"strings"
)

// ParsePlace splits "discord:<channel id>" or "matrix:<room id or alias>"
// into its platform and channel, checking the channel's shape.
func ParsePlace(s string) (platform, channel string, err error) {
	platform, channel, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || platform == "" {
		return "", "", fmt.Errorf("%q is not a place: write discord:<channel id> or matrix:<room id>", s)
	}
	switch platform {
	case "discord":
		if err := checkSnowflake(channel); err != nil {
			return "", "", fmt.Errorf("%q: channel %w", s, err)
		}
	case "matrix":
		if err := checkRoom(channel); err != nil {
			return "", "", fmt.Errorf("%q: %w", s, err)
		}
	default:
		return "", "", fmt.Errorf("%q: unknown platform %q (use discord or matrix)", s, platform)
	}
	return platform, channel, nil
}

// checkSnowflake accepts a Discord id: a non-zero unsigned 64-bit decimal.
func checkSnowflake(id string) error {
	if id == "" {
		return fmt.Errorf("id is empty")
	}
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n == 0 {
		return fmt.Errorf("id %q is not a Discord snowflake (a number such as 1081234567890123456; turn on Developer Mode and use Copy ID)", id)
	}
	return nil
}

// checkRoom accepts a Matrix room id ("!opaque:server", or "!opaque" from
// room version 12 on, which dropped the server part) or an alias
// ("#name:server").
func checkRoom(room string) error {
	switch {
	case strings.HasPrefix(room, "!"):
		local, server, hasServer := strings.Cut(room[1:], ":")
		if local == "" || strings.ContainsAny(local, " \t") {
			return fmt.Errorf("%q is not a Matrix room id (want !id:server)", room)
		}
		if hasServer {
			if err := checkServerName(server); err != nil {
				return fmt.Errorf("room id %q: %w", room, err)
			}
		}
		return nil
	case strings.HasPrefix(room, "#"):
		local, server, ok := strings.Cut(room[1:], ":")
		if !ok || local == "" || strings.ContainsAny(local, " \t") {
			return fmt.Errorf("%q is not a Matrix room alias (want #name:server)", room)
		}
		if err := checkServerName(server); err != nil {
			return fmt.Errorf("room alias %q: %w", room, err)
		}
		return nil
	default:
		return fmt.Errorf("%q is not a Matrix room (want a room id !id:server or an alias #name:server)", room)
	}
}

// checkUserID accepts a Matrix user id "@local:server".
func checkUserID(id string) error {
	local, server, ok := strings.Cut(strings.TrimPrefix(id, "@"), ":")
	if !strings.HasPrefix(id, "@") || !ok || local == "" || strings.ContainsAny(local, " \t") {
		return fmt.Errorf("%q is not a Matrix user id (want @name:server)", id)
	}
	if err := checkServerName(server); err != nil {
		return fmt.Errorf("user id %q: %w", id, err)
	}
	return nil
}

// checkServerName accepts a Matrix server name: a host, an IP literal
// ([::1] for IPv6) and an optional port.
func checkServerName(s string) error {
	host := s
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 {
			return fmt.Errorf("server name %q has an unclosed [", s)
		}
		host, s = s[1:end], s[end+1:]
		if host == "" {
			return fmt.Errorf("server name is empty")
		}
		if s != "" && !strings.HasPrefix(s, ":") {
			return fmt.Errorf("server name has junk after ]")
		}
		if s != "" {
			return checkPort(s[1:])
		}
		return nil
	}
	host, port, hasPort := strings.Cut(s, ":")
	if host == "" {
		return fmt.Errorf("server name is empty")
	}
	for _, r := range host {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return fmt.Errorf("server name %q has the character %q", host, r)
		}
	}
	if hasPort {
		return checkPort(port)
	}
	return nil
}

func checkPort(p string) error {
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not 1-65535", p)
	}
	return nil
}
