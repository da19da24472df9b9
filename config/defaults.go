package config

import (
	"strings"
	"time"
)

// Default returns the config Herald runs on when there is no file: no
// feeds, no chat adapters, SQLite under the data dir, the web server on
// loopback. Load starts from these values and lays the file over them.
func Default() *Config {
	return &Config{
		Defaults: Defaults{
			Schedule:    "*/10 * * * *",
			MaxAge:      Duration(3 * 24 * time.Hour),
			FirstPost:   1,
			MinInterval: Duration(time.Minute),
			Timezone:    "UTC",
		},
		Fetch: Fetch{
			Timeout:       Duration(30 * time.Second),
			HeaderTimeout: Duration(10 * time.Second),
			MaxBody:       10 << 20,
			MaxRedirects:  5,
			PerHost:       2,
			Jitter:        Duration(30 * time.Second),
			MaxFailures:   10,
		},
		Discord: Discord{
			ShardCount:  1,
			WebhookName: "Herald",
		},
		Matrix: Matrix{
			DeviceName:      "Herald",
			CommandPrefix:   "!herald",
			AdminPowerLevel: 50,
		},
		Web: Web{
			Listen:   "127.0.0.1:8080",
			Timezone: "UTC",
			Title:    "Herald",
		},
		Database: Database{Driver: SQLite},
		Moderation: Moderation{
			RateLimit:          RateLimit{Count: 5, Per: Duration(time.Minute)},
			DuplicateWindow:    Duration(10 * time.Minute),
			MaxLength:          4000,
			NewAuthorLinkLimit: 2,
		},
		Log: Log{Level: "info"},
		Cluster: Cluster{
			FeedLease:   Duration(5 * time.Minute),
			OutboxLease: Duration(2 * time.Minute),
			LeaderRetry: Duration(5 * time.Second),
		},
	}
}

// applyDefaults fills what each feed, route and rule left empty from the
// defaults section, so consumers read concrete values, and tidies values
// people write in more than one way.
func (c *Config) applyDefaults() {
	c.Database.Driver = strings.ToLower(strings.TrimSpace(c.Database.Driver))
	c.Log.Level = strings.ToLower(strings.TrimSpace(c.Log.Level))
	c.Defaults.Schedule = strings.TrimSpace(c.Defaults.Schedule)
	// discordgo wants "Bot <token>", and people paste either form.
	c.Discord.Token = strings.TrimPrefix(strings.TrimSpace(c.Discord.Token), "Bot ")
	c.Matrix.AccessToken = strings.TrimSpace(c.Matrix.AccessToken)
	for i := range c.Feeds {
		f := &c.Feeds[i]
		f.URL = strings.TrimSpace(f.URL)
		f.Schedule = strings.TrimSpace(f.Schedule)
		if f.Schedule == "" {
			f.Schedule = c.Defaults.Schedule
		}
		if f.MaxAge == 0 {
			f.MaxAge = c.Defaults.MaxAge
		}
		if f.FirstPost == nil {
			n := c.Defaults.FirstPost
			f.FirstPost = &n
		}
		if f.MinInterval == 0 {
			f.MinInterval = c.Defaults.MinInterval
		}
	}
	for i := range c.Moderation.Words {
		if c.Moderation.Words[i].Action == "" {
			c.Moderation.Words[i].Action = ActionMask
		}
	}
}
