//go:build reliability

package reliability

import (
	"testing"

	"github.com/heraldchat/herald/adapters/discord/discordtest"
)

// TestCrashRestart is issue 7's acceptance: SIGKILL at 10 random points
// during 50 articles and 200 comments, restarting each time.
func TestCrashRestart(t *testing.T) {
	crashRun{Articles: 50, Comments: 200, Kills: 10, Seed: seed(t),
		Discord: discordtest.Config{NoRateLimits: true}}.run(t, "crash-restart")
}

// TestPlatformFaults is TestPlatformFaultsSmall at full size, with kills.
func TestPlatformFaults(t *testing.T) {
	crashRun{Articles: 50, Comments: 200, Kills: 3, Seed: seed(t), Faults: 0.2, RestartDendrite: true,
		Discord: discordtest.Config{NoRateLimits: true}}.run(t, "platform faults")
}

// TestCrashRestartPostgres is TestCrashRestart with herald on PostgreSQL.
func TestCrashRestartPostgres(t *testing.T) {
	crashRun{Articles: 50, Comments: 200, Kills: 10, Seed: seed(t), Postgres: true,
		Discord: discordtest.Config{NoRateLimits: true}}.run(t, "crash-restart postgres")
}
